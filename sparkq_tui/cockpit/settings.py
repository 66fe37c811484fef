"""The cockpit's own small settings file (the chosen theme), kept next to the user's config."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sparkq_daemon import paths


def default_settings_path() -> Path:
    return paths.config_dir() / "cockpit.json"


def load_settings(path: Path) -> dict[str, Any]:
    """The saved settings, or an empty dict when the file is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_setting(path: Path, key: str, value: Any) -> None:
    """Set one key, writing the file atomically (a crash never leaves half a file)."""
    data = load_settings(path)
    data[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
