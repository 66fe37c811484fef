"""What a task is run with besides its payload: the system prompt built from its agent role
and its queue's instructions, and the project's folder as the default working folder."""

from __future__ import annotations

import logging
import os
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.errors import ForbiddenError, NotFoundError, SparkQError

log = logging.getLogger("sparkq.runner")


def join_prompts(role_prompt: str | None, instructions: str | None) -> str | None:
    """The role's prompt, a blank line, then the queue's instructions (None when both are
    empty)."""
    parts = [p.strip() for p in (role_prompt, instructions) if p and p.strip()]
    return "\n\n".join(parts) or None


async def instructions_for(client: AsyncClient, task: dict[str, Any]) -> str | None:
    """The system prompt of ``task``: its role's prompt (the task's role, else its queue's)
    followed by its queue's instructions. A role deleted since is left out, with a warning."""
    queue = await client.call("queue.get", queue=task["queue_id"])
    key = task.get("role") or queue.get("role")
    role_prompt = None
    if key:
        roles = (await client.call("role.list"))["roles"]
        role = next((r for r in roles if r.get("key") == key), None)
        if role is None:
            log.warning("%s names role %r, which no longer exists", task.get("friendly_id"), key)
        else:
            role_prompt = role.get("prompt")
    return join_prompts(role_prompt, queue.get("instructions"))


class ProjectFolder:
    """``project.repo_path`` of the daemon's config, read once: the folder tasks run in when
    their payload names none (None when it is unset or not a folder on this machine)."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self._read = False
        self._folder: str | None = None

    async def get(self) -> str | None:
        if not self._read:
            try:
                config = await self.client.call("config.get", {"namespace": "project"})
            except (NotFoundError, ForbiddenError):  # no project section, or a worker token
                self._read = True
                return None
            except SparkQError:
                return None  # asked again at the next task
            self._read = True
            path = (config.get("config", {}).get("project") or {}).get("repo_path")
            if path and os.path.isdir(path):
                self._folder = path
            elif path:
                log.warning(
                    "project.repo_path %s is not a folder here: tasks run in %s", path, os.getcwd()
                )
        return self._folder
