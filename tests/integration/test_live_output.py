"""task.log and task.logs over the socket: a chunk's bounds, paging, refusals."""

from __future__ import annotations

from tests.wire import Wire


def test_log_chunks_are_paged_and_bad_input_is_refused(wire: Wire, queue: str) -> None:
    task = wire.call("task.enqueue", queue=queue, tool="run-bash")
    error = wire.error("task.log", id=task["id"], stream="stdout", text="x")
    assert error["code"] == -32009 and "queued" in error["message"]
    wire.call("task.claim", queue=queue, worker="a")
    line = wire.call("task.log", id=task["id"], stream="stdout", text="é" * 32768, worker="a")
    assert line["seq"] == 1  # 64 KiB exactly is one chunk
    error = wire.error("task.log", id=task["id"], stream="stdout", text="x" * (64 * 1024 + 1))
    assert error["code"] == -32602 and "65537" in error["message"]
    error = wire.error("task.log", id=task["id"], stream="screen", text="x")
    assert error["code"] == -32602 and "screen" in error["message"]
    error = wire.error("task.log", id=task["id"], stream="log", text="x", worker="b")
    assert error["code"] == -32009
    wire.call("task.log", id=task["id"], stream="log", text="two")
    page = wire.call("task.logs", id=task["id"], after=1)
    assert page == {"lines": [{**page["lines"][0], "seq": 2, "text": "two"}], "next": 2}
    error = wire.error("task.logs", id=task["id"], limit=1001)
    assert error["code"] == -32602 and "1001" in error["message"]
    assert wire.error("task.logs", id="Q-9999")["code"] == -32004
