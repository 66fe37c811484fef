"""``sparkq wait ID``: exit 0 when the task succeeded, 1 when it failed or was cancelled, 4 at
the timeout; 2 for a bad --timeout."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_wait_exit_codes(sparkq: Run, queue: str) -> None:
    for _ in range(3):
        assert sparkq("enqueue", queue, "run-bash", "-s", "true").code == 0
    assert sparkq("claim", queue, "--id", "BACKEND-0001").code == 0
    timed_out = sparkq("wait", "BACKEND-0001", "--timeout", "0.2")
    assert (timed_out.code, timed_out.out.strip()) == (4, "BACKEND-0001 is still running")
    assert sparkq("complete", "BACKEND-0001").code == 0
    done = sparkq("wait", "BACKEND-0001", "--json")
    assert done.code == 0 and done.json()["task"]["status"] == "succeeded"
    assert sparkq("cancel", "BACKEND-0002").code == 0
    assert sparkq("wait", "BACKEND-0002").code == 1
    assert sparkq("claim", queue, "--id", "BACKEND-0003").code == 0
    assert sparkq("fail", "BACKEND-0003", "boom").code == 0
    failed = sparkq("wait", "BACKEND-0003")
    assert (failed.code, failed.out.strip()) == (1, "BACKEND-0003 failed: boom")
    bad = sparkq("wait", "BACKEND-0003", "--timeout", "soon")
    assert bad.code == 2 and "soon" in bad.err
    assert sparkq("wait", "BACKEND-0099").code == 1
