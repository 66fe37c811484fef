"""Watching a task the runner runs: ``sparkq progress`` from inside its script."""

from __future__ import annotations

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.helpers import make_queue, run_runner
from tests.wire import Wire


def test_sparkq_progress_from_a_script_is_seen_in_the_task_and_as_an_event(
    rdaemon: DaemonProcess, client: Client
) -> None:
    queue = make_queue(client)
    script = (
        'test -n "$SPARKQ_URL" && test "$SPARKQ_ATTEMPT" = 1 || exit 9\n'
        'sparkq progress 40 "reading input" || exit 8\n'
        'sparkq progress "$SPARKQ_TASK_ID" 75 || exit 7\n'
    )
    task = client.enqueue(queue, "run-bash", {"script": script})
    with Wire(rdaemon.socket) as listener:
        listener.call("events.subscribe", topics=["task.progress"])
        proc = run_runner(rdaemon, "--queue", queue, "--once", "--wait", "0")
        assert proc.returncode == 0, proc.stderr
        event = listener.read()["params"]
    done = client.call("task.get", id=task["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"]["percent"] == 75
    assert done["progress"]["message"] == "reading input"  # kept: the second gave none
    assert event["type"] == "task.progress" and event["id"] == task["id"]
    assert event["progress"]["percent"] == 40
