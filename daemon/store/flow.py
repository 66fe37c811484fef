"""What both engines share about unique keys and dependencies: how a task's dependencies
decide its status, and the words a dependency-cancelled task carries."""

from __future__ import annotations

from collections.abc import Iterable

# The Task members a row without dependencies shows.
NO_DEPENDENCIES: tuple[list[str], list[str]] = ([], [])


def dependency_error(friendly_id: str, status: str) -> str:
    """The ``error`` of a task cancelled because its dependency ended without success."""
    ended = {"failed": "failed", "deleted": "was deleted"}.get(status, "was cancelled")
    return f"dependency {friendly_id} {ended}"


def verdict(deps: Iterable[tuple[str, str, str]]) -> tuple[str | None, list[str], str | None]:
    """How dependencies ``(id, friendly_id, status)`` decide a task's status:
    ``("cancelled", [], error)`` when one ended without success, ``("blocked", blocked_by,
    None)`` while some have not succeeded, ``(None, [], None)`` when all have."""
    waiting = []
    for id_, friendly, status in deps:
        if status in ("failed", "cancelled"):
            return "cancelled", [], dependency_error(friendly, status)
        if status != "succeeded":
            waiting.append(id_)
    return ("blocked", waiting, None) if waiting else (None, [], None)
