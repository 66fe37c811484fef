"""Turn a claimed task into the argv the runner executes. Nothing here goes through a shell:
scripts are written to files and passed to bash or Python by path, and LLM commands are argv
lists whose ``{prompt}`` / ``{prompt_file}`` placeholders are filled in element by element."""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASH_TOOL = "run-bash"
PYTHON_TOOL = "run-python"
BUILTIN_TOOLS = frozenset({BASH_TOOL, PYTHON_TOOL})
PLACEHOLDER = re.compile(r"\{(prompt|prompt_file)\}")


class TaskSetupError(Exception):
    """The task cannot be run as given; the message becomes the task's error."""


@dataclass
class Command:
    """A process to start: argv, working folder, environment and optional stdin bytes."""

    argv: list[str]
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes | None = None


def build_command(
    task: dict[str, Any],
    workdir: Path,
    *,
    tool: dict[str, Any] | None,
    instructions: str | None,
    base_env: dict[str, str],
) -> Command:
    """The command for ``task``. ``workdir`` is a private folder for script and prompt files;
    ``tool`` is the daemon's tool object (for its ``command``); ``instructions`` the queue's."""
    name = task["tool"]
    payload = task.get("payload")
    env = {**base_env, **_task_env(task), **_payload_env(payload)}
    cwd = _payload_cwd(payload)
    if name == BASH_TOOL:
        argv = [_bash(), str(_write(workdir / "script.sh", _script(payload, name)))]
        return Command(argv + _payload_args(payload), cwd, env)
    if name == PYTHON_TOOL:
        if isinstance(payload, dict) and isinstance(payload.get("file"), str):
            target = payload["file"]
        else:
            target = str(_write(workdir / "script.py", _script(payload, name)))
        return Command([sys.executable, target, *_payload_args(payload)], cwd, env)
    template = (tool or {}).get("command")
    if not template:
        task_class = (tool or {}).get("task_class") or task.get("task_class") or "LLM_LITE"
        raise TaskSetupError(
            f"tool {name!r} has no command configured: give it one with `sparkq tools add "
            f"{name} -c {task_class} --command 'PROGRAM ARG {{prompt}}'` or under "
            f"tools.{name}.command in sparkq.yml (an argv list; {{prompt}} becomes the prompt, "
            "{prompt_file} a file holding it; with neither the prompt goes to stdin)"
        )
    if not isinstance(template, list) or not all(isinstance(a, str) for a in template):
        raise TaskSetupError(f"tool {name!r} has a command that is not a list of strings")
    prompt = build_prompt(instructions, payload)
    prompt_file = workdir / "prompt.txt"
    _write(prompt_file, prompt)
    values = {"prompt": prompt, "prompt_file": str(prompt_file)}
    argv = [PLACEHOLDER.sub(lambda m: values[m.group(1)], arg) for arg in template]
    uses_placeholder = any(PLACEHOLDER.search(arg) for arg in template)
    stdin = None if uses_placeholder else prompt.encode("utf-8")
    return Command(argv, cwd, env, stdin)


def build_prompt(instructions: str | None, payload: Any) -> str:
    """The queue's instructions, a blank line, then the task's ``payload.prompt``."""
    if isinstance(payload, str):
        prompt = payload
    elif isinstance(payload, dict) and isinstance(payload.get("prompt"), str):
        prompt = payload["prompt"]
    else:
        raise TaskSetupError("an LLM task needs a payload with a `prompt` string")
    instructions = (instructions or "").strip()
    return f"{instructions}\n\n{prompt}" if instructions else prompt


def _script(payload: Any, tool: str) -> str:
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict) and isinstance(payload.get("script"), str):
        return payload["script"]
    extra = " (or `file`)" if tool == PYTHON_TOOL else ""
    raise TaskSetupError(f"a {tool} task needs a payload with a `script` string{extra}")


def _payload_args(payload: Any) -> list[str]:
    args = payload.get("args") if isinstance(payload, dict) else None
    if args is None:
        return []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise TaskSetupError("payload `args` must be a list of strings")
    return list(args)


def _payload_cwd(payload: Any) -> str | None:
    cwd = payload.get("cwd") if isinstance(payload, dict) else None
    if cwd is None:
        return None
    if not isinstance(cwd, str) or not os.path.isdir(os.path.expanduser(cwd)):
        raise TaskSetupError(f"payload `cwd` {cwd!r} is not an existing folder")
    return os.path.expanduser(cwd)


def _payload_env(payload: Any) -> dict[str, str]:
    env = payload.get("env") if isinstance(payload, dict) else None
    if env is None:
        return {}
    if not isinstance(env, dict) or not all(
        isinstance(v, str | int | float | bool) for v in env.values()
    ):
        raise TaskSetupError("payload `env` must map names to strings")
    return {str(k): str(v) for k, v in env.items()}


def _task_env(task: dict[str, Any]) -> dict[str, str]:
    return {
        "SPARKQ_TASK_ID": str(task.get("id", "")),
        "SPARKQ_TASK_FRIENDLY_ID": str(task.get("friendly_id", "")),
        "SPARKQ_QUEUE": str(task.get("queue_name", "")),
        "SPARKQ_ATTEMPT": str(task.get("attempts") or ""),  # the claim's fence, for reports
        "SPARKQ_LEASE": str(task.get("lease") or ""),  # the fence that never repeats
    }


def _bash() -> str:
    path = shutil.which("bash")
    if path is None:
        raise TaskSetupError("bash was not found on PATH")
    return path


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
