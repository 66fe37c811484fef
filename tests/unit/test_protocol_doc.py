"""docs/protocol.md lists exactly the methods the daemon registers."""

from __future__ import annotations

import re
from pathlib import Path

from sparkq_daemon import methods  # noqa: F401 - registers the methods
from sparkq_daemon.registry import METHODS

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
METHOD_CELL = re.compile(r"^\| `([a-z_]+\.[a-z_]+)` \|", re.MULTILINE)


def _served_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## Methods\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_every_registered_method_is_documented() -> None:
    documented = set(METHOD_CELL.findall(_served_section()))
    missing = sorted(set(METHODS) - documented)
    assert not missing, f"docs/protocol.md does not document: {', '.join(missing)}"


def test_every_documented_method_is_served() -> None:
    documented = set(METHOD_CELL.findall(_served_section()))
    extra = sorted(documented - set(METHODS))
    assert not extra, f"docs/protocol.md lists methods the daemon does not serve: {extra}"


def test_the_readme_points_to_the_protocol_reference() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/protocol.md" in readme
    assert "PROTOCOL.md" not in readme
