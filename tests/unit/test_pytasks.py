"""The task API without a daemon: references, the JSON check, the payload and options an
enqueue sends (to a recording stand-in for the client), and ``Result``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

import sparkq_tui
from sparkq_tui import NotJSONError, Result, TaskFailed, enqueue_call, task
from sparkq_tui.pytasks.references import load, reference_of


def resize(path: str, width: int = 100) -> dict[str, Any]:
    return {"path": path, "width": width}


@task(queue="images", max_attempts=3, backoff="fixed:5s", timeout=30, unique=lambda p, **_: p)
async def thumbnail(path: str, size: int = 64) -> str:
    return f"{path}@{size}"


class Recorder:
    """Stands in for AsyncClient: keeps each call, answers with a Task-like echo."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call(self, method: str, params: Any = None, /, **kw: Any) -> Any:
        sent = {k: v for k, v in kw.items() if v is not None}
        self.calls.append((method, sent))
        return {"id": "tsk_1", **sent}


def test_references_name_importable_functions_only() -> None:
    assert reference_of(resize) == "tests.unit.test_pytasks:resize"
    assert reference_of(thumbnail) == "tests.unit.test_pytasks:thumbnail"
    assert reference_of("pkg.mod:Class.method") == "pkg.mod:Class.method"
    assert load("tests.unit.test_pytasks:resize") is resize
    with pytest.raises(ValueError, match="lambda or nested"):
        reference_of(lambda: 1)
    with pytest.raises(ValueError, match="'no colon' is not a reference"):
        reference_of("no colon")
    with pytest.raises(ImportError, match="has no 'missing'"):
        load("tests.unit.test_pytasks:missing")


def test_non_json_arguments_are_refused_naming_them() -> None:
    recorder = Recorder()
    cases = [
        (((1, {2, 3}),), {}, r"argument 1 of .*:resize\[1\] is \{2, 3\} \(set\)"),
        ((), {"path": b"x"}, r"argument 'path' of .*:resize is b'x' \(bytes\)"),
        ((), {"opts": {1: "a"}}, r"has the key 1: JSON keys must be str"),
        ((float("nan"),), {}, r"argument 1 .* is nan, which JSON cannot hold"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(NotJSONError, match=message):
            asyncio.run(enqueue_call(resize, args, kwargs, queue="q", client=recorder))
    assert recorder.calls == []


def test_the_decorator_sends_its_defaults_and_runs_locally_when_called(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder()
    monkeypatch.setattr(sparkq_tui.pytasks.api, "current_client", lambda: recorder)
    sent = asyncio.run(thumbnail.enqueue("a.png", size=32, delay=5))
    method, params = recorder.calls[0]
    assert method == "task.enqueue" and sent["id"] == "tsk_1"
    assert params == {
        "queue": "images",
        "tool": "python-call",
        "payload": {
            "function": "tests.unit.test_pytasks:thumbnail",
            "args": ["a.png"],
            "kwargs": {"size": 32},
        },
        "delay": 5,
        "max_attempts": 3,
        "backoff": {"type": "fixed", "delay": 5},
        "timeout": 30,
        "unique_key": "a.png",
    }
    assert asyncio.run(thumbnail("b.png")) == "b.png@64"
    with pytest.raises(ValueError, match="has no queue"):
        asyncio.run(task(resize).enqueue("x"))


def test_result_splits_the_error_from_its_traceback() -> None:
    trace = 'Traceback (most recent call last):\n  File "m.py", line 3, in f\nValueError: bad\n'
    failed = Result.from_task(
        {
            "id": "tsk_1",
            "friendly_id": "Q-0001",
            "status": "failed",
            "error": f"ValueError: bad\n\n{trace}",
            "attempts": 2,
            "created_at": "2026-01-01T00:00:00+00:00",
            "claimed_at": "2026-01-01T00:00:01+00:00",
            "finished_at": "2026-01-01T00:00:03.500000+00:00",
        }
    )
    assert (failed.error, failed.traceback, failed.attempts) == ("ValueError: bad", trace, 2)
    assert (failed.queued_s, failed.run_s, failed.ok) == (1.0, 2.5, False)
    with pytest.raises(TaskFailed, match="task Q-0001 failed: ValueError: bad"):
        failed.get()
    done = Result.from_task({"id": "tsk_2", "status": "succeeded", "result": [1]})
    assert (done.get(), done.error, done.traceback) == ([1], None, None)


def test_importing_the_package_stays_cheap() -> None:
    code = (
        "import json, sys, sparkq_tui; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sparkq_tui'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == ["sparkq_tui"]
