"""Tools with a ``provider`` call the provider's API through its SDK, here against a local
fake server speaking that API: the reply streams into stdout and becomes the result."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.fake_providers import (
    USAGE_IN,
    USAGE_OUT,
    FakeProviders,
    Refusal,
    Stall,
    closed_port_url,
    reply_text,
)
from tests.runner.conftest import runner_config
from tests.runner.helpers import killed_at_exit, make_queue, runner_argv, wait_for, wait_status

pytest.importorskip("anthropic")
pytest.importorskip("openai")

KEY = "sk-test-key"


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with FakeProviders() as server:
        yield server


def drain(daemon: DaemonProcess, **env: str) -> subprocess.CompletedProcess:
    """``sparkq runner --drain`` with only the provider variables given here."""
    base = {
        k: v
        for k, v in daemon.env().items()
        if not k.startswith(("ANTHROPIC_", "OPENAI_", "CLAUDE_"))
    }
    return subprocess.run(
        runner_argv("--queue", "work", "--drain", "--concurrency", "1"),
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def sent_key(headers: dict[str, str]) -> str | None:
    """The API key a request carried (x-api-key, or a bearer token as newer SDKs send)."""
    bearer = headers.get("authorization", "").removeprefix("Bearer ")
    return headers.get("x-api-key") or bearer or None


def run_one(
    client: Client, daemon: DaemonProcess, tool: str, prompt: str, **env: str
) -> dict[str, Any]:
    task = client.enqueue("work", tool, {"prompt": prompt})
    drain(daemon, **env)
    return client.call("task.get", id=task["id"])


def test_llm_haiku_runs_out_of_the_box_with_only_the_key(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> None:
    daemon = make_daemon(runner_config())
    with Client(daemon.socket) as client:
        make_queue(client, instructions="Answer in French.")
        env = {"ANTHROPIC_API_KEY": KEY, "ANTHROPIC_BASE_URL": fake.url}
        done = run_one(client, daemon, "llm-haiku", "Say hello", **env)

    assert done["status"] == "succeeded", done["error"]
    assert done["result"] == {
        "text": reply_text("Say hello"),
        "model": "claude-haiku-5-5",
        "usage": {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT},
        "stop_reason": "end_turn",
    }
    assert done["stdout"] == reply_text("Say hello")  # the streamed text, as it came
    (seen,) = fake.seen
    assert seen.path == "/v1/messages"
    assert sent_key(seen.headers) == KEY
    assert seen.body["stream"] is True
    assert seen.body["system"] == "Answer in French."  # the queue's instructions
    assert seen.body["max_tokens"] == 4096


def test_anthropic_plain_reply_and_tool_settings(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> None:
    tool = {
        "provider": "anthropic",
        "model": "claude-test-1",
        "stream": False,
        "system": "Be terse.",
        "temperature": 0.2,
        "max_tokens": 99,
        "base_url": fake.url,
        "api_key_env": "MY_CLAUDE_KEY",
    }
    daemon = make_daemon(runner_config(tools={"llm-plain": tool}))
    with Client(daemon.socket) as client:
        make_queue(client, instructions="Answer in French.")
        done = run_one(client, daemon, "llm-plain", "Why?", MY_CLAUDE_KEY=KEY)

    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["text"] == reply_text("Why?")
    assert done["result"]["usage"] == {"input_tokens": USAGE_IN, "output_tokens": USAGE_OUT}
    assert done["task_class"] == "LLM_LITE"  # a provider tool's default class
    (seen,) = fake.seen
    assert "stream" not in seen.body or seen.body["stream"] is False
    assert sent_key(seen.headers) == KEY
    assert seen.body["system"] == "Be terse."  # the tool's system prompt wins
    assert (seen.body["temperature"], seen.body["max_tokens"]) == (0.2, 99)


def test_openai_compatible_local_server_streamed_and_plain(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> None:
    local = {"provider": "openai", "base_url": fake.openai_url, "model": "llama3.2"}
    tools = {"ollama": local, "ollama-plain": {**local, "stream": False, "max_tokens": 50}}
    daemon = make_daemon(runner_config(tools=tools))
    with Client(daemon.socket) as client:
        make_queue(client, instructions="Be brief.")
        streamed = client.enqueue("work", "ollama", {"prompt": "one"})
        plain = client.enqueue("work", "ollama-plain", {"prompt": "two"})
        proc = drain(daemon)  # no OPENAI_API_KEY: a local server needs none
        streamed = client.call("task.get", id=streamed["id"])
        plain = client.call("task.get", id=plain["id"])

    assert proc.returncode == 0, proc.stderr
    usage = {
        "prompt_tokens": USAGE_IN,
        "completion_tokens": USAGE_OUT,
        "total_tokens": USAGE_IN + USAGE_OUT,
    }
    for task, prompt in ((streamed, "one"), (plain, "two")):
        assert task["status"] == "succeeded", task["error"]
        assert task["result"]["text"] == reply_text(prompt)
        assert task["result"]["model"] == "llama3.2"
        assert task["result"]["stop_reason"] == "stop"
        assert task["result"]["usage"] == usage
        assert task["stdout"] == reply_text(prompt)
    first, second = fake.seen
    assert first.path == second.path == "/v1/chat/completions"
    assert first.body["stream"] is True
    assert first.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "one"},
    ]
    assert second.body.get("stream") in (None, False)
    assert second.body["max_tokens"] == 50


@pytest.fixture
def provider_daemon(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> Iterator[tuple[DaemonProcess, Client]]:
    tools = {
        "claude": {"provider": "anthropic", "model": "claude-test", "base_url": fake.url},
        "gpt": {"provider": "openai", "model": "gpt-test", "base_url": fake.openai_url},
        "away": {"provider": "anthropic", "model": "claude-test", "base_url": closed_port_url()},
    }
    daemon = make_daemon(runner_config(tools=tools))
    with Client(daemon.socket) as client:
        make_queue(client)
        yield daemon, client


@pytest.mark.parametrize("tool", ["claude", "gpt"])
def test_429_with_retry_after_is_waited_out(
    provider_daemon: tuple[DaemonProcess, Client], fake: FakeProviders, tool: str
) -> None:
    daemon, client = provider_daemon
    fake.refuse(Refusal(429, "slow down", {"retry-after": "1"}))
    done = run_one(client, daemon, tool, "again", ANTHROPIC_API_KEY=KEY)

    assert done["status"] == "succeeded", done["error"]
    assert done["result"]["text"] == reply_text("again")
    assert len(fake.seen) == 2
    assert "slow down: waiting 1 s as the provider asked" in done["stderr"]


@pytest.mark.parametrize("tool", ["claude", "gpt"])
def test_401_fails_at_once_and_not_retryable(
    provider_daemon: tuple[DaemonProcess, Client], fake: FakeProviders, tool: str
) -> None:
    daemon, client = provider_daemon
    fake.refuse(Refusal(401, "invalid x-api-key"))
    done = run_one(client, daemon, tool, "hi", ANTHROPIC_API_KEY="sk-wrong")

    assert done["status"] == "failed"
    assert "HTTP 401: invalid x-api-key" in done["error"]
    assert done["error"].endswith("[not retryable]")
    assert len(fake.seen) == 1


def test_server_errors_and_429_without_time_are_retryable(
    provider_daemon: tuple[DaemonProcess, Client], fake: FakeProviders
) -> None:
    daemon, client = provider_daemon
    fake.refuse(Refusal(503, "overloaded"))
    overloaded = run_one(client, daemon, "claude", "hi", ANTHROPIC_API_KEY=KEY)
    fake.refuse(Refusal(429, "too many", {"retry-after": "3600"}))
    too_long = run_one(client, daemon, "gpt", "hi")

    assert overloaded["status"] == "failed"
    assert overloaded["error"] == "anthropic: HTTP 503: overloaded [retryable]"
    assert too_long["status"] == "failed"
    assert "HTTP 429: too many (it asked to wait 3600 s; the task has" in too_long["error"]
    assert too_long["error"].endswith("[retryable]")
    assert len(fake.seen) == 2


def test_network_error_fails_as_retryable(provider_daemon: tuple[DaemonProcess, Client]) -> None:
    daemon, client = provider_daemon
    done = run_one(client, daemon, "away", "hi", ANTHROPIC_API_KEY=KEY)

    assert done["status"] == "failed"
    assert "anthropic: could not reach the API" in done["error"]
    assert done["error"].endswith("[retryable]")


def test_a_missing_key_says_what_to_set(provider_daemon: tuple[DaemonProcess, Client]) -> None:
    daemon, client = provider_daemon
    done = run_one(client, daemon, "claude", "hi")

    assert done["status"] == "failed"
    assert "set ANTHROPIC_API_KEY in the runner's environment" in done["error"]
    assert "tools.claude.api_key_env" in done["error"]


def test_a_reply_that_does_not_come_times_out(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> None:
    tool = {"provider": "anthropic", "model": "m", "base_url": fake.url, "task_class": "TINY"}
    config = runner_config(tools={"slow": tool}, task_classes={"TINY": {"timeout": 1}})
    # The runner's own timeout is under test: a sweeper failing the task at 2x would race it.
    config["queue_runner"] = {"auto_fail_interval_seconds": 60}
    daemon = make_daemon(config)
    fake.refuse(Stall(60))
    with Client(daemon.socket) as client:
        make_queue(client)
        done = run_one(client, daemon, "slow", "hi", ANTHROPIC_API_KEY=KEY)

    assert done["status"] == "failed"
    assert done["error"] == "timed out after 1 s"


def test_a_stopped_runner_gives_a_waiting_call_back(
    make_daemon: Callable[..., DaemonProcess], fake: FakeProviders
) -> None:
    tool = {"provider": "openai", "model": "m", "base_url": fake.openai_url}
    daemon = make_daemon(runner_config(tools={"slow": tool}))
    fake.refuse(Stall(60))
    with Client(daemon.socket) as client:
        make_queue(client)
        task = client.enqueue("work", "slow", {"prompt": "hi"})
        argv = runner_argv("--queue", "work", "--grace", "0.2")
        runner = subprocess.Popen(argv, env=daemon.env(), stderr=subprocess.PIPE, text=True)
        with killed_at_exit(runner):
            wait_status(client, task["id"], ("running",))
            wait_for(lambda: fake.seen, 15, "the request to reach the provider")
            runner.send_signal(signal.SIGTERM)
            assert runner.wait(30) == 0
        back = client.call("task.get", id=task["id"])

    assert back["status"] == "queued"
    assert len(fake.seen) == 1
