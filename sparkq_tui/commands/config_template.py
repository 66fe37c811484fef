"""The commented ``sparkq.yml`` that ``sparkq setup`` writes (every key, with its default)."""

from __future__ import annotations

import json

TEMPLATE = """\
# SparkQ configuration, written by `sparkq setup`.
# Every key is optional; the values shown are the defaults. Relative paths are relative to
# this file's folder. After the first start, values changed with `sparkq config set`,
# `sparkq tools add` … win over this file; `sparkq config-export` writes them back out.

server:
  socket: {socket}                 # null: <user runtime dir>/sparkq/sparkq.sock

database:
  path: {db}                   # null: <user data dir>/sparkq/sparkq.db

purge:
  older_than_days: 3           # finished tasks older than this are deleted
  interval_seconds: 3600       # how often purge runs

queue_runner:
  auto_fail_interval_seconds: 30   # how often stale running tasks are checked
  poll_interval: 30            # only for runners that cannot wait on the socket

task_classes:                  # a task's timeout comes from its class
  FAST_SCRIPT:   {{timeout: 120}}
  MEDIUM_SCRIPT: {{timeout: 600}}
  LLM_LITE:      {{timeout: 480}}
  LLM_HEAVY:     {{timeout: 1200}}

tools:                         # an LLM tool names a provider (anthropic, openai) and its
                               # model, or a command: the argv a runner executes, with
                               # {{prompt}} / {{prompt_file}} filled in, never via a shell
  run-bash:   {{description: Execute a bash script, task_class: MEDIUM_SCRIPT}}
  run-python: {{description: Execute a python script, task_class: MEDIUM_SCRIPT}}
  llm-haiku:                   # also: system, temperature, base_url, api_key_env, stream
    {{description: "Fast, cheap LLM prompt", task_class: LLM_LITE,
     provider: anthropic, model: claude-haiku-5-5, max_tokens: 4096}}
  llm-sonnet:
    {{description: Balanced LLM prompt, task_class: LLM_HEAVY,
     provider: anthropic, model: claude-sonnet-5-5, max_tokens: 8192}}
  llm-codex:
    {{description: Code-focused LLM prompt (OpenAI), task_class: LLM_HEAVY,
     provider: openai, model: gpt-5-codex, max_tokens: 8192}}

project: {{name: null, repo_path: null, prd_path: null}}   # header name, scripts' folder
roles: {{}}                      # key: {{label, description, prompt, active}}: agent roles
model_profiles: {{fast: llm-haiku, deep: llm-sonnet}}   # a queue's model_profile -> LLM tool
defaults: {{model: null}}        # the LLM tool when neither a tool nor a profile names one

script_dirs: []                # folders indexed by `sparkq scripts`

backups:
  keep: 3                      # database copies taken at each daemon start
"""


def render(socket: str | None = None, db: str | None = None) -> str:
    """The template with ``server.socket`` and ``database.path`` filled in (null: default)."""
    return TEMPLATE.format(socket=json.dumps(socket), db=json.dumps(db))
