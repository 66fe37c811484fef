"""Unique keys and dependencies from the CLI: ``enqueue --unique KEY`` and ``--after ID``."""

from __future__ import annotations

import argparse
from typing import Any

FLOW_MEMBERS = ("unique_key", "depends_on")


def add_enqueue_options(p: argparse.ArgumentParser) -> None:
    """``enqueue``'s unique-key and dependency options."""
    p.add_argument(
        "--unique",
        metavar="KEY",
        default=None,
        help="create nothing while a live task of the queue has KEY (returns that task)",
    )
    p.add_argument(
        "--after",
        metavar="ID",
        action="append",
        default=None,
        help="blocked until task ID has succeeded (repeatable)",
    )


def enqueue_members(args: Any) -> dict[str, Any]:
    """The task.enqueue members of the options that were given."""
    members: dict[str, Any] = {}
    if args.unique is not None:
        members["unique_key"] = args.unique
    if args.after:
        members["depends_on"] = list(args.after)
    return members


def describe(task: dict[str, Any]) -> str:
    """The line ``enqueue`` prints for the task the daemon returned."""
    where = f"{task['friendly_id']} ({task['id']}) in {task['queue_name']}"
    if task.get("duplicate"):
        return (
            f"not enqueued: {where} already holds unique key {task['unique_key']!r} "
            f"({task['status']})"
        )
    line = f"enqueued {where}"
    if task["status"] == "blocked":
        line += f", blocked by {', '.join(task.get('blocked_by') or [])}"
    elif task["status"] == "cancelled":
        line += f", cancelled: {task.get('error')}"
    return line
