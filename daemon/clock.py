"""Timestamps as docs/protocol.md writes them: ISO 8601, UTC, explicit offset, microseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], tuple[float, str]]
"""Where a store reads the time: ``now`` in the daemon, a fake clock in tests."""


def iso_from_unix(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds")


def now() -> tuple[float, str]:
    """The current time as (unix seconds, ISO string)."""
    ts = time.time()
    return ts, iso_from_unix(ts)


def now_iso() -> str:
    return now()[1]
