"""SparkQ's user side: the cockpit, the CLI, the runner and the clients.

Importing this package must stay cheap: the CLI and the clients never import Textual. The
task API (``task``, ``enqueue_call``, ``result``, ``Result`` … see ``sparkq_tui.pytasks``)
is imported on first use of one of its names."""

from typing import Any

__version__ = "0.1.0"

TASK_API = (
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
)
__all__ = ["__version__", *TASK_API]


def __getattr__(name: str) -> Any:
    if name in TASK_API:
        from sparkq_tui import pytasks

        return getattr(pytasks, name)
    raise AttributeError(f"module 'sparkq_tui' has no attribute {name!r}")
