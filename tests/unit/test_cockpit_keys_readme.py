"""The README's keys table is the cockpit's action table, row for row: they cannot drift."""

from __future__ import annotations

from pathlib import Path

from sparkq_tui.cockpit.actions import ACTIONS, readme_rows

README = Path(__file__).resolve().parents[2] / "README.md"


def _keys_table() -> list[str]:
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| where | key | does |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return lines[start:end]


def test_readme_keys_table_is_rendered_from_the_action_table() -> None:
    expected = readme_rows()
    assert _keys_table() == expected, (
        "README.md's keys table differs from sparkq_tui/cockpit/actions.py; paste these rows:\n"
        + "\n".join(expected)
    )


def test_every_action_has_a_row_in_the_readme() -> None:
    table = "\n".join(_keys_table())
    for action in ACTIONS:
        assert action.help.replace("|", "\\|") in table, action.title
