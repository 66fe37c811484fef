"""A running task's progress as the Tasks table draws it (no Textual here)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BLOCKS = " ▏▎▍▌▋▊▉█"  # eighths of a cell


def progress_percent(task: Mapping[str, Any]) -> float | None:
    """The percent a running task last reported, None when it reported none."""
    if task.get("status") != "running":
        return None
    progress = task.get("progress")
    percent = progress.get("percent") if isinstance(progress, Mapping) else None
    return float(percent) if isinstance(percent, int | float) else None


def bar(percent: float, width: int) -> str:
    """``percent`` (0–100) as a bar of ``width`` cells, to an eighth of a cell."""
    eighths = round(max(0.0, min(100.0, percent)) / 100 * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (BLOCKS[part] if part and full < width else "")
    return text.ljust(width, "░")


def progress_cell(percent: float, width: int = 11) -> str:
    """The status cell of a running task with progress: ``██▌░░░ 42%``."""
    label = f"{percent:3.0f}%"
    return f"{bar(percent, max(1, width - len(label) - 1))} {label}"
