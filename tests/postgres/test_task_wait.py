"""task.wait across daemons: a wait on one daemon returns when a task is completed through
another (the end reaches it by LISTEN/NOTIFY)."""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.wire import Wire


def test_a_wait_on_one_daemon_returns_when_another_completes(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(a.socket) as wa, Wire(b.socket, timeout=30) as wb:
        wa.call("session.create", name="s")
        wa.call("queue.create", name="q", session="s")
        task = wa.call("task.enqueue", queue="q", tool="run-bash")
        wa.call("task.claim", queue="q", worker="w")
        got: dict[str, Any] = {}

        def wait() -> None:
            got["reply"] = wb.call("task.wait", id=task["id"], timeout=20)
            got["at"] = time.monotonic()

        thread = threading.Thread(target=wait)
        thread.start()
        thread.join(0.3)
        assert thread.is_alive()
        ended = time.monotonic()
        wa.call("task.complete", id=task["id"], worker="w")
        thread.join(15)
        assert (got["reply"]["done"], got["reply"]["task"]["status"]) == (True, "succeeded")
        assert got["at"] - ended < 2.0
