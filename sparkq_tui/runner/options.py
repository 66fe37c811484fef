"""Command-line flags of ``sparkq runner``."""

from __future__ import annotations

import argparse
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from sparkq_tui.runner.outbox_file import ENV_DIR, default_outbox_dir

MAX_CLAIM_WAIT = 60.0


@dataclass(frozen=True)
class RunnerOptions:
    """What the runner was asked to do, after parsing and checking the flags."""

    queues: tuple[str, ...]
    concurrency: int
    tools: frozenset[str] | None
    once: bool
    drain: bool
    worker: str
    stream: bool
    json: bool
    claim_wait: float
    grace: float
    kill_grace: float
    max_output: int
    log_level: str
    outbox_dir: Path
    url: str | None = None  # the daemon (with token and CA), as `sparkq --url …` takes them
    token: str | None = None
    ca: str | None = None
    import_paths: tuple[str, ...] = ()  # where python-call tasks' modules are found


def default_worker_name() -> str:
    """A name unique to this runner process: ``<host>-<pid>``."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {value}")
    return value


def _tool_list(text: str) -> frozenset[str]:
    names = frozenset(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("give at least one tool name")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparkq runner",
        description="Claim tasks from SparkQ queues and run them (or, with --stream, print "
        "them for a person or an agent to handle).",
    )
    parser.add_argument(
        "--queue",
        "-q",
        dest="queues",
        action="append",
        default=[],
        metavar="QUEUE",
        help="queue name or id to take tasks from (repeatable; none: any active queue)",
    )
    parser.add_argument(
        "--concurrency", "-c", type=_positive_int, default=1, help="tasks run at once (1)"
    )
    parser.add_argument(
        "--tools",
        type=_tool_list,
        default=None,
        metavar="NAME,NAME",
        help="only run these tools; a claimed task with another tool is requeued",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--once", action="store_true", help="run one task (waiting --wait seconds) and exit"
    )
    mode.add_argument(
        "--drain", action="store_true", help="run tasks until none is queued, then exit"
    )
    parser.add_argument(
        "--worker", default=None, help="worker name recorded on tasks (<host>-<pid>)"
    )
    parser.add_argument(
        "--stream",
        action="store_true",
        help="print each claimed task (instructions and prompt) to stdout instead of running "
        "it; finish it with `sparkq complete` or `sparkq fail`",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --stream: one JSON object per task"
    )
    parser.add_argument(
        "--wait",
        dest="claim_wait",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help=f"how long one task.claim waits on the daemon (5, at most {MAX_CLAIM_WAIT:.0f}); "
        "a stop waits for the claims in flight",
    )
    parser.add_argument(
        "--grace",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long running tasks may finish before they are "
        "stopped and requeued (10)",
    )
    parser.add_argument(
        "--kill-grace",
        type=_seconds,
        default=5.0,
        metavar="SECONDS",
        help="between SIGTERM and SIGKILL when a task is stopped (5)",
    )
    parser.add_argument(
        "--max-output",
        type=_positive_int,
        default=64 * 1024,
        metavar="BYTES",
        help="bytes of stdout and of stderr kept per task, from the end (65536)",
    )
    parser.add_argument(
        "--outbox-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="where reports the daemon has not taken yet are kept, one file per worker name "
        f"(${ENV_DIR}, else <user state dir>/sparkq/outbox); the next runner started with the "
        "same --worker, or any runner using this folder once that one is gone, delivers them",
    )
    parser.add_argument(
        "--url",
        default=None,
        metavar="URL",
        help="the daemon: unix:///path, tcp://host:port or tls://host:port (SPARKQ_URL)",
    )
    parser.add_argument(
        "--token", default=None, metavar="SECRET", help="access token for TCP (SPARKQ_TOKEN)"
    )
    parser.add_argument(
        "--ca", default=None, metavar="FILE", help="CA certificates for tls:// (SPARKQ_CA_FILE)"
    )
    parser.add_argument(
        "--import-path",
        dest="import_paths",
        action="append",
        default=[],
        metavar="DIR",
        help="python-call tasks: a folder to import their modules from (repeatable; the "
        "working folder is always searched)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="runner log level on stderr (info)",
    )
    return parser


def parse_options(argv: list[str]) -> RunnerOptions:
    """Parse ``argv``; argparse exits with code 2 on a usage error."""
    parser = build_parser()
    ns = parser.parse_args(argv)
    if ns.claim_wait > MAX_CLAIM_WAIT:
        parser.error(f"--wait must be at most {MAX_CLAIM_WAIT:.0f} seconds")
    if ns.json and not ns.stream:
        parser.error("--json only applies with --stream")
    return RunnerOptions(
        queues=tuple(dict.fromkeys(ns.queues)),
        concurrency=1 if (ns.once or ns.stream) else ns.concurrency,
        tools=ns.tools,
        once=ns.once,
        drain=ns.drain,
        worker=ns.worker or default_worker_name(),
        stream=ns.stream,
        json=ns.json,
        claim_wait=ns.claim_wait,
        grace=ns.grace,
        kill_grace=ns.kill_grace,
        max_output=ns.max_output,
        log_level=ns.log_level,
        outbox_dir=ns.outbox_dir or _env_outbox_dir() or default_outbox_dir(),
        url=ns.url,
        token=ns.token,
        ca=ns.ca,
        import_paths=tuple(ns.import_paths),
    )


def _env_outbox_dir() -> Path | None:
    value = os.environ.get(ENV_DIR, "").strip()
    return Path(value).expanduser() if value else None
