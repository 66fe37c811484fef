"""``sparkq.yml``: defaults, loading, validation and path resolution.

A bad file raises ``ConfigError`` naming the file, the key and the problem; ``main`` turns it
into exit code 2 without a traceback."""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sparkq_daemon import paths
from sparkq_daemon.errors import Validation
from sparkq_daemon.policy import backoff as backoff_policy
from sparkq_daemon.roles_config import SectionError, load_model_profiles, load_roles
from sparkq_daemon.tcp_config import TcpSettings, parse_tcp, split_listen
from sparkq_daemon.tool_settings import (
    LLM_KEYS,
    PICKLE,
    SettingsError,
    check_settings,
    pack,
    with_pickle,
)
from sparkq_daemon.validation import is_name

DEFAULT_TASK_CLASSES: dict[str, dict[str, Any]] = {
    "FAST_SCRIPT": {"timeout": 120},
    "MEDIUM_SCRIPT": {"timeout": 600},
    "LLM_LITE": {"timeout": 480},
    "LLM_HEAVY": {"timeout": 1200},
}
DEFAULT_TOOLS: dict[str, dict[str, Any]] = {
    "run-bash": {"description": "Execute a bash script", "task_class": "MEDIUM_SCRIPT"},
    "run-python": {"description": "Execute a python script", "task_class": "MEDIUM_SCRIPT"},
    "python-call": {
        "description": "Call a Python function: {function: 'pkg.mod:func', args, kwargs}",
        "task_class": "MEDIUM_SCRIPT",
    },
    "llm-haiku": {
        "description": "Fast, cheap LLM prompt",
        "task_class": "LLM_LITE",
        "command": {"provider": "anthropic", "model": "claude-haiku-5-5", "max_tokens": 4096},
    },
    "llm-sonnet": {
        "description": "Balanced LLM prompt",
        "task_class": "LLM_HEAVY",
        "command": {"provider": "anthropic", "model": "claude-sonnet-5-5", "max_tokens": 8192},
    },
    "llm-codex": {
        "description": "Code-focused LLM prompt (OpenAI)",
        "task_class": "LLM_HEAVY",
        "command": {"provider": "openai", "model": "gpt-5-codex", "max_tokens": 8192},
    },
}
"""Each tool's ``command`` holds an argv, provider settings (see ``tool_settings``) or null."""
SYNCHRONOUS_MODES = ("FULL", "NORMAL", "EXTRA")
DATABASE_URL_ENV = "SPARKQ_DATABASE_URL"
URL_SCHEMES = ("postgresql://", "postgres://")

WEBHOOK_RETRIES = [5, 30, 120, 300, 600, 900, 1800]
# namespace -> key -> (type check, description of the type, default)
SETTINGS: dict[str, dict[str, tuple[type | tuple[type, ...], str, Any]]] = {
    "server": {
        "socket": ((str, type(None)), "a path or null", None),
        "tcp": ((dict, type(None)), "a mapping (listen, tls_cert, tls_key, …) or null", None),
    },
    "database": {
        "path": ((str, type(None)), "a path or null", None),
        "synchronous": (str, "one of FULL, NORMAL, EXTRA", "FULL"),
        "url": ((str, type(None)), "a postgresql:// URL or null", None),
    },
    "purge": {
        "older_than_days": ((int, float), "a number of days ≥ 0", 3),
        "interval_seconds": ((int, float), "a number of seconds > 0", 3600),
    },
    "queue_runner": {
        "auto_fail_interval_seconds": ((int, float), "a number of seconds > 0", 30),
        "poll_interval": ((int, float), "a number of seconds > 0", 30),
    },
    "backups": {"keep": (int, "an integer ≥ 0", 3)},
    "metrics": {"listen": ((str, type(None)), 'an address "HOST:PORT" or null', None)},
    "webhooks": {
        "timeout_seconds": ((int, float), "a number of seconds > 0", 10),
        # The waits between a delivery's attempts: 7 waits, 8 attempts over about an hour.
        "retry_schedule": (list, "a list of 0–20 numbers of seconds ≥ 0", WEBHOOK_RETRIES),
    },
    "project": {
        "name": ((str, type(None)), "text or null", None),
        "repo_path": ((str, type(None)), "a path or null", None),
        "prd_path": ((str, type(None)), "a path or null", None),
    },
    "defaults": {"model": ((str, type(None)), "a tool name or null", None)},
}
DEFAULT_MODEL_PROFILES: dict[str, str] = {"fast": "llm-haiku", "deep": "llm-sonnet"}
# Settings the protocol may change at run time (config.get / config.set).
LIVE_NAMESPACES = ("purge", "queue_runner", "backups")


