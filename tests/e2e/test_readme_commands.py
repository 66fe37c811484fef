"""Every command line the README shows in its ``sh`` blocks runs as written, in order, against
real daemons (the quick start's and the walk-through's), each exiting as expected."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sparkq_tui.daemon_control import ping
from tests.e2e.conftest import isolated_env, sparkq_argv
from tests.fake_providers import FakeProviders
from tests.pg_cluster import PgServer

README = Path(__file__).resolve().parents[2] / "README.md"
# Blocks that install the package (and the lone `sparkq` that opens the cockpit) are not run.
SKIPPED_BLOCK_WORDS = ("pip install",)
# Lines whose exit code is not 0 when run in order, and why.
EXPECTED_CODES: dict[str, int] = {
    # Two of the walk-through's tasks fail on purpose; --drain exits 1 when a task failed.
    "sparkq runner --queue chores --drain --concurrency 2": 1,
}
HEREDOC = re.compile(r"<<-?\s*'?(\w+)'?")
# The README's PostgreSQL URL names the reader's server; the test runs that line with the URL
# of its throwaway one (the rest of the block runs as written).
PG_URL_LINE = "export SPARKQ_DATABASE_URL="


@dataclass
class Step:
    line: int  # in README.md
    text: str


def _sh_blocks(text: str) -> Iterator[list[Step]]:
    block: list[Step] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if block is None:
            if line.strip() == "```sh":
                block = []
        elif line.strip() == "```":
            yield block
            block = None
        else:
            block.append(Step(number, line))


def _is_sparkq(text: str) -> bool:
    text = text.strip()
    return text.startswith(("sparkq ", "$ sparkq ")) or "| sparkq " in text


def readme_steps() -> list[Step]:
    """The steps of every sh block with a `sparkq` command line, heredocs kept whole."""
    steps: list[Step] = []
    for block in _sh_blocks(README.read_text(encoding="utf-8")):
        if not any(_is_sparkq(s.text) for s in block):
            continue
        if any(word in s.text for s in block for word in SKIPPED_BLOCK_WORDS):
            continue
        lines = iter(block)
        for step in lines:
            text = step.text.removeprefix("$ ")
            heredoc = HEREDOC.search(text)
            if heredoc:
                for body in lines:
                    text += "\n" + body.text
                    if body.text.strip() == heredoc.group(1):
                        break
            steps.append(Step(step.line, text))
    return steps


def _script(steps: list[Step], logs: Path, pg_url: str) -> str:
    """One bash script running the steps in order (``cd`` carries over), each step's exit
    code and stderr kept apart."""
    parts = []
    for i, step in enumerate(steps):
        text = step.text
        if text.startswith(PG_URL_LINE):
            text = f"{PG_URL_LINE}'{pg_url}'"
        parts.append(f"{{\n{text}\n}} 2> {logs}/err.{i} < /dev/null\necho $? > {logs}/code.{i}")
    return "\n".join(parts) + "\n"


@pytest.fixture
def walk_dir(short_dir: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A working folder holding what the README's lines refer to (tools/report.py), and an
    environment whose `sparkq` is this one and whose Anthropic API is a local fake; daemons
    the walk-through started are stopped."""
    work = short_dir / "w"
    (work / "tools").mkdir(parents=True)
    (work / "tools" / "report.py").write_text("import sys\nprint('report', sys.argv[1:])\n")
    env = isolated_env(short_dir)
    env = {k: v for k, v in env.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    with FakeProviders() as fake:
        env["ANTHROPIC_BASE_URL"] = fake.url
        yield work, env
    for socket in work.rglob("*.sock"):
        _stop(socket, env, work)
    _stop(short_dir / "sparkq" / "sparkq.sock", env, work)


def _stop(socket: Path, env: dict[str, str], cwd: Path) -> None:
    info = ping(socket)
    if info is None:
        return
    subprocess.run(
        [*sparkq_argv(), "--socket", str(socket), "stop"],
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=30,
    )
    if ping(socket) is not None:
        os.kill(info["pid"], 9)


def test_the_readme_has_the_documented_lines() -> None:
    texts = [s.text for s in readme_steps()]
    assert "sparkq enqueue backend run-python --file tools/report.py --arg --weekly" in texts
    assert any(t.startswith("sparkq runner ") for t in texts)
    assert any("| sparkq enqueue" in t for t in texts)
    assert any(t.startswith(PG_URL_LINE) for t in texts)


def test_every_readme_command_line_runs(
    walk_dir: tuple[Path, dict[str, str]], pg_server_session: PgServer
) -> None:
    work, env = walk_dir
    steps = readme_steps()
    logs = work.parent / "logs"
    logs.mkdir()
    script = work.parent / "readme.sh"
    script.write_text(_script(steps, logs, pg_server_session.create_database("readme")))
    subprocess.run(
        ["bash", str(script)],
        env=env,
        cwd=work,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        timeout=240,
        check=False,
    )
    failures = []
    for i, step in enumerate(steps):
        code_file = logs / f"code.{i}"
        code = int(code_file.read_text()) if code_file.is_file() else None
        expected = EXPECTED_CODES.get(step.text, 0)
        err = (logs / f"err.{i}").read_text() if (logs / f"err.{i}").is_file() else ""
        if code != expected or "Traceback" in err:
            failures.append(f"README.md:{step.line}: {step.text!r} exited {code}: {err[-500:]}")
    assert not failures, "\n".join(failures)
