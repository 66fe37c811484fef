"""A time budget per measurement, so a slow build of the daemon cannot make a run last hours:
each loop stops at its count or at its deadline, whichever comes first, and reports a rate."""

from __future__ import annotations

import time


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.at = time.perf_counter() + seconds

    def passed(self) -> bool:
        return time.perf_counter() >= self.at
