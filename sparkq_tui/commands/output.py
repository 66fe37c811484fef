"""Printing for the CLI: rich tables for people, JSON for machines.

rich is imported only when a table is printed, so ``--json`` calls stay light."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

Row = Sequence[Any]
# C0 controls but newline and tab, DEL and C1 controls: an escape sequence in a payload or an
# output must not reach the terminal, where it would recolour, retitle or move things.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitise(text: str) -> str:
    """``text`` with control characters (ESC and the like) shown as ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _cell(value: Any) -> Any:
    """A table cell from any value: sanitised, and plain text (never read as rich markup)."""
    from rich.text import Text

    return Text("" if value is None else sanitise(str(value)))


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _console() -> Any:
    from rich.console import Console

    # Wide enough for a useful table when stdout is a pipe (rich would use 80 columns).
    width = None if sys.stdout.isatty() else 160
    return Console(width=width, highlight=False, soft_wrap=False)


def _print(renderable: Any) -> None:
    # rich pads every cell to its column's width; trailing blanks only clutter captures.
    console = _console()
    with console.capture() as capture:
        console.print(renderable)
    text = "\n".join(line.rstrip() for line in capture.get().splitlines())
    sys.stdout.write(text + "\n")


def print_table(
    columns: Sequence[str], rows: Iterable[Row], *, title: str | None = None, empty: str = ""
) -> None:
    """Print a table with ``columns`` headers; ``empty`` is printed instead when no rows."""
    rows = list(rows)
    if not rows and empty:
        sys.stdout.write(empty + "\n")
        return
    from rich.table import Table

    table = Table(title=title, box=None, title_justify="left", pad_edge=False)
    for name in columns:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(cell) for cell in row))
    _print(table)


def print_fields(fields: Sequence[tuple[str, Any]], *, title: str | None = None) -> None:
    """Print ``label: value`` lines (a detail view); multi-line values are indented."""
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in fields:
        table.add_row(label, _cell(value))
    if title:
        _print(f"[bold]{title}[/bold]")
    _print(table)


def emit(as_json: bool, data: Any, render: Callable[[], None]) -> None:
    """Print ``data`` as JSON when ``as_json``, else call ``render`` for the readable form."""
    if as_json:
        print_json(data)
    else:
        render()


def say(message: str) -> None:
    """One line for a person on stdout."""
    sys.stdout.write(message + "\n")


def warn(message: str) -> None:
    """One line on stderr."""
    sys.stderr.write(message + "\n")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def ago(value: str | None, now: datetime | None = None) -> str:
    """A short age such as ``12s``, ``5m``, ``3h``, ``2d`` for an ISO time; empty when none."""
    moment = parse_time(value)
    if moment is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    return duration(max(seconds, 0))


def duration(seconds: float) -> str:
    """``42s``, ``3m 5s``, ``2h 10m``, ``4d 3h``."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def local_time(value: str | None) -> str:
    """An ISO time shown in the local zone, to the second."""
    moment = parse_time(value)
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def short(value: Any, width: int = 48) -> str:
    """A one-line summary of a JSON value (a payload, a result), cut to ``width``."""
    if value is None:
        return ""
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def counts_text(counts: dict[str, int] | None) -> str:
    """``queued 3 · running 1`` from a status → number map, leaving out zeros."""
    if not counts:
        return ""
    return " · ".join(f"{k} {v}" for k, v in counts.items() if v)


def human_bytes(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def seconds(value: Any) -> str:
    """``600 s`` for 600 or 600.0; empty for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value} s"
