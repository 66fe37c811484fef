"""Several daemons on one PostgreSQL database, as separate ``sparkq-daemon`` processes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from tests.integration.statuses import ZERO_COUNTS
from tests.postgres.helpers import next_event, wait_for
from tests.wire import Wire

pytestmark = pytest.mark.timeout(120)
TASKS = 2000
CLAIMERS = 8


def _setup(w: Wire, queue: str = "jobs") -> None:
    w.call("session.create", name="work")
    w.call("queue.create", name=queue, session="work")


def test_racing_claimers_on_two_daemons_get_each_task_exactly_once(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(a.socket) as wa:
        _setup(wa)
    claimed: list[tuple[str, str]] = []
    errors: list[Any] = []
    done = threading.Event()
    lock = threading.Lock()

    def claimer(n: int) -> None:
        daemon = (a, b)[n % 2]
        try:
            with Wire(daemon.socket, timeout=30) as w:
                while not done.is_set():
                    task = w.call("task.claim", queue="jobs", worker=f"w{n}", wait=0.5)["task"]
                    if task is None:
                        continue
                    w.call("task.complete", id=task["id"], worker=f"w{n}")
                    with lock:
                        claimed.append((task["id"], f"w{n}"))
                        if len(claimed) >= TASKS:
                            done.set()
        except Exception as exc:  # reported below
            errors.append(exc)
            done.set()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(CLAIMERS)]
    for t in threads:
        t.start()
    started = time.monotonic()
    # Enqueued through both daemons while the claimers already wait on both.
    enqueued: list[str] = []
    with Wire(a.socket) as wa, Wire(b.socket) as wb:
        for batch in range(TASKS // 100):
            w = (wa, wb)[batch % 2]
            items = [{"tool": "run-bash", "payload": {"n": batch * 100 + i}} for i in range(100)]
            enqueued += [
                t["id"] for t in w.call("task.enqueue_batch", queue="jobs", tasks=items)["tasks"]
            ]
    assert done.wait(90), f"only {len(claimed)} of {TASKS} claimed"
    elapsed = time.monotonic() - started
    for t in threads:
        t.join(30)
    assert not errors, errors
    ids = [task_id for task_id, _ in claimed]
    assert len(ids) == TASKS and len(set(ids)) == TASKS
    assert set(ids) == set(enqueued)
    by_worker = Counter(worker for _, worker in claimed)
    assert len(by_worker) == CLAIMERS  # every claimer, on both daemons, got work
    for daemon in (a, b):
        with Wire(daemon.socket) as w:
            queue = w.call("queue.get", queue="jobs")
            assert queue["counts"] == {**ZERO_COUNTS, "succeeded": TASKS}
            stats = w.call("system.stats")
            assert stats["tasks"]["succeeded"] == TASKS
    with Wire(b.socket) as w:
        pages = [
            w.call("task.list", queue="jobs", limit=1000, offset=o)["tasks"] for o in (0, 1000)
        ]
    attempts = Counter(t["attempts"] for page in pages for t in page)
    assert attempts == {1: TASKS}
    print(
        f"\n{TASKS} enqueue+claim+complete over 2 daemons, {CLAIMERS} claimers: "
        f"{elapsed:.2f} s ({TASKS / elapsed:.0f} tasks/s)"
    )


def test_a_subscriber_on_one_daemon_sees_the_events_of_the_other(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(b.socket) as listener, Wire(a.socket) as actor:
        listener.call("events.subscribe", topics=["session", "queue", "task"])
        _setup(actor)
        task = actor.call("task.enqueue", queue="jobs", tool="run-bash", payload={"x": 1})
        actor.call("task.claim", queue="jobs", worker="w")
        done = actor.call("task.complete", id=task["id"])
        seen = []
        for type_ in (
            "session.created",
            "queue.created",
            "task.enqueued",
            "task.claimed",
            "task.completed",
        ):
            seen.append(next_event(listener, lambda e, t=type_: e["type"] == t))
    completed = seen[-1]
    assert completed == {
        "topic": "task",
        "type": "task.completed",
        "id": task["id"],
        "friendly_id": task["friendly_id"],
        "queue_id": task["queue_id"],
        "queue_name": "jobs",
        "tool": task["tool"],
        "status": "succeeded",
        "created_at": done["created_at"],
        "claimed_at": done["claimed_at"],
        "finished_at": done["finished_at"],
        "at": done["updated_at"],
        "seq": completed["seq"],
        "remote": True,  # relayed from the other daemon
    }
    seqs = [e["seq"] for e in seen]
    assert seqs == sorted(seqs)


def test_a_waiting_claim_on_one_daemon_is_served_by_an_enqueue_on_the_other(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(a.socket) as wa, Wire(b.socket) as waiter:
        _setup(wa)
        waiter.send_raw(
            b'{"jsonrpc":"2.0","id":"c","method":"task.claim",'
            b'"params":{"queue":"jobs","worker":"far","wait":20}}\n'
        )
        # The claim is being handled once a later request on the same connection answered.
        assert waiter.call("system.ping")["pid"] == b.pid
        sent = time.monotonic()
        task = wa.call("task.enqueue", queue="jobs", tool="run-bash")
        reply = waiter.read()
        waited = time.monotonic() - sent
    assert reply["id"] == "c"
    assert reply["result"]["task"]["id"] == task["id"]
    assert reply["result"]["task"]["worker"] == "far"
    # Woken by the notification, well before the 2 s fallback poll.
    assert waited < 1.5, waited


def _info(daemon) -> dict[str, Any]:
    with Wire(daemon.socket) as w:
        return w.call("system.info")


def test_the_other_daemon_takes_over_sweeping_when_the_leader_is_killed(pg_daemons) -> None:
    a = pg_daemons("a")
    wait_for(lambda: _info(a)["leader"], 10, "the first daemon to lead")
    b = pg_daemons("b")
    assert _info(b)["leader"] is False
    assert _info(a)["engine"] == _info(b)["engine"] == "postgresql"
    listener = Wire(b.socket)
    listener.call("events.subscribe", topics=["task"])
    with Wire(a.socket) as wa:
        _setup(wa)
        task = wa.call("task.enqueue", queue="jobs", tool="run-bash", timeout=3)
        wa.call("task.claim", queue="jobs", worker="doomed")
    a.kill()
    killed = time.monotonic()
    wait_for(lambda: _info(b)["leader"], 10, "the surviving daemon to lead")
    took_over = time.monotonic() - killed
    assert took_over < 10
    with listener:
        failed = next_event(listener, lambda e: e["type"] == "task.failed", timeout=15)
        assert failed["id"] == task["id"]
        assert failed["error"] == "Task exceeded timeout"
        with Wire(b.socket) as w:
            final = w.call("task.get", id=task["id"])
            counts = w.call("queue.get", queue="jobs")["counts"]
        # Exactly once: no second failure event within two more sweeps.
        listener.sock.settimeout(2.0)
        extra = []
        with pytest.raises(TimeoutError):
            while True:
                message = listener.read()
                if message.get("method") == "event" and message["params"]["type"] == "task.failed":
                    extra.append(message)
    assert extra == []
    assert (final["status"], final["attempts"], final["worker"]) == ("failed", 1, "doomed")
    assert counts == {**ZERO_COUNTS, "failed": 1}
    print(f"\nleader killed: the other daemon led after {took_over:.2f} s")


def test_two_daemons_migrating_one_empty_database_at_once(pg_daemons) -> None:
    a = pg_daemons("a", start=False)
    b = pg_daemons("b", start=False)
    errors: list[Exception] = []

    def start(d) -> None:
        try:
            d.start()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    logs = [d.log() for d in (a, b)]
    assert sum("migrated the database from schema version 0" in log for log in logs) == 1
    for d in (a, b):
        with Wire(d.socket) as w:
            w.call("session.create", name=f"s-{d.folder.name}")
    import asyncio

    import asyncpg

    async def versions() -> list[int]:
        conn = await asyncpg.connect(pg_daemons.url)
        try:
            return [r[0] for r in await conn.fetch("SELECT version FROM schema_version")]
        finally:
            await conn.close()

    from sparkq_daemon.store.postgres.schema import SCHEMA_VERSION

    assert sorted(asyncio.run(versions())) == list(range(1, SCHEMA_VERSION + 1))


def test_sigkill_during_a_stream_of_enqueues_loses_no_acknowledged_task(pg_daemons) -> None:
    a = pg_daemons("a")
    with Wire(a.socket) as w:
        _setup(w)
    acknowledged: list[str] = []
    stop = threading.Event()

    def stream() -> None:
        try:
            with Wire(a.socket) as w:
                while not stop.is_set():
                    acknowledged.append(w.call("task.enqueue", queue="jobs", tool="run-bash")["id"])
        except (ConnectionError, OSError, AssertionError, ValueError):
            pass  # the daemon died under it

    thread = threading.Thread(target=stream)
    thread.start()
    wait_for(lambda: len(acknowledged) >= 300, 30, "300 acknowledged enqueues")
    a.kill()
    stop.set()
    thread.join(10)
    a.start()
    with Wire(a.socket) as w:
        for task_id in acknowledged:
            assert w.call("task.get", id=task_id)["status"] == "queued"
        listed = w.call("task.list", queue="jobs", tool="run-bash", limit=1)["total"]
        counts = w.call("queue.get", queue="jobs")["counts"]
    assert listed >= len(acknowledged)
    assert counts["queued"] == listed  # the counts agree with the rows


def test_sparkq_status_names_the_engine_and_the_leader(pg_daemons) -> None:
    import subprocess

    from tests.daemon_process import DaemonProcess

    a = pg_daemons("a")
    wait_for(lambda: _info(a)["leader"], 10, "the first daemon to lead")
    b = pg_daemons("b")

    def status(d: DaemonProcess) -> str:
        done = subprocess.run(
            ["sparkq", "status"], env=d.env(), capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, done.stderr
        return " ".join(done.stdout.split())

    assert "postgresql postgresql://" in status(a)
    assert "leads the periodic jobs" in status(a)
    assert "does not lead the periodic jobs" in status(b)
    info = _info(b)
    assert info["engine"] == "postgresql" and info["leader"] is False
    assert info["database_url"] == pg_daemons.url
    wait_for(lambda: len(_info(b)["daemons"]) == 2, 10, "B to list both daemons")
    daemons = _info(b)["daemons"]
    assert [(d["pid"], d["leader"]) for d in daemons] == [(a.pid, True), (b.pid, False)]


def test_a_tool_added_on_one_daemon_is_usable_on_the_other(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(a.socket) as wa, Wire(b.socket) as wb:
        _setup(wa)
        refused = wb.request("task.enqueue", queue="jobs", tool="lint")
        assert refused["error"]["data"]["type"] == "Validation"
        wa.call("tool.upsert", name="lint", task_class="FAST_SCRIPT", description="lint it")
        # Each daemon caches the catalogue; a change on A reaches B's cache by NOTIFY.
        wait_for(
            lambda: any(t["name"] == "lint" for t in wb.call("tool.list")["tools"]),
            5,
            "B to see the new tool",
        )
        task = wb.call("task.enqueue", queue="jobs", tool="lint")
        assert (task["tool"], task["task_class"], task["timeout"]) == ("lint", "FAST_SCRIPT", 120)
        wa.call("tool.delete", name="lint")
        wait_for(
            lambda: "error" in wb.request("task.enqueue", queue="jobs", tool="lint"),
            5,
            "B to refuse the deleted tool",
        )


def test_workers_of_every_daemon_are_listed_by_each_until_they_go(pg_daemons) -> None:
    a, b = pg_daemons("a"), pg_daemons("b")
    with Wire(a.socket) as wa, Wire(b.socket) as wb:
        wa.call("worker.hello", name="runner-a", host="host-a", pid=11)
        wb.call("worker.hello", name="runner-b", host="host-b", pid=22, concurrency=4)
        for w in (wa, wb):  # each daemon lists the workers connected to either
            listed = {x["name"]: x for x in w.call("worker.list")["workers"]}
            assert set(listed) == {"runner-a", "runner-b"}
            assert (listed["runner-b"]["host"], listed["runner-b"]["concurrency"]) == ("host-b", 4)
    with Wire(a.socket) as wa:  # both connections closed: both workers left
        wait_for(lambda: wa.call("worker.list")["workers"] == [], 10, "the workers to leave")
        wb = Wire(b.socket)
        wb.call("worker.hello", name="runner-b2", host="host-b", pid=23)
        assert [x["name"] for x in wa.call("worker.list")["workers"]] == ["runner-b2"]
        b.stop()  # a daemon that stops takes its workers with it
        wait_for(lambda: wa.call("worker.list")["workers"] == [], 10, "b's worker to go")
        wb.close()
