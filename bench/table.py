"""Ratios, target checks and the output: one markdown table, or the same figures as JSON."""

from __future__ import annotations

from typing import Any

from bench import peers
from bench.stats import Figure, Target

HEADER = (
    "group",
    "metric",
    "value (median, min–max)",
    "unit",
    "target",
    "ratio vs limit",
    "ratio vs best peer",
)


def number(value: float) -> str:
    """Readable at a glance: 12 345 / 123 / 1.23 / 0.123."""
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def value_cell(figure: Figure) -> str:
    if not figure.runs:
        return "—"
    if len(figure.runs) == 1:
        return f"{number(figure.median)} (1 run)"
    return f"{number(figure.median)} ({number(figure.low)}–{number(figure.high)})"


def ratio(figure: Figure, other: Figure | None) -> float | None:
    if other is None or not figure.runs or not other.runs or other.median == 0:
        return None
    return figure.median / other.median


def check(figure: Figure, target: Target, by_key: dict[str, Figure]) -> dict[str, Any]:
    """Whether ``target`` is met, with the value compared and how far from the bar it is."""
    if target.against is None:
        value = figure.median if figure.runs else None
    else:
        value = ratio(figure, by_key.get(target.against))
    if value is None:
        return {"target": target.text, "met": None, "value": None, "of_bar": None}
    met = target.met(value, figure.higher_is_better)
    return {"target": target.text, "met": met, "value": value, "of_bar": value / target.bound}


def evaluate(figures: list[Figure]) -> list[dict[str, Any]]:
    """One dict per figure: its numbers, ratios vs limit and best peer, target results."""
    by_key = {f.key: f for f in figures}
    out = []
    for figure in figures:
        row = figure.as_json()
        limit = by_key.get(figure.limit_key) if figure.limit_key else None
        row["ratio_vs_limit"] = ratio(figure, limit)
        best = peers.best(figures, figure.peer_kind) if figure.peer_kind else None
        row["ratio_vs_best_peer"] = ratio(figure, best)
        row["best_peer"] = best.key if best and row["ratio_vs_best_peer"] is not None else None
        row["targets"] = [check(figure, t, by_key) for t in figure.targets]
        out.append(row)
    return out


def _target_cell(results: list[dict[str, Any]], higher_is_better: bool) -> str:
    cells = []
    for r in results:
        if r["met"] is None:
            cells.append(f"{r['target']} (n/a)")
        elif r["met"]:
            cells.append(f"{r['target']} ✓")
        elif higher_is_better:
            cells.append(f"{r['target']} ✗ ({r['of_bar']:.0%} of it)")
        else:
            cells.append(f"{r['target']} ✗ ({r['of_bar']:.1f}× it)")
    return "; ".join(cells)


def _ratio_cell(value: float | None, who: str | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}× ({who})" if who else f"{value:.2f}×"


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in rows:
        figure_value = value_cell(_as_figure(row))
        if row.get("note") and not row["runs"]:
            figure_value = f"— ({row['note']})"
        best = row.get("best_peer")
        cells = [
            row["group"],
            row["metric"],
            figure_value,
            row["unit"],
            _target_cell(row["targets"], row["higher_is_better"]),
            _ratio_cell(row["ratio_vs_limit"]),
            _ratio_cell(row["ratio_vs_best_peer"], best.split(".")[1] if best else None),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _as_figure(row: dict[str, Any]) -> Figure:
    return Figure(row["key"], row["group"], row["metric"], row["unit"], list(row["runs"]))
