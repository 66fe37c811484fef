"""Backups taken at each daemon start with SQLite's backup API; ``keep`` copies are kept."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sparkq_daemon import clock

PREFIX = "sparkq-"


def list_backups(folder: Path) -> list[dict[str, Any]]:
    """Backups newest first: name, path, bytes, created_at."""
    if not folder.is_dir():
        return []
    found = sorted(folder.glob(f"{PREFIX}*.db"), key=lambda p: p.name, reverse=True)
    out = []
    for path in found:
        stat = path.stat()
        out.append(
            {
                "name": path.name,
                "path": str(path),
                "bytes": stat.st_size,
                "created_at": clock.iso_from_unix(stat.st_mtime),
            }
        )
    return out


def new_backup_path(folder: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"{PREFIX}{stamp}.db"


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the ``keep`` newest backups; return what was removed."""
    removed = []
    for entry in list_backups(folder)[keep:]:
        os.unlink(entry["path"])
        removed.append(Path(entry["path"]))
    return removed
