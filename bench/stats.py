"""Figures and their statistics: median of the runs with min–max, percentiles of samples."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


def percentile(samples: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of ``samples``."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass(frozen=True)
class Target:
    """A bar to reach: ``value >= bound`` (higher is better) or ``value <= bound``.

    With ``against`` (another figure's key) the value is this figure's median divided by that
    figure's median: "≥ 3× the FULL commit limit"."""

    bound: float
    text: str
    against: str | None = None

    def met(self, value: float, higher_is_better: bool) -> bool:
        return value >= self.bound if higher_is_better else value <= self.bound


@dataclass
class Figure:
    """One row of the table: the runs of one metric and what it is compared with.

    ``limit_key`` names the limit row this one is divided by; ``peer_kind`` ("enqueue" or
    "drain") picks the best peer row of that kind to divide by."""

    key: str
    group: str
    metric: str
    unit: str
    runs: list[float] = field(default_factory=list)
    higher_is_better: bool = True
    targets: list[Target] = field(default_factory=list)
    limit_key: str | None = None
    peer_kind: str | None = None
    note: str = ""

    @property
    def measured(self) -> bool:
        return bool(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def low(self) -> float:
        return min(self.runs)

    @property
    def high(self) -> float:
        return max(self.runs)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "group": self.group,
            "metric": self.metric,
            "unit": self.unit,
            "runs": self.runs,
            "higher_is_better": self.higher_is_better,
            "note": self.note,
        }
        if self.runs:
            out.update(median=self.median, min=self.low, max=self.high)
        return out
