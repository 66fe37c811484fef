"""Python functions as SparkQ tasks: ``@task`` registers defaults and gives the function an
``enqueue``; ``enqueue_call`` enqueues any importable function by reference; ``result`` waits
for a task and returns its ``Result``. Async first; each has a ``*_sync`` twin.

A task is a ``python-call`` task with the payload ``{function: "pkg.mod:qualname", args,
kwargs}``: arguments and return values are JSON (checked here, before anything is sent). A
runner started where the module can be imported (its working folder or ``--import-path``)
runs it. With ``pickle=True`` the call (a lambda or closure too, with any picklable
arguments) is pickled with cloudpickle and signed with the pickle key (``pickle_key``) for a
tool with ``pickle: true`` (``python-pickle`` unless ``tool=`` names another); the return
value is still JSON."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.pytasks.connection import current_client, run_sync
from sparkq_tui.pytasks.json_values import check_json
from sparkq_tui.pytasks.pickle_key import signing_key
from sparkq_tui.pytasks.pickled import pickle_call
from sparkq_tui.pytasks.references import reference_of
from sparkq_tui.pytasks.results import TERMINAL, Result, ResultTimeout

TOOL = "python-call"
PICKLE_TOOL = "python-pickle"  # the tool pickled calls go to unless ``tool=`` names another
TaskRef = dict[str, Any] | str  # a Task as enqueue returns it, or its id / friendly id
WAIT_CHUNK = 600.0  # the longest one task.wait may wait


def _backoff(value: Any) -> Any:
    """A backoff object, or one from ``"exp:10s[:1h]"`` / ``"fixed:30s"``."""
    if isinstance(value, str):
        from sparkq_tui.durations import parse_backoff

        return parse_backoff(value)
    return value


def call_payload(function: Callable[..., Any] | str, args: Any, kwargs: Any) -> dict[str, Any]:
    """The python-call payload; ``NotJSONError`` names an argument that is not JSON."""
    reference = reference_of(function)
    args, kwargs = list(args or ()), dict(kwargs or {})
    for index, value in enumerate(args):
        check_json(value, f"argument {index + 1} of {reference}")
    for name, value in kwargs.items():
        check_json(value, f"argument {name!r} of {reference}")
    return {"function": reference, "args": args, "kwargs": kwargs}


def build_payload(
    function: Callable[..., Any] | str, args: Any, kwargs: Any, pickle: bool
) -> dict[str, Any]:
    """The payload of the call: by reference (JSON arguments), or pickled and signed."""
    if not pickle:
        return call_payload(function, args, kwargs)
    if isinstance(function, str) or not callable(function):
        raise ValueError(f"pickle=True takes a function, not {function!r}")
    return pickle_call(function, args, kwargs, signing_key())


async def enqueue_call(
    function: Callable[..., Any] | str,
    args: tuple[Any, ...] | list[Any] = (),
    kwargs: dict[str, Any] | None = None,
    *,
    queue: str,
    delay: float | None = None,
    run_at: str | None = None,
    task_class: str | None = None,
    max_attempts: int | None = None,
    backoff: dict[str, Any] | str | None = None,
    timeout: float | None = None,
    priority: int | None = None,
    unique_key: str | None = None,
    pickle: bool = False,
    tool: str | None = None,
    client: AsyncClient | None = None,
) -> dict[str, Any]:
    """Enqueue ``function(*args, **kwargs)`` (a function or ``"pkg.mod:func"``) on
    ``queue``; returns the Task. ``delay`` (seconds) or ``run_at`` (ISO time) defer it.
    ``pickle=True`` sends the function itself, pickled and signed, to a tool with
    ``pickle: true`` (``tool``, default ``python-pickle``)."""
    payload = build_payload(function, args, kwargs, pickle)
    return await _send(
        payload,
        queue=queue,
        tool=tool or (PICKLE_TOOL if pickle else TOOL),
        client=client,
        delay=delay,
        run_at=run_at,
        task_class=task_class,
        max_attempts=max_attempts,
        backoff=_backoff(backoff),
        timeout=timeout,
        priority=priority,
        unique_key=unique_key,
    )


async def _send(
    payload: dict[str, Any], *, queue: str, tool: str, client: AsyncClient | None, **options: Any
) -> dict[str, Any]:
    return await (client or current_client()).call(
        "task.enqueue", queue=queue, tool=tool, payload=payload, **options
    )


def enqueue_call_sync(
    function: Callable[..., Any] | str,
    args: tuple[Any, ...] | list[Any] = (),
    kwargs: dict[str, Any] | None = None,
    *,
    pickle: bool = False,
    tool: str | None = None,
    backoff: dict[str, Any] | str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """``enqueue_call`` for sync code (the same options)."""
    payload = build_payload(function, args, kwargs, pickle)  # refused here, in this thread
    tool = tool or (PICKLE_TOOL if pickle else TOOL)
    options.setdefault("client", None)
    return run_sync(_send(payload, tool=tool, backoff=_backoff(backoff), **options))


async def result(
    task: TaskRef, timeout: float | None = 30.0, *, client: AsyncClient | None = None
) -> Result:
    """Wait up to ``timeout`` seconds (None: for ever) for ``task`` to end and return its
    ``Result``; ``ResultTimeout`` (a ``TimeoutError``) when it has not ended by then. A
    task waiting out a retry has not ended."""
    task_id = task if isinstance(task, str) else task["id"]
    found = await (client or current_client()).wait(task_id, timeout)
    if found["status"] not in TERMINAL:
        raise ResultTimeout(found, timeout)
    return Result.from_task(found)


def result_sync(task: TaskRef, timeout: float | None = 30.0) -> Result:
    """``result`` for sync code."""
    return run_sync(result(task, timeout))


class TaskFunction:
    """A function registered with ``@task``: call it to run it here, ``enqueue`` it to run
    it on a runner."""

    def __init__(self, function: Callable[..., Any], defaults: dict[str, Any]) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.defaults = defaults
        # A pickled task travels by value: it needs no importable reference.
        self.pickled = bool(defaults.get("pickle"))
        self.reference = (
            f"{function.__module__}:{function.__qualname__}"
            if self.pickled
            else reference_of(function)
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def options(self, **overrides: Any) -> TaskFunction:
        """A copy with other defaults (``queue``, ``priority`` …) for the next enqueues."""
        return TaskFunction(self.function, {**self.defaults, **overrides})

    def _options(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        options = dict(self.defaults)
        unique = options.pop("unique", None)
        if unique is not None:
            options["unique_key"] = str(unique(*args, **kwargs))
        if not options.get("queue"):
            raise ValueError(f"{self.reference} has no queue: give @task(queue=…)")
        return options

    async def enqueue(
        self, *args: Any, delay: float | None = None, run_at: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Enqueue a call with these arguments; the Task. ``delay`` and ``run_at`` are
        SparkQ's, not the function's."""
        options = self._options(args, kwargs)
        return await enqueue_call(self._target, args, kwargs, delay=delay, run_at=run_at, **options)

    def enqueue_sync(
        self, *args: Any, delay: float | None = None, run_at: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """``enqueue`` for sync code."""
        options = self._options(args, kwargs)
        return enqueue_call_sync(self._target, args, kwargs, delay=delay, run_at=run_at, **options)

    @property
    def _target(self) -> Callable[..., Any] | str:
        return self.function if self.pickled else self.reference

    def __repr__(self) -> str:
        return f"<task {self.reference}>"


def task(
    function: Callable[..., Any] | None = None,
    *,
    queue: str | None = None,
    task_class: str | None = None,
    max_attempts: int | None = None,
    backoff: dict[str, Any] | str | None = None,
    timeout: float | None = None,
    priority: int | None = None,
    unique: Callable[..., Any] | None = None,
    pickle: bool | None = None,
    tool: str | None = None,
) -> Any:
    """Register a top-level function as a task: ``@task(queue="work", max_attempts=3)``.

    ``unique(*args, **kwargs)`` gives the task's ``unique_key``: while a task with that key
    is unfinished in the queue, enqueue returns it instead of adding another. ``pickle=True``
    sends the function pickled and signed (a nested function too) to ``tool``, a tool with
    ``pickle: true`` (default ``python-pickle``)."""
    defaults = {
        "pickle": pickle,
        "tool": tool,
        "queue": queue,
        "task_class": task_class,
        "max_attempts": max_attempts,
        "backoff": backoff,
        "timeout": timeout,
        "priority": priority,
        "unique": unique,
    }

    def register(fn: Callable[..., Any]) -> TaskFunction:
        return TaskFunction(fn, {k: v for k, v in defaults.items() if v is not None})

    return register(function) if function is not None else register


__all__ = [
    "Result",
    "ResultTimeout",
    "TaskFunction",
    "enqueue_call",
    "enqueue_call_sync",
    "result",
    "result_sync",
    "task",
]
