"""A clock the tests move by hand, so the sweeper and purge are tested without sleeping."""

from __future__ import annotations

from sparkq_daemon.clock import iso_from_unix

START = 1_798_761_600  # 2027-01-01T00:00:00+00:00


class FakeClock:
    """A ``sparkq_daemon.clock.Clock``: ``clock()`` gives ``(unix seconds, ISO string)``.

    Time moves only by ``advance`` and by one microsecond per reading, so rows written one
    after another still get increasing times (lists ordered by creation keep their order).
    Kept in whole microseconds: float sums would drift across the ISO strings' precision."""

    def __init__(self, start: float = START) -> None:
        self._us = round(start * 1_000_000)

    def __call__(self) -> tuple[float, str]:
        self._us += 1
        ts = self._us / 1_000_000
        return ts, iso_from_unix(ts)

    def time(self) -> float:
        """The current time in unix seconds, without moving the clock."""
        return self._us / 1_000_000

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            raise ValueError(f"a clock only moves forward, not by {seconds}")
        self._us += round(seconds * 1_000_000)