class ConfigError(Exception):
    """A config file that does not parse or holds a bad value."""


@dataclass
class Config:
    """The resolved configuration the daemon starts with."""

    source: Path | None = None
    settings: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {
            ns: {key: spec[2] for key, spec in keys.items()} for ns, keys in SETTINGS.items()
        }
    )
    task_classes: dict[str, dict[str, Any]] = field(
        default_factory=lambda: copy.deepcopy(DEFAULT_TASK_CLASSES)
    )
    tools: dict[str, dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(DEFAULT_TOOLS))
    script_dirs: list[Path] = field(default_factory=list)
    model_profiles: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODEL_PROFILES))
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, namespace: str, key: str) -> Any:
        return self.settings[namespace][key]

    @property
    def base_dir(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def resolve(self, value: str) -> Path:
        """A path from the file: ``~`` expanded, relative to the file's folder."""
        return (self.base_dir / Path(value).expanduser()).resolve()

    def db_path(self, override: str | None = None) -> Path:
        if override:
            return Path(override).expanduser().resolve()
        value = self.get("database", "path")
        return self.resolve(value) if value else paths.default_db()

    def database_url(self) -> str | None:
        """The PostgreSQL URL: ``$SPARKQ_DATABASE_URL`` wins over ``database.url``; None
        means the SQLite file of ``database.path``."""
        from_env = os.environ.get(DATABASE_URL_ENV)
        if from_env:
            if not from_env.startswith(URL_SCHEMES):
                raise ConfigError(
                    f"${DATABASE_URL_ENV}: expected a postgresql:// URL, got {from_env!r}"
                )
            return from_env
        return self.get("database", "url")

    def socket_path(self, override: str | None = None) -> Path:
        if override:
            return Path(override).expanduser()
        value = self.get("server", "socket")
        return self.resolve(value) if value else paths.resolve_socket(None, self.source)

    def tcp(self) -> TcpSettings | None:
        """The TCP listener's settings (``server.tcp``), None when there is none."""
        raw = self.get("server", "tcp")
        return parse_tcp(raw, self.resolve) if raw else None

    def metrics_listen(self) -> tuple[str, int] | None:
        """Where ``/metrics`` is served (``metrics.listen``), None when it is off."""
        value = self.get("metrics", "listen")
        return split_listen(value) if value else None

    def project(self) -> dict[str, str | None]:
        """``project``: its name, and its paths resolved against the file's folder."""
        section = self.settings["project"]
        out: dict[str, str | None] = {"name": section["name"]}
        for key in ("repo_path", "prd_path"):
            out[key] = str(self.resolve(section[key])) if section[key] else None
        return out

    def live_settings(self) -> dict[str, dict[str, Any]]:
        return {ns: dict(self.settings[ns]) for ns in LIVE_NAMESPACES}


def _fail(source: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: {problem}" if problem else f"{source}: {key}")


def _resolve(source: Path, value: str) -> Path:
    return (source.parent / Path(value).expanduser()).resolve()


def check_setting(namespace: str, key: str, value: Any) -> str | None:
    """The problem with ``value`` for ``namespace.key``, or None when it is good."""
    expected, description, _ = SETTINGS[namespace][key]
    if isinstance(value, bool) or not isinstance(value, expected):
        return f"expected {description}, got {value!r}"
    if namespace == "database" and key == "synchronous" and value.upper() not in SYNCHRONOUS_MODES:
        return f"expected {description}, got {value!r}"
    if namespace == "metrics" and key == "listen" and value is not None:
        try:
            split_listen(value)
        except ValueError as exc:
            return str(exc)
    if namespace == "database" and key == "url" and value and not value.startswith(URL_SCHEMES):
        return f"expected {description}, got {value!r}"
    if namespace == "webhooks" and key == "retry_schedule" and not _seconds_list(value):
        return f"expected {description}, got {value!r}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        minimum_exclusive = key in (
            "timeout_seconds",
            "interval_seconds",
            "auto_fail_interval_seconds",
            "poll_interval",
        )
        if value < 0 or (minimum_exclusive and value == 0):
            return f"expected {description}, got {value!r}"
    return None


def _seconds_list(value: list[Any]) -> bool:
    return len(value) <= 20 and all(
        isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value
    )


def _load_settings(source: Path, data: dict[str, Any], config: Config) -> None:
    for namespace, keys in SETTINGS.items():
        section = data.get(namespace)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise _fail(source, namespace, f"expected a mapping, got {section!r}")
        for key, value in section.items():
            if key not in keys:
                raise _fail(source, f"{namespace}.{key}", f"unknown key (known: {', '.join(keys)})")
            problem = check_setting(namespace, key, value)
            if problem:
                raise _fail(source, f"{namespace}.{key}", problem)
            if key == "synchronous":
                value = value.upper()
            if key == "tcp" and value is not None:
                try:
                    parse_tcp(value, lambda path: _resolve(source, path))
                except ValueError as exc:
                    raise _fail(source, f"server.tcp.{exc}", "") from None
            config.settings[namespace][key] = value


def _entries(source: Path, section: str, data: Any, allowed: set[str]):
    """Yield (name, key, spec, description) for each entry of a named-entries section, after
    the checks every such section shares: a mapping of valid names to mappings of known keys."""
    if data is None:
        return
    if not isinstance(data, dict):
        raise _fail(source, section, f"expected a mapping, got {data!r}")
    for name, spec in data.items():
        key = f"{section}.{name}"
        if not isinstance(name, str) or not is_name(name):
            raise _fail(source, key, "not a valid name")
        if not isinstance(spec, dict):
            raise _fail(source, key, f"expected a mapping, got {spec!r}")
        unknown = set(spec) - allowed - {"description"}
        if unknown:
            raise _fail(source, f"{key}.{sorted(unknown)[0]}", "unknown key")
        description = spec.get("description", "")
        if not isinstance(description, str):
            raise _fail(source, f"{key}.description", f"expected text, got {description!r}")
        yield name, key, spec, description


def _load_task_classes(source: Path, data: Any, config: Config) -> None:
    allowed = {"timeout", "max_attempts", "backoff"}
    for name, key, spec, description in _entries(source, "task_classes", data, allowed):
        timeout = spec.get("timeout")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise _fail(source, f"{key}.timeout", f"expected seconds > 0, got {timeout!r}")
        config.task_classes[name] = {"timeout": timeout, "description": description}
        attempts = spec.get("max_attempts")
        if attempts is not None:
            if (
                isinstance(attempts, bool)
                or not isinstance(attempts, int)
                or not 1 <= attempts <= 100
            ):
                raise _fail(
                    source,
                    f"{key}.max_attempts",
                    f"expected a whole number 1–100, got {attempts!r}",
                )
            config.task_classes[name]["max_attempts"] = attempts
        if spec.get("backoff") is not None:
            try:
                config.task_classes[name]["backoff"] = backoff_policy.check(spec["backoff"])
            except Validation as exc:
                raise _fail(source, f"{key}.backoff", exc.message) from None


def _load_tools(source: Path, data: Any, config: Config) -> None:
    allowed = {"task_class", "command", PICKLE, *LLM_KEYS}
    for name, key, spec, description in _entries(source, "tools", data, allowed):
        default_class = "LLM_LITE" if spec.get("provider") is not None else "MEDIUM_SCRIPT"
        task_class = spec.get("task_class", default_class)
        if task_class not in config.task_classes:
            raise _fail(source, f"{key}.task_class", f"unknown task class {task_class!r}")
        command = spec.get("command")
        if command is not None and (
            not isinstance(command, list)
            or not command
            or not all(isinstance(part, str) for part in command)
        ):
            raise _fail(source, f"{key}.command", f"expected a list of strings, got {command!r}")
        try:
            settings = with_pickle(check_settings(spec, command), command, spec.get(PICKLE))
        except SettingsError as exc:
            raise _fail(source, f"{key}.{exc.key}", exc.problem) from None
        config.tools[name] = {
            "description": description,
            "task_class": task_class,
            "command": pack(command, settings),
        }


def load_config(explicit: str | Path | None = None) -> Config:
    """Find and load the config file (ARCHITECTURE.md's order); defaults when there is none."""
    source = paths.find_config_file(explicit)
    if source is None:
        return Config()
    source = source.expanduser().resolve()
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the config file: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections at the top, got {data!r}")
    known = {*SETTINGS, "task_classes", "tools", "script_dirs", "model_profiles", "roles"}
    for key in data:
        if key not in known:
            raise _fail(source, str(key), f"unknown key (known: {', '.join(sorted(known))})")
    config = Config(source=source)
    _load_settings(source, data, config)
    _load_task_classes(source, data.get("task_classes"), config)
    _load_tools(source, data.get("tools"), config)
    try:
        config.model_profiles = load_model_profiles(
            data.get("model_profiles"), DEFAULT_MODEL_PROFILES
        )
        config.roles = load_roles(data.get("roles"))
    except SectionError as exc:
        raise _fail(source, exc.key, exc.problem) from None
    dirs = data.get("script_dirs") or []
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise _fail(source, "script_dirs", f"expected a list of folders, got {dirs!r}")
    config.script_dirs = [config.resolve(d) for d in dirs]
    return config
