"""Python functions as SparkQ tasks (``from sparkq_tui import task, result``); see ``api``."""

from sparkq_tui.pytasks.api import (
    TaskFunction,
    enqueue_call,
    enqueue_call_sync,
    result,
    result_sync,
    task,
)
from sparkq_tui.pytasks.connection import configure
from sparkq_tui.pytasks.json_values import NotJSONError
from sparkq_tui.pytasks.results import Result, ResultTimeout, TaskFailed

__all__ = [
    "NotJSONError",
    "Result",
    "ResultTimeout",
    "TaskFailed",
    "TaskFunction",
    "configure",
    "enqueue_call",
    "enqueue_call_sync",
    "result",
    "result_sync",
    "task",
]
