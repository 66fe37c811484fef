"""The command line itself: help, version, usage errors, and the parser's make-up."""

from __future__ import annotations

import pytest

from sparkq_tui import cli
from tests.e2e.conftest import Run


def test_help_version_and_usage_errors(sparkq: Run) -> None:
    helped = sparkq("--help")
    assert helped.code == 0 and "enqueue" in helped.out and "Exit codes" in helped.out
    assert sparkq("--version").out.strip().startswith("sparkq ")
    assert "--priority" in sparkq("enqueue", "-h").out
    unknown = sparkq("frobnicate")
    assert unknown.code == 2 and "invalid choice" in unknown.err
    assert sparkq("tasks", "--bogus").code == 2
    assert sparkq("enqueue").code == 2
    # Global options work before or after the command.
    assert sparkq("--json", "sessions").json() == {"sessions": []}
    assert sparkq("sessions", "--json").json() == {"sessions": []}


def test_each_group_declares_the_commands_it_registers() -> None:
    full = cli.build_parser()
    choices = next(a for a in full._actions if a.dest == "command").choices
    declared = {name for names in cli.COMMAND_GROUPS.values() for name in names}
    assert set(choices) == declared | {"runner"}
    for names in cli.COMMAND_GROUPS.values():
        for name in names:
            only = cli.build_parser(name)
            sub = next(a for a in only._actions if a.dest == "command").choices
            assert set(sub) == set(names)


@pytest.mark.parametrize("argv", [["session"], ["queue", "list"], ["tools"]])
def test_cli_does_not_import_textual(argv: list[str]) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from sparkq_tui import cli; cli.build_parser(); "
        "import sparkq_tui.commands.tasks, sparkq_tui.commands.server; "
        "print('textual' in sys.modules, 'asyncio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
