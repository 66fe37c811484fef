"""The installed ``sparkq-daemon`` in a subprocess on a fresh database in a short /tmp folder."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from sparkq_tui.daemon_control import ping

BENCH_CONFIG: dict[str, Any] = {"backups": {"keep": 0}}  # a restart must not copy a 1M-task file


def daemon_argv() -> list[str]:
    exe = shutil.which("sparkq-daemon")
    return [exe] if exe else [sys.executable, "-m", "sparkq_daemon"]


class BenchDaemon:
    """Start/stop one daemon; ``folder`` holds the socket, the database, config and log."""

    def __init__(self, folder: Path | None = None, config: dict[str, Any] | None = None) -> None:
        self.owns_folder = folder is None
        self.folder = folder or Path(tempfile.mkdtemp(prefix="sqb", dir="/tmp"))
        self.config = {**BENCH_CONFIG, **(config or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> str:
        return str(self.folder / "s.sock")

    @property
    def db(self) -> Path:
        return self.folder / "sparkq.db"

    @property
    def config_path(self) -> Path:
        return self.folder / "sparkq.yml"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 30.0) -> BenchDaemon:
        self.config_path.write_text(yaml.safe_dump(self.config), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPARKQ_")}
        argv = [*daemon_argv(), "--socket", self.socket, "--db", str(self.db)]
        argv += ["--config", str(self.config_path), "--log-level", "WARNING"]
        with open(self.folder / "daemon.log", "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ping(self.socket, timeout=0.5) is not None:
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"sparkq-daemon exited {self.proc.returncode}: {self.log()}")
            time.sleep(0.01)
        raise RuntimeError(f"sparkq-daemon did not answer within {timeout} s: {self.log()}")

    def log(self) -> str:
        try:
            return (self.folder / "daemon.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def rss_bytes(self) -> int:
        """Resident set size from /proc/<pid>/status (VmRSS)."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")

    def stop(self, timeout: float = 60.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)

    def remove(self) -> None:
        self.stop()
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> BenchDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.remove()
