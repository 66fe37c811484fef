"""What the figures were measured on: cores, CPU model, Python, SQLite, load."""

from __future__ import annotations

import os
import platform
import sqlite3
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe() -> dict[str, Any]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": cores,
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "os": f"{platform.system()} {platform.release()}",
        "load_at_start": list(os.getloadavg()),
    }


def summary(info: dict[str, Any]) -> str:
    load = ", ".join(f"{x:.2f}" for x in info["load_at_start"])
    ended = info.get("load_at_end")
    end = f"; at the end {', '.join(f'{x:.2f}' for x in ended)}" if ended else ""
    return (
        f"{info['nproc']} cores ({info['cpu']}), Python {info['python']}, SQLite "
        f"{info['sqlite']}, {info['os']}; load average at the start {load}{end}"
    )
