"""Helpers for runner tests: start ``sparkq runner`` in a subprocess, wait for task states."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.waiting import wait_until

T = TypeVar("T")
FINISHED = ("succeeded", "failed")


def runner_argv(*args: str) -> list[str]:
    """The installed ``sparkq runner`` (``python -m sparkq_tui.runner`` when not on PATH)."""
    exe = shutil.which("sparkq")
    return [exe, "runner", *args] if exe else [sys.executable, "-m", "sparkq_tui.runner", *args]


def start_runner(
    daemon: DaemonProcess,
    *args: str,
    log: Path | None = None,
    out: Path | None = None,
    socket: Path | None = None,
) -> subprocess.Popen[str]:
    """``sparkq runner ARGS`` against ``daemon`` (through ``socket`` when given); stderr goes
    to ``log`` and stdout to ``out`` when given (so a test can watch them while the runner
    runs), else to pipes."""
    env = daemon.env()
    if socket is not None:
        env["SPARKQ_SOCKET"] = str(socket)
    files = [open(p, "w") if p else subprocess.PIPE for p in (out, log)]  # noqa: SIM115
    try:
        return subprocess.Popen(
            runner_argv(*args), env=env, stdout=files[0], stderr=files[1], text=True
        )
    finally:
        for f in files:
            if f is not subprocess.PIPE:
                f.close()


def run_runner(
    daemon: DaemonProcess, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Run ``sparkq runner ARGS`` (with --drain or --once) to its end."""
    return subprocess.run(
        runner_argv(*args), env=daemon.env(), capture_output=True, text=True, timeout=timeout
    )


def wait_for(condition: Callable[[], T], timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``condition`` until it returns something truthy, at most ``timeout`` seconds."""
    return wait_until(condition, timeout, what, interval=0.05)


def wait_status(client: Client, task_id: str, statuses: tuple[str, ...], timeout: float = 15.0):
    """The task once its status is one of ``statuses``."""

    def check() -> dict[str, Any] | None:
        task = client.call("task.get", id=task_id)
        return task if task["status"] in statuses else None

    return wait_for(check, timeout, f"task {task_id} to become {'/'.join(statuses)}")


def make_queue(client: Client, name: str = "work", instructions: str | None = None) -> str:
    """A fresh session with one queue; the queue's name."""
    client.call("session.create", name=f"s-{name}")
    client.call("queue.create", name=name, session=f"s-{name}", instructions=instructions)
    return name


def enqueue_gated(client: Client, queue: str, folder: Path) -> tuple[dict[str, Any], Path, Path]:
    """A run-bash task that waits until ``gate`` exists, prints ``result``, then touches
    ``done``: (task, gate, done)."""
    gate, done = folder / "gate", folder / "done"
    script = f"while [ ! -e {gate} ]; do sleep 0.05; done\necho result\ntouch {done}\n"
    task = client.enqueue(queue, "run-bash", {"script": script}, timeout=60)
    return task, gate, done


def finish_while_daemon_away(
    daemon: DaemonProcess, task: dict[str, Any], gate: Path, done: Path, log: Path
) -> None:
    """Once the runner runs ``task``, stop the daemon, let the task finish, and wait until
    the runner keeps its report for later (longer than the client's own reconnect wait)."""
    with Client(daemon.socket) as client:
        wait_status(client, task["id"], ("running",))
    daemon.stop()
    gate.touch()
    wait_for(done.exists, 10, "the task to finish")
    wait_for(lambda: "kept until it is back" in log.read_text(), 10, "the report to wait")


def stop_keeping_reports(runner: subprocess.Popen, log: Path) -> None:
    """Stop ``runner`` with two SIGTERMs (the second skips waiting for the daemon), so it
    exits 0 and leaves what it could not deliver in its outbox file."""
    runner.send_signal(signal.SIGTERM)
    wait_for(lambda: "a second signal stops now" in log.read_text(), 10, "the stop to wait")
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(15) == 0


@contextlib.contextmanager
def killed_at_exit(process: subprocess.Popen) -> Iterator[subprocess.Popen]:
    """``process``, killed when the block ends if it is still running (a failed test)."""
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def live_processes_with(marker: str) -> list[int]:
    """Pids of live (not zombie) processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(int(entry.name))
    return found
