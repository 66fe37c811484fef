"""LLM tools run the command configured in sparkq.yml with the prompt filled in."""

from __future__ import annotations

import sys
from collections.abc import Callable

from sparkq_tui.client import Client
from tests.daemon_process import DaemonProcess
from tests.runner.conftest import FAKE_LLM, runner_config
from tests.runner.helpers import make_queue, run_runner


def test_llm_tools_get_instructions_and_prompt(
    make_daemon: Callable[..., DaemonProcess],
) -> None:
    fake = [sys.executable, str(FAKE_LLM)]
    tools = {
        "llm-arg": {"task_class": "LLM_LITE", "command": [*fake, "--prompt", "{prompt}"]},
        "llm-file": {"task_class": "LLM_LITE", "command": [*fake, "--file", "{prompt_file}"]},
        "llm-stdin": {"task_class": "LLM_LITE", "command": fake},
        "llm-bare": {"task_class": "LLM_LITE"},
    }
    daemon = make_daemon(runner_config(tools=tools))
    with Client(daemon.socket) as client:
        queue = make_queue(client, instructions="Answer in French.")
        prompt = "Say hello; $(touch /tmp/pwned) `id` {prompt_file}"
        ids = {
            name: client.enqueue(queue, name, {"prompt": prompt})["id"]
            for name in ("llm-arg", "llm-file", "llm-stdin", "llm-bare")
        }

        proc = run_runner(daemon, "--queue", queue, "--drain")

        assert proc.returncode == 1, proc.stderr  # llm-bare fails
        full = f"Answer in French.\n\n{prompt}"
        got = {name: client.call("task.get", id=tid) for name, tid in ids.items()}
        assert got["llm-arg"]["stdout"] == f"PROMPT:{full}\n"
        assert got["llm-file"]["stdout"] == f"FILE:{full}\n"
        assert got["llm-stdin"]["stdout"] == f"STDIN:{full}\n"
        for name in ("llm-arg", "llm-file", "llm-stdin"):
            assert got[name]["status"] == "succeeded"
        assert got["llm-bare"]["status"] == "failed"
        assert "tool 'llm-bare' has no command configured" in got["llm-bare"]["error"]
        assert "sparkq.yml" in got["llm-bare"]["error"]
