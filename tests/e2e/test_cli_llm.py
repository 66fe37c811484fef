"""LLM tasks from the command line: ``sparkq enqueue … llm-haiku --prompt …`` and ``sparkq
runner --once`` with only ANTHROPIC_API_KEY set (the API being a local fake), a provider tool
added with ``sparkq tools add``, and what the runner says when the key or the SDK is missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon_process import DaemonProcess
from tests.e2e.conftest import Run, isolated_env, make_runner
from tests.fake_providers import FakeProviders, reply_text

pytest.importorskip("anthropic")


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with FakeProviders() as server:
        yield server


def cli(daemon: DaemonProcess, folder: Path, **env: str) -> Run:
    base = isolated_env(
        folder, SPARKQ_SOCKET=str(daemon.socket), SPARKQ_CONFIG=str(daemon.config_path)
    )
    base = {k: v for k, v in base.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    return make_runner({**base, **env}, folder)


def test_enqueue_a_prompt_and_run_it_with_only_the_key(
    daemon: DaemonProcess, short_dir: Path, fake: FakeProviders
) -> None:
    sparkq = cli(daemon, short_dir, ANTHROPIC_API_KEY="sk-test", ANTHROPIC_BASE_URL=fake.url)
    assert sparkq("session", "create", "demo").code == 0
    assert sparkq("queue", "create", "q", "-s", "demo", "-i", "Answer briefly.").code == 0

    added = sparkq("enqueue", "q", "llm-haiku", "--prompt", "What is a queue?", "--json")
    ran = sparkq("runner", "--queue", "q", "--once", timeout=60)
    shown = sparkq("task", added.json()["id"], "--json")

    assert ran.code == 0, ran.err
    task = shown.json()
    assert task["status"] == "succeeded"
    assert task["result"]["text"] == reply_text("What is a queue?")
    assert task["result"]["model"] == "claude-haiku-5-5"
    assert task["result"]["usage"]["output_tokens"] > 0
    assert fake.seen[0].body["system"] == "Answer briefly."


def test_tools_add_a_local_openai_style_server(
    daemon: DaemonProcess, short_dir: Path, fake: FakeProviders
) -> None:
    sparkq = cli(daemon, short_dir)
    added = sparkq(
        "tools", "add", "ollama", "-c", "LLM_LITE", "--provider", "openai",
        "--base-url", fake.openai_url, "--model", "llama3.2",
    )  # fmt: skip
    listed = sparkq("tools")
    assert sparkq("session", "create", "demo").code == 0
    assert sparkq("queue", "create", "q", "-s", "demo").code == 0
    added_task = sparkq("enqueue", "q", "ollama", "--prompt", "hi", "--json")
    ran = sparkq("runner", "--queue", "q", "--once", timeout=60)

    assert added.code == 0, added.err
    assert f"openai llama3.2 at {fake.openai_url}" in listed.out
    assert ran.code == 0, ran.err
    task = sparkq("task", added_task.json()["id"], "--json").json()
    assert task["result"]["text"] == reply_text("hi")


def test_a_missing_key_or_sdk_says_what_to_do(
    daemon: DaemonProcess, short_dir: Path, fake: FakeProviders
) -> None:
    blocked = short_dir / "blocked"
    (blocked / "anthropic").mkdir(parents=True)
    (blocked / "anthropic" / "__init__.py").write_text("raise ImportError('not installed')\n")
    keyless = cli(daemon, short_dir, ANTHROPIC_BASE_URL=fake.url)
    no_sdk = cli(daemon, short_dir, ANTHROPIC_API_KEY="sk-test", PYTHONPATH=str(blocked))
    assert keyless("session", "create", "demo").code == 0
    assert keyless("queue", "create", "q", "-s", "demo").code == 0

    first = keyless("enqueue", "q", "llm-haiku", "--prompt", "hi", "--json").json()
    assert keyless("runner", "--queue", "q", "--once", timeout=60).code == 1
    second = keyless("enqueue", "q", "llm-haiku", "--prompt", "hi", "--json").json()
    assert no_sdk("runner", "--queue", "q", "--once", timeout=60).code == 1

    first = keyless("task", first["id"], "--json").json()
    second = keyless("task", second["id"], "--json").json()
    assert "set ANTHROPIC_API_KEY in the runner's environment" in first["error"]
    assert "pip install 'sparkq[llm]'" in second["error"]
    assert not fake.seen


def test_the_runner_does_not_import_the_sdks_for_scripts() -> None:
    code = (
        "import sys, sparkq_tui.runner.loop, sparkq_tui.cli\n"
        "print(sorted(m for m in ('anthropic', 'openai', 'mcp') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
