"""A foreground ``sparkq-daemon`` as a child process with its own folder (socket, database,
config, log): what the test suite and the benchmarks run against, and a way to embed a
private daemon in a user's own test suite."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sparkq_tui.daemon_control import ping


def daemon_argv() -> list[str]:
    exe = shutil.which("sparkq-daemon")
    return [exe] if exe else [sys.executable, "-m", "sparkq_daemon"]


@dataclass
class DaemonProcess:
    """A daemon under test: its folder, socket, database, config and process."""

    folder: Path
    config: dict[str, Any] = field(default_factory=dict)
    extra_args: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. SPARKQ_DATABASE_URL
    proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.folder / "s.sock"

    @property
    def db(self) -> Path:
        return self.folder / "sparkq.db"

    @property
    def config_path(self) -> Path:
        return self.folder / "sparkq.yml"

    @property
    def log_path(self) -> Path:
        return self.folder / "daemon.log"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["SPARKQ_SOCKET"] = str(self.socket)
        env["SPARKQ_CONFIG"] = str(self.config_path)
        env.pop("SPARKQ_DB", None)
        env.pop("SPARKQ_DATABASE_URL", None)
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 15.0) -> DaemonProcess:
        self.config_path.write_text(yaml.safe_dump(self.config or {}), encoding="utf-8")
        argv = [
            *daemon_argv(),
            "--socket",
            str(self.socket),
            "--db",
            str(self.db),
            "--config",
            str(self.config_path),
            *self.extra_args,
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - the process owns it
        self.proc = subprocess.Popen(argv, stdout=log, stderr=log, env=self.env())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ping(self.socket, timeout=0.5) is not None:
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon exited {self.proc.returncode}: {self.log()}")
            time.sleep(0.02)
        raise RuntimeError(f"daemon did not answer within {timeout} s: {self.log()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None, "the daemon was not started"
        return self.proc.pid

    def rss_bytes(self) -> int:
        """Resident set size from /proc/<pid>/status (VmRSS)."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS line")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        self.stop(signal.SIGKILL)

    def restart(self) -> DaemonProcess:
        self.stop()
        return self.start()
