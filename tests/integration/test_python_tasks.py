"""Python functions as tasks over the socket, with a real ``sparkq runner`` on each engine:
async and sync functions succeed with their results, an exception fails with its traceback
and is retried per policy, a timeout stops the call, an import error fails once, ``result``
returns on completion and raises a clear timeout error, a non-JSON argument is refused, and
the sync wrappers work from a thread whose event loop is running."""

from __future__ import annotations

import asyncio
import datetime
import re
import signal
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sparkq_tui
from sparkq_tui import NotJSONError, ResultTimeout, enqueue_call, result, result_sync
from sparkq_tui.client import Client
from sparkq_tui.errors import ValidationError
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import killed_at_exit, start_runner

JOBS = """
import asyncio, time

def add(a, b=0):
    print("adding", a, b)
    return {"sum": a + b}

async def fetch(n):
    await asyncio.sleep(0.01)
    return [n, n]

def boom(width):
    raise ValueError(f"bad width {width}")

def slow():
    time.sleep(60)

def nothing():
    return None

def whoami():
    import os
    try:
        input()  # an empty stdin, not the worker's pipe of calls
    except EOFError:
        pass
    return os.environ["SPARKQ_TASK_FRIENDLY_ID"]
"""
QUICK_RETRY = {"type": "fixed", "delay": 0.05, "jitter": 0}


@pytest.fixture
def pyqueue(daemon: DaemonProcess) -> DaemonProcess:
    """A queue ``work``; the task API pointed at the daemon."""
    with Client(daemon.socket) as c:
        c.call("session.create", name="s")
        c.call("queue.create", name="work", session="s")
    sparkq_tui.configure(socket=str(daemon.socket))
    return daemon


@pytest.fixture
def pyrunner(
    pyqueue: DaemonProcess, short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DaemonProcess]:
    """A module ``pyjobs`` in a folder of its own, and a runner on ``work`` given that folder
    with --import-path."""
    monkeypatch.setenv("SPARKQ_OUTBOX_DIR", str(short_dir / "outbox"))
    code = short_dir / "code"
    code.mkdir()
    (code / "pyjobs.py").write_text(textwrap.dedent(JOBS))
    runner = start_runner(
        pyqueue, "--queue", "work", "-c", "2", "--wait", "0.3", "--import-path", str(code)
    )
    with killed_at_exit(runner):
        yield pyqueue
        runner.send_signal(signal.SIGTERM)
        runner.wait(15)


def test_functions_succeed_with_their_results(pyrunner: DaemonProcess) -> None:
    async def scenario() -> None:
        added = await enqueue_call("pyjobs:add", (2,), {"b": 3}, queue="work")
        fetched = await enqueue_call("pyjobs:fetch", [7], queue="work")
        nothing = await enqueue_call("pyjobs:nothing", queue="work")
        who = await enqueue_call("pyjobs:whoami", queue="work", timeout=10)
        done = await result(added, timeout=20)
        assert (done.status, done.value, done.error) == ("succeeded", {"sum": 5}, None)
        assert done.task["stdout"] == "adding 2 3\n"
        assert done.run_s is not None and done.run_s >= 0
        assert (await result(fetched["id"], timeout=20)).get() == [7, 7]
        assert (await result(nothing, timeout=20)).get() is None
        assert (await result(who, timeout=20)).get() == who["friendly_id"]

    asyncio.run(scenario())

    # The sync twins, from a thread whose event loop is running (it blocks that loop for the
    # call, but the calls run on the API's own loop, so nothing deadlocks).
    async def inside_a_loop() -> Any:
        task = sparkq_tui.enqueue_call_sync("pyjobs:add", [40, 2], queue="work")
        return result_sync(task, timeout=20).value

    assert asyncio.run(inside_a_loop()) == {"sum": 42}


def test_failures_timeouts_import_errors_and_refusals(pyrunner: DaemonProcess) -> None:
    boom = sparkq_tui.enqueue_call_sync(
        "pyjobs:boom", [100], queue="work", max_attempts=2, backoff=QUICK_RETRY
    )
    slow = sparkq_tui.enqueue_call_sync("pyjobs:slow", queue="work", timeout=0.5)
    missing = sparkq_tui.enqueue_call_sync("pyjobs_gone:f", queue="work", max_attempts=3)
    failed = result_sync(boom, timeout=20)
    assert (failed.status, failed.attempts) == ("failed", 2)
    assert failed.error == "ValueError: bad width 100"
    assert failed.traceback.startswith("Traceback (most recent call last):")
    assert "in boom" in failed.traceback and "pyjobs.py" in failed.traceback
    stopped = result_sync(slow, timeout=20)
    assert (stopped.status, stopped.task["reason"]) == ("failed", "timeout")
    assert stopped.error == "timed out after 0.5 s"
    gone = result_sync(missing, timeout=20)
    assert (gone.status, gone.attempts) == ("failed", 1)  # not retried
    assert "No module named 'pyjobs_gone'" in gone.error
    # The runner goes on after killing the overrunning call's process.
    again = sparkq_tui.enqueue_call_sync("pyjobs:add", [1, 1], queue="work")
    assert result_sync(again, timeout=20).value == {"sum": 2}
    _result_times_out_and_bad_calls_are_refused(pyrunner)


def _result_times_out_and_bad_calls_are_refused(daemon: DaemonProcess) -> None:
    later = sparkq_tui.enqueue_call_sync("pyjobs:add", [1], queue="work", delay=60)
    with pytest.raises(ResultTimeout, match=r"WORK-\d+ is still scheduled after 0.2 s"):
        result_sync(later, timeout=0.2)
    with Client(daemon.socket) as c:
        before = c.call("task.list", queue="work")["total"]
        with pytest.raises(NotJSONError, match=r"argument 'when' of pyjobs:add is .*\(date\)"):
            sparkq_tui.enqueue_call_sync(
                "pyjobs:add", kwargs={"when": datetime.date(2026, 1, 1)}, queue="work"
            )
        # The daemon checks the payload's shape too, for clients that are not this API.
        for payload, named in (
            ({"function": "no colon"}, "'no colon'"),
            ({"function": "m:f", "args": {"a": 1}}, "payload.args"),
            ({"function": "m:f", "kwargs": [1]}, "payload.kwargs"),
            ("m:f", "'m:f'"),
        ):
            with pytest.raises(ValidationError, match=re.escape(named)):
                c.enqueue("work", "python-call", payload)
        assert c.call("task.list", queue="work")["total"] == before  # nothing was added
