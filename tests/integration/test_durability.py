"""SIGKILL during a stream of enqueues: every acknowledged task is there after restart."""

from __future__ import annotations

import threading

from sparkq_tui.client import Client
from sparkq_tui.errors import DaemonUnavailable
from tests.daemon_process import DaemonProcess


def test_sigkill_mid_load_loses_no_acknowledged_task(daemon: DaemonProcess) -> None:
    with Client(daemon.socket, reconnect_timeout=0) as c:
        c.call("session.create", name="s")
        c.call("queue.create", name="q", session="s")
    acknowledged: list[list[str]] = [[] for _ in range(4)]
    enough = threading.Event()

    def producer(slot: int) -> None:
        with Client(daemon.socket, reconnect_timeout=0) as c:
            try:
                while True:
                    task = c.enqueue("q", "run-bash", {"slot": slot})
                    acknowledged[slot].append(task["id"])
                    if sum(map(len, acknowledged)) > 400:
                        enough.set()
            except DaemonUnavailable:
                return

    threads = [threading.Thread(target=producer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(30)
    daemon.kill()
    for t in threads:
        t.join(10)
    acked = {tid for slot in acknowledged for tid in slot}
    assert len(acked) > 400
    daemon.start()
    with Client(daemon.socket) as c:
        stored = set()
        offset = 0
        while True:
            page = c.call("task.list", queue="q", limit=1000, offset=offset)
            stored |= {t["id"] for t in page["tasks"]}
            offset += len(page["tasks"])
            if not page["truncated"]:
                break
    assert acked <= stored
    # Friendly ids stay unique after the crash.
    with Client(daemon.socket) as c:
        again = c.enqueue("q", "run-bash")
        assert again["friendly_id"].startswith("Q-")
        names = [t["friendly_id"] for t in c.call("task.list", queue="q", limit=1000)["tasks"]]
    assert len(names) == len(set(names))
