"""``sparkq progress``, ``sparkq logs`` and ``sparkq workers`` end to end: what they print and
their refusals (exit 2 for bad usage or a value the daemon refuses, 1 for a task that is not
running)."""

from __future__ import annotations

from tests.e2e.conftest import Run


def test_progress_logs_and_their_refusals(sparkq: Run, queue: str) -> None:
    assert sparkq("enqueue", queue, "run-bash", "-s", "true").code == 0
    not_running = sparkq("progress", "BACKEND-0001", "10")
    assert not_running.code == 1 and "queued" in not_running.err
    assert sparkq("claim", queue).code == 0
    done = sparkq("progress", "BACKEND-0001", "42.5", "half way")
    assert done.code == 0 and done.out.strip() == "BACKEND-0001: 42.5 % half way"
    refused = sparkq("progress", "BACKEND-0001", "140")
    assert refused.code == 2 and "percent 140" in refused.err
    no_id = sparkq("progress", "50")  # outside a task: no $SPARKQ_TASK_ID
    assert no_id.code == 2 and "SPARKQ_TASK_ID" in no_id.err
    assert sparkq("logs", "BACKEND-0404").code == 1
    assert sparkq("workers", "--json").json() == {"workers": []}
