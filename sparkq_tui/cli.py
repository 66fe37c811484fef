"""``sparkq``: the command line. With no command it opens the cockpit.

Exit codes: 0 done, 1 the daemon refused (its message on stderr), 2 usage, 3 no daemon.
Only the cockpit path imports Textual; every other command stays light."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from sparkq_tui import __version__
from sparkq_tui.commands.context import BadArguments, Context, UsageError
from sparkq_tui.errors import DaemonUnavailable, SparkQError

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_NO_DAEMON = 0, 1, 2, 3
# Module under sparkq_tui.commands -> the command words it registers. Only the module of
# the command used is imported and built: all of them cost more than a daemon round trip.
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "server": ("start", "stop", "restart", "status", "run", "setup", "teardown"),
    "sessions": ("session", "sessions"),
    "queues": ("queue", "queues"),
    "tasks": (
        "enqueue",
        "peek",
        "claim",
        "complete",
        "fail",
        "requeue",
        "rerun",
        "task",
        "tasks",
        "purge",
    ),
    "task_time": ("cancel", "reschedule", "requeue-failed"),
    "wait_cmd": ("wait",),
    "catalog": ("tools", "task-classes", "prompts"),
    "roles": ("role", "roles"),
    "config_cmds": ("config", "config-export", "backup-list", "backup-restore", "reload"),
    "scripts": ("scripts",),
    "rpc": ("rpc",),
    "mcp_cmd": ("mcp",),
    "tokens": ("token",),
    "webhooks": ("webhook", "webhooks"),
    "progress": ("progress",),
    "logs": ("logs",),
    "workers": ("workers",),
    "schedules": ("schedule", "schedules"),
}
_VALUE_OPTIONS = ("--socket", "--url", "--token", "--ca", "--config")
# Options whose value may itself look like an option (`enqueue … --arg --weekly`): the value
# is glued to the option (`--arg=--weekly`) before parsing.
_RAW_VALUE_OPTIONS: dict[str, tuple[str, ...]] = {"enqueue": ("--arg",)}

EPILOG = """\
Run `sparkq` alone to open the cockpit, `sparkq start` to start the daemon in the background,
`sparkq COMMAND -h` for a command's options. Exit codes: 0 done, 1 refused by the daemon,
2 usage, 3 no daemon."""


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    group = parser.add_argument_group("global options")
    group.add_argument("--socket", metavar="PATH", default=default, help="the daemon's socket")
    group.add_argument(
        "--url",
        metavar="URL",
        default=default,
        help="a daemon's address: unix:///path, tcp://host:port, tls://host:port (SPARKQ_URL)",
    )
    group.add_argument(
        "--token", metavar="SECRET", default=default, help="access token for TCP (SPARKQ_TOKEN)"
    )
    group.add_argument(
        "--ca", metavar="FILE", default=default, help="CA certificates for tls:// (SPARKQ_CA_FILE)"
    )
    group.add_argument("--config", metavar="PATH", default=default, help="the sparkq.yml to use")
    group.add_argument(
        "--json", action="store_true", default=default, help="print JSON instead of tables"
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser: global options, then one sub-command per CLI verb. Given a known
    ``command`` word, only its group is imported and registered."""
    # Global options are accepted after the command too; SUPPRESS keeps the sub-parser from
    # overwriting a value given before the command.
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="sparkq",
        description="SparkQ, a local-first task queue. Commands talk to the daemon on its socket.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_global_options(parser, None)
    parser.set_defaults(json=False)
    parser.add_argument("--version", action="version", version=f"sparkq {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    groups = [m for m, names in COMMAND_GROUPS.items() if command in names] or list(COMMAND_GROUPS)
    for module in groups:
        import_module(f"sparkq_tui.commands.{module}").register(sub, common)
    if len(groups) > 1:
        sub.add_parser("runner", help="claim tasks and run them (see `sparkq runner -h`)")
    return parser


def _split_command(argv: list[str]) -> tuple[list[str], str | None, list[str]]:
    """Split ``argv`` into global options, the command word and what follows it."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in _VALUE_OPTIONS:
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            return argv[:i], word, argv[i + 1 :]
    return argv, None, []


def _glue_raw_values(argv: list[str], command: str | None) -> list[str]:
    raw = _RAW_VALUE_OPTIONS.get(command or "", ())
    if not raw:
        return argv
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out += [word, *words]
            break
        value = next(words, None) if word in raw else None
        out.append(word if value is None else f"{word}={value}")
    return out


def _global_values(head: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sparkq", add_help=False)
    _add_global_options(parser, None)
    parser.add_argument("--version", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    return parser.parse_args(head)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``sparkq`` invocation and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `sparkq tasks | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def _main(argv: list[str]) -> int:
    head, command, rest = _split_command(argv)
    if command in (None, "runner"):
        try:
            opts = _global_values(head)
        except SystemExit as exc:
            return _exit_code(exc)
        if opts.help or opts.version:
            return _run_parser(argv, None)
        from sparkq_tui.commands.local_files import configured_endpoint

        try:
            endpoint = configured_endpoint(opts.url, opts.socket, opts.config, opts.token, opts.ca)
        except UsageError as exc:
            print(f"sparkq: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if command == "runner":
            from sparkq_tui.runner import main as runner_main

            return runner_main(rest, socket=endpoint, config=opts.config)
        from sparkq_tui.cockpit.app import run_cockpit

        return run_cockpit(socket=endpoint, config=opts.config)
    return _run_parser(argv, command)


def _run_parser(argv: list[str], command: str | None) -> int:
    parser = build_parser(command)
    try:
        args, extras = parser.parse_known_args(_glue_raw_values(argv, command))
        # Words no parser took are reported with the usage of the command typed.
        typed = getattr(args, "command_parser", None) or parser
        if extras:
            typed.error(f"unrecognized arguments: {' '.join(extras)}")
    except SystemExit as exc:
        return _exit_code(exc)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    ctx = Context(args)
    try:
        return handler(ctx) or EXIT_OK
    except BadArguments as exc:
        try:
            typed.error(str(exc))
        except SystemExit as usage:
            return _exit_code(usage)
        return EXIT_USAGE  # not reached: error() exits
    except UsageError as exc:
        print(f"sparkq: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DaemonUnavailable as exc:
        print(f"sparkq: {exc.message}", file=sys.stderr)
        return EXIT_NO_DAEMON
    except SparkQError as exc:
        print(f"sparkq: {exc.message}", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        ctx.close()


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return EXIT_OK
    return code if isinstance(code, int) else EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
