"""The installed ``sparkq-daemon`` in a subprocess on a fresh database in a short /tmp folder."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from sparkq_tui.daemon_process import DaemonProcess

BENCH_CONFIG: dict[str, Any] = {"backups": {"keep": 0}}  # a restart must not copy a 1M-task file


class BenchDaemon(DaemonProcess):
    """A quiet daemon in a folder of its own (removed afterwards unless one was given)."""

    def __init__(self, folder: Path | None = None, config: dict[str, Any] | None = None) -> None:
        self.owns_folder = folder is None
        super().__init__(
            folder or Path(tempfile.mkdtemp(prefix="sqb", dir="/tmp")),
            {**BENCH_CONFIG, **(config or {})},
            ["--log-level", "WARNING"],
        )

    def start(self, timeout: float = 30.0) -> BenchDaemon:
        super().start(timeout)
        return self

    def remove(self) -> None:
        self.stop(timeout=60.0)
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> BenchDaemon:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.remove()
