"""The runner sends an LLM task its role's prompt followed by its queue's instructions as the
system prompt, and runs scripts in the project's folder when their payload names none."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.fake_providers import FakeProviders
from tests.runner.conftest import runner_config
from tests.runner.helpers import run_runner, runner_argv

pytest.importorskip("anthropic")

ROLES = {
    "reviewer": {"label": "Reviewer", "prompt": "You are a strict code reviewer."},
    "author": {"prompt": "You write release notes."},
}


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with FakeProviders() as server:
        yield server


def test_system_prompt_is_the_role_prompt_then_the_queue_instructions(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> None:
    tool = {"provider": "anthropic", "model": "claude-test-1", "base_url": fake.url}
    daemon = make_daemon(runner_config(tools={"llm-test": tool}, roles=ROLES))
    with Client(daemon.socket) as client:
        client.call("session.create", name="s")
        client.call(
            "queue.create",
            name="work",
            session="s",
            instructions="Answer in French.",
            role="reviewer",
        )
        client.call("queue.create", name="plain", session="s", instructions="Be brief.")
        by_queue = client.enqueue("work", "llm-test", {"prompt": "one"})
        by_task = client.call(
            "task.enqueue",
            queue="work",
            tool="llm-test",
            payload={"prompt": "two"},
            role="author",
        )
        no_role = client.enqueue("plain", "llm-test", {"prompt": "three"})
        env = {**daemon.env(), "ANTHROPIC_API_KEY": "sk-test"}
        subprocess.run(
            runner_argv("--drain", "--concurrency", "3"),  # any queue
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for task in (by_queue, by_task, no_role):
            done = client.call("task.get", id=task["id"])
            assert done["status"] == "succeeded", done["error"]

    systems = {seen.body["messages"][0]["content"]: seen.body.get("system") for seen in fake.seen}
    assert systems == {
        "one": "You are a strict code reviewer.\n\nAnswer in French.",  # the queue's role
        "two": "You write release notes.\n\nAnswer in French.",  # the task's own role wins
        "three": "Be brief.",  # no role: the instructions alone
    }


def test_scripts_run_in_the_project_folder_unless_the_payload_names_one(
    make_daemon: Callable[..., DaemonProcess], tmp_path: Path
) -> None:
    repo, other = tmp_path / "repo", tmp_path / "other"
    repo.mkdir()
    other.mkdir()
    daemon = make_daemon(runner_config(project={"name": "demo", "repo_path": str(repo)}))
    with Client(daemon.socket) as client:
        client.call("session.create", name="s")
        client.call("queue.create", name="work", session="s")
        default = client.enqueue("work", "run-bash", {"script": "pwd"})
        named = client.enqueue("work", "run-bash", {"script": "pwd", "cwd": str(other)})
        run_runner(daemon, "--queue", "work", "--drain", "--concurrency", "1")
        ran_in = {
            t["id"]: client.call("task.get", id=t["id"])["stdout"].strip() for t in (default, named)
        }
    assert ran_in == {default["id"]: str(repo.resolve()), named["id"]: str(other.resolve())}
