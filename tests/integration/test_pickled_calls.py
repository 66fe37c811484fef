"""Signed pickled calls over the socket, with a real ``sparkq runner`` on each engine: a lambda
and a closure run through a tool with ``pickle: true`` and return their values; a payload
changed in the database after it was signed fails at once with the signature error and its
function never runs (it would write a file); ``python-call`` refuses a pickled call at enqueue,
and a pickled call put into a python-call task anyway is never unpickled."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import cloudpickle
import pytest

import sparkq_tui
from sparkq_tui import enqueue_call_sync, result_sync, task
from sparkq_tui.client import Client
from sparkq_tui.errors import ValidationError
from sparkq_tui.pytasks.pickle_key import KEY_ENV, signing_key
from sparkq_tui.pytasks.pickled import pickle_call
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import run_runner

PICKLE_TOOLS = {"python-pickle": {"pickle": True, "task_class": "FAST_SCRIPT"}}


@pytest.fixture
def pickle_daemon(make_daemon, short_dir: Path, monkeypatch: pytest.MonkeyPatch) -> DaemonProcess:
    """A daemon whose sparkq.yml adds ``python-pickle`` (``pickle: true``), a queue ``work``,
    and a private pickle key shared by this test (which signs) and its runner (which checks)."""
    monkeypatch.setenv(KEY_ENV, str(short_dir / "pickle.key"))
    daemon = make_daemon({"tools": PICKLE_TOOLS})
    with Client(daemon.socket) as c:
        c.call("session.create", name="s")
        c.call("queue.create", name="work", session="s")
    sparkq_tui.configure(socket=str(daemon.socket))
    return daemon


def test_pickled_closures_run_and_tampered_ones_never_do(
    pickle_daemon: DaemonProcess, short_dir: Path
) -> None:
    marker = short_dir / "tampered-code-ran"
    base = 40

    @task(queue="work", pickle=True)
    def scaled(x: int, *, factor: int) -> dict:
        return {"scaled": base + x * factor}

    async def later(words: set[str]) -> list[str]:  # an async closure, a non-JSON argument
        return sorted(words)

    def evil_code() -> None:  # what a tamperer would run: it leaves a file behind
        marker.write_text("ran")

    with Client(pickle_daemon.socket) as c:
        tool = next(t for t in c.call("tool.list")["tools"] if t["name"] == "python-pickle")
        assert (tool["pickle"], tool["command"], tool["provider"]) == (True, None, None)
        lam = enqueue_call_sync(lambda a, b: a * b + base, (6, 7), queue="work", pickle=True)
        closure = scaled.enqueue_sync(2, factor=3)
        awaited = enqueue_call_sync(later, ({"b", "a"},), queue="work", pickle=True)

        # Someone with the database but not the key swaps in code of their own …
        victim = enqueue_call_sync(lambda: "fine", queue="work", pickle=True, max_attempts=3)
        evil = cloudpickle.dumps((evil_code, (), {}))
        swapped = {**victim["payload"], "pickle": base64.b64encode(evil).decode()}
        c.call("task.update", id=victim["id"], payload=swapped)
        # … or signs it with a key of their own, or drops the signature.
        forged = enqueue_call_sync(lambda: "fine", queue="work", pickle=True, max_attempts=3)
        c.call("task.update", id=forged["id"], payload=pickle_call(evil_code, (), {}, b"k" * 32))

        # python-call takes JSON calls only: refused at enqueue, naming the setting …
        signed_evil = pickle_call(evil_code, (), {}, signing_key())
        with pytest.raises(
            ValidationError, match=r"python-call takes JSON calls only.*pickle: true"
        ):
            c.enqueue("work", "python-call", signed_evil)
        # … and never unpickled, even validly signed, when put into a python-call task.
        plain = enqueue_call_sync("math:floor", [2.5], queue="work", max_attempts=3)
        c.call("task.update", id=plain["id"], payload=signed_evil)

        ran = run_runner(pickle_daemon, "--queue", "work", "--drain", "-c", "2", timeout=60)
        assert ran.returncode == 1, ran.stderr  # --drain saw failures

        assert result_sync(lam, timeout=5).get() == 82
        assert result_sync(closure, timeout=5).get() == {"scaled": 46}
        assert result_sync(awaited, timeout=5).get() == ["a", "b"]
        for tampered in (victim, forged):
            failed = result_sync(tampered, timeout=5)
            assert (failed.status, failed.attempts) == ("failed", 1)  # not retried
            assert re.search(r"signature did not verify.*not unpickled", failed.error)
        refused = result_sync(plain, timeout=5)
        assert (refused.status, refused.attempts) == ("failed", 1)
        assert "tool python-call does not take pickled calls" in refused.error
    assert not marker.exists()
