"""Task commands: ``enqueue``, ``peek``, ``claim``, ``complete``, ``fail``, ``requeue``,
``rerun``, ``task ID``, ``tasks`` and ``purge`` (the time and retry ones: task_time.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sparkq_tui.commands import add_command, flow_options, task_time
from sparkq_tui.commands.context import BadArguments, Context, UsageError
from sparkq_tui.commands.output import (
    ago,
    emit,
    local_time,
    print_fields,
    print_table,
    say,
    seconds,
    short,
    warn,
)

STATUSES = ("queued", "scheduled", "blocked", "running", "succeeded", "failed", "cancelled")
SCRIPT_TOOLS = ("run-bash", "run-python")
ENQUEUE_HELP = """\
Add a task to a queue. The payload comes from one of:
  --payload JSON   any JSON value, as is
  --script TEXT    {"script": TEXT}
  --prompt TEXT    {"prompt": TEXT}
  --file F         run-python: {"file": "/abs/F"} (the runner runs the file where it is);
                   run-bash: {"script": <F's text>} (a copy: a rerun runs the same code);
                   other tools: {"prompt": <F's text>}
  stdin, piped     its text, as --script for run-bash/run-python, else as --prompt
  --lines F        one task per non-empty line of F (- for stdin), each line as --script
                   or --prompt would give it; sent pipelined, --window calls in flight
TEXT or JSON given as - is read from stdin. --arg and --cwd add "args" and "cwd".
QUEUE and TOOL may also be given as --queue Q --tool T. With --prompt and no TOOL, the
tool is the one of the queue's model profile (model_profiles in sparkq.yml), else
defaults.model.
When and how often: --delay 10m or --at 2026-12-24T09:00 (local time), --ttl 1h (fail as
expired if not claimed by then), --max-attempts 3 --backoff exp:10s[:1h] (or fixed:30s).
Durations: 90, 90s, 10m, 2h, 1d.
Flow: --unique KEY (nothing new while a live task of the queue has KEY: that task is
shown), --after ID (blocked until task ID has succeeded; repeatable)."""


def register(sub: Any, common: Any) -> None:
    p = add_command(
        sub,
        common,
        "enqueue",
        enqueue,
        "add a task to a queue",
        description=ENQUEUE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("queue", nargs="?", default=None, help="queue name or id")
    p.add_argument("tool", nargs="?", default=None, help="e.g. run-bash, run-python, llm-haiku")
    _named_option(p, "queue", "the queue, as an option")
    _named_option(p, "tool", "the tool, as an option")
    source = p.add_mutually_exclusive_group()
    source.add_argument("-p", "--payload", metavar="JSON", help="the payload as JSON")
    source.add_argument("-s", "--script", metavar="TEXT", help='payload {"script": TEXT}')
    source.add_argument("-f", "--file", metavar="F", help="the tool's input from a file")
    source.add_argument("--prompt", metavar="TEXT", help='payload {"prompt": TEXT}')
    source.add_argument("--lines", metavar="F", help="one task per line of F (- for stdin)")
    p.add_argument("--window", type=_positive_int, default=64, help="--lines: calls in flight (64)")
    p.add_argument("--arg", action="append", default=None, help="an argument (repeatable)")
    p.add_argument("--cwd", default=None, help="the folder the task runs in")
    p.add_argument("--task-class", default=None, help="overrides the tool's task class")
    p.add_argument("--timeout", type=_non_negative_float, default=None, help="seconds")
    p.add_argument("--priority", type=int, default=None, help="higher is claimed first")
    p.add_argument("--role", default=None, help="the agent role (default: the queue's)")
    task_time.add_enqueue_options(p)
    flow_options.add_enqueue_options(p)

    p = add_command(sub, common, "peek", peek, "show the task `claim` would take next")
    p.add_argument("queue", nargs="?", default=None, help="queue name or id")
    _named_option(p, "queue", "the queue, as an option")

    p = add_command(sub, common, "claim", claim, "take the next task (marks it running)")
    p.add_argument("queue", nargs="?", default=None, help="queue name or id (default: any)")
    _named_option(p, "queue", "the queue, as an option")
    p.add_argument("--id", default=None, help="claim this task rather than the next one")
    p.add_argument("-w", "--worker", default=None, help="who holds the task (default cli@host)")
    p.add_argument("--wait", type=_non_negative_float, default=None, help="wait up to S seconds")

    p = add_command(sub, common, "complete", complete, "mark a running task succeeded")
    p.add_argument("id", help="task id or friendly id (BACKEND-0007)")
    p.add_argument(
        "-r",
        "--result",
        metavar="RESULT",
        default=None,
        help="the result: JSON, or text (kept as a string when it is not JSON); - reads stdin",
    )
    _output_options(p)

    p = add_command(sub, common, "fail", fail, "mark a running task failed")
    p.add_argument("id", help="task id or friendly id")
    p.add_argument("error", nargs="?", default=None, help="what went wrong")
    _named_option(p, "error", "what went wrong, as an option")
    _output_options(p)

    for name, handler, text in (
        ("requeue", requeue, "put a task back in its queue"),
        ("rerun", rerun, "enqueue a new task with the same queue, tool and payload"),
        ("task", show, "one task in full: payload, result, output"),
    ):
        p = add_command(sub, common, name, handler, text)
        p.add_argument("id", help="task id or friendly id")
    p.add_argument("--events", action="store_true", help="its timeline: every state change")

    p = add_command(sub, common, "tasks", list_tasks, "list tasks, newest first")
    p.add_argument("-q", "--queue", default=None, help="queue name or id")
    p.add_argument("-s", "--session", default=None, help="session name or id")
    p.add_argument(
        "--status",
        type=_status_list,
        default=None,
        metavar="STATUS[,STATUS…]",
        help=f"one or more of {', '.join(STATUSES)}, comma-separated",
    )
    p.add_argument("-t", "--tool", default=None)
    p.add_argument("--search", "--text", dest="search", default=None, help="text to look for")
    p.add_argument("-n", "--limit", type=_positive_int, default=None, help="at most N (100)")
    p.add_argument("--offset", type=_non_negative_int, default=None)

    p = add_command(sub, common, "purge", purge, "delete finished tasks older than N days")
    p.add_argument(
        "--older-than-days",
        type=_non_negative_float,
        default=None,
        metavar="N",
        help="default: the daemon's purge.older_than_days",
    )


def _named_option(p: Any, name: str, text: str) -> None:
    """``--NAME`` beside the positional ``NAME`` (the original SparkQ's form)."""
    p.add_argument(f"--{name}", dest=f"{name}_option", metavar=name.upper(), help=text)


def named_values(args: Any, *names: str, required: bool = True) -> list[str | None]:
    """The values of ``names``, each given either as an option (``--queue Q``) or in order
    as positionals; ``BadArguments`` when one is missing or given twice."""
    options = {n: getattr(args, f"{n}_option", None) for n in names}
    words = [getattr(args, n) for n in names if getattr(args, n) is not None]
    values: list[str | None] = []
    for name in names:
        if options[name] is not None:
            values.append(options[name])
        elif words:
            values.append(words.pop(0))
        elif required:
            raise BadArguments(f"the {name} is missing: give it as {name.upper()} or --{name}")
        else:
            values.append(None)
    if words:
        given = " and ".join(f"--{n}" for n in names if options[n] is not None)
        raise BadArguments(f"{words[0]!r} is one value too many ({given} given already)")
    return values


def _output_options(p: Any) -> None:
    p.add_argument("--stdout", default=None, help="captured standard output")
    p.add_argument("--stderr", default=None, help="captured standard error")
    p.add_argument("-w", "--worker", default=None, help="must match the task's worker")


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return int(value) if value.is_integer() else value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _stdin_text() -> str:
    return sys.stdin.read()


def parse_json(text: str, what: str) -> Any:
    """``text`` as JSON, or a ``UsageError`` naming ``what`` and the problem."""
    if text == "-":
        text = _stdin_text()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{what} is not valid JSON ({exc}): {short(text, 60)}") from None


def parse_result(text: str | None) -> Any:
    """A result typed by the user (``-`` reads stdin): JSON when it parses as JSON, else the
    text itself, as the cockpit takes it."""
    if text is None:
        return None
    if text == "-":
        text = _stdin_text()
    try:
        return json.loads(text)
    except ValueError:
        return text


def _text_payload(tool: str, text: str) -> dict[str, Any]:
    return {"script": text} if tool in SCRIPT_TOOLS else {"prompt": text}


def _file_payload(tool: str, name: str) -> dict[str, Any]:
    path = Path(name).expanduser().resolve()
    if tool == "run-python":
        if not path.is_file():
            raise UsageError(f"--file {name}: no such file")
        return {"file": str(path)}
    try:
        return _text_payload(tool, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --file {name}: {exc}") from None


def _no_payload(tool: str) -> str:
    if tool in SCRIPT_TOOLS:
        return (
            f"{tool} needs a script: give --script TEXT or --file F "
            "(or --payload JSON), or pipe the script on stdin"
        )
    return (
        f"{tool} needs a payload: give --prompt TEXT, --file F or --payload JSON, "
        "or pipe the prompt on stdin"
    )


def build_payload(args: Any) -> Any:
    """The task payload from --payload, --script, --prompt, --file or piped stdin, with
    --arg and --cwd added; ``UsageError`` naming those options when none gives one
    (``--payload null`` is the way to enqueue no payload on purpose)."""
    payload: Any = None
    if args.payload is not None:
        payload = parse_json(args.payload, "--payload")
    elif args.script is not None:
        payload = {"script": _stdin_text() if args.script == "-" else args.script}
    elif args.prompt is not None:
        payload = {"prompt": _stdin_text() if args.prompt == "-" else args.prompt}
    elif args.file is not None:
        payload = _file_payload(args.tool, args.file)
    elif sys.stdin is not None and not sys.stdin.isatty() and (text := _stdin_text()).strip():
        payload = _text_payload(args.tool, text)
    else:
        raise UsageError(_no_payload(args.tool))
    extra: dict[str, Any] = {}
    if args.arg is not None:
        extra["args"] = args.arg
    if args.cwd is not None:
        extra["cwd"] = str(Path(args.cwd).expanduser().resolve())
    if extra:
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            raise UsageError("--arg and --cwd need a payload that is a JSON object")
        payload = {**payload, **extra}
    return payload


def build_line_payloads(args: Any) -> list[Any]:
    """--lines: one payload per non-empty line, with --arg and --cwd added to each."""
    try:
        text = _stdin_text() if args.lines == "-" else Path(args.lines).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read --lines {args.lines}: {exc}") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise UsageError(f"--lines {args.lines} holds no non-empty line: nothing to enqueue")
    extra: dict[str, Any] = {}
    if args.arg is not None:
        extra["args"] = args.arg
    if args.cwd is not None:
        extra["cwd"] = str(Path(args.cwd).expanduser().resolve())
    return [{**_text_payload(args.tool, line), **extra} for line in lines]


def enqueue(ctx: Context) -> int:
    args = ctx.args
    args.queue, args.tool = named_values(args, "queue", "tool", required=False)
    if args.queue is None:
        raise BadArguments("the queue is missing: give it as QUEUE or --queue")
    if args.tool is None:
        args.tool = _default_llm_tool(ctx) if args.prompt is not None else None
    if args.tool is None:
        raise BadArguments("the tool is missing: give it as TOOL or --tool")
    if args.lines is not None:
        from sparkq_tui.commands.enqueue_lines import enqueue_lines

        if args.unique is not None:
            raise UsageError("--unique names one task; it cannot be used with --lines")
        return enqueue_lines(ctx, build_line_payloads(args))
    task = task_time.checked_call(
        ctx,
        "task.enqueue",
        task_time.TIME_MEMBERS + flow_options.FLOW_MEMBERS,
        queue=args.queue,
        tool=args.tool,
        payload=build_payload(args),
        task_class=args.task_class,
        timeout=args.timeout,
        priority=args.priority,
        role=args.role,
        **task_time.enqueue_members(args),
        **flow_options.enqueue_members(args),
    )
    emit(ctx.json, task, lambda: say(flow_options.describe(task)))
    return 0


def _default_llm_tool(ctx: Context) -> str:
    """The tool of the queue's model profile, else ``defaults.model``; BadArguments saying
    what to set when neither names one."""
    from sparkq_tui.model_choice import llm_tool_for

    queue = ctx.call("queue.get", queue=ctx.args.queue)
    tool = llm_tool_for(queue, ctx.call("config.get")["config"])
    if tool is None:
        raise BadArguments(
            f"the tool is missing: give it as TOOL or --tool (queue {queue['name']} has no "
            "model_profile and defaults.model is not set in sparkq.yml)"
        )
    return tool


def render_task(task: dict[str, Any]) -> None:
    def block(value: Any) -> str | None:
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)

    fields = [
        ("task", f"{task.get('friendly_id')}  ({task.get('id')})"),
        ("status", task.get("status")),
        ("queue", task.get("queue_name")),
        ("tool", f"{task.get('tool')}  (class {task.get('task_class')})"),
        ("priority", task.get("priority")),
        *([("role", task["role"])] if task.get("role") else []),
        ("timeout", seconds(task.get("timeout"))),
        ("attempts", _attempts(task)),
        ("due", local_time(task.get("run_at")) if task.get("status") == "scheduled" else None),
        ("expires", local_time(task.get("expires_at"))),
        ("reason", task.get("reason")),
        ("unique key", task.get("unique_key")),
        ("depends on", ", ".join(task.get("depends_on") or ())),
        ("waits for", ", ".join(task.get("blocked_by") or ())),
        ("worker", task.get("worker")),
        ("progress", progress_text(task.get("progress"))),
        ("created", local_time(task.get("created_at"))),
        ("claimed", local_time(task.get("claimed_at"))),
        ("heartbeat", local_time(task.get("heartbeat_at"))),
        ("finished", local_time(task.get("finished_at"))),
        ("stale since", local_time(task.get("stale_warned_at"))),
        ("error", task.get("error")),
        ("payload", block(task.get("payload"))),
        ("result", block(task.get("result"))),
        ("stdout", block(task.get("stdout"))),
        ("stderr", block(task.get("stderr"))),
    ]
    print_fields([(k, v) for k, v in fields if v not in (None, "")])


def progress_text(progress: dict[str, Any] | None) -> str | None:
    """``40 % reading input`` (the last report of the attempt), None without one."""
    if not progress:
        return None
    percent = progress.get("percent")
    words = [f"{percent:g} %" if isinstance(percent, int | float) else "", progress.get("message")]
    return " ".join(w for w in words if w) or None


def _attempts(task: dict[str, Any]) -> Any:
    """``2/3`` when the task may retry, else the number of claims."""
    most = task.get("max_attempts")
    if isinstance(most, int) and most > 1:
        return f"{task.get('attempts')}/{most}"
    return task.get("attempts")


def _print_one(ctx: Context, task: dict[str, Any], message: str) -> int:
    emit(ctx.json, task, lambda: say(message))
    return 0


def peek(ctx: Context) -> int:
    (queue,) = named_values(ctx.args, "queue")
    task = ctx.call("task.peek", queue=queue)["task"]
    if task is None and not ctx.json:
        say(f"nothing to claim in {queue}")
        return 0
    emit(ctx.json, task, lambda: render_task(task))
    return 0


def claim(ctx: Context) -> int:
    args = ctx.args
    worker = args.worker
    if worker is None:
        import socket

        worker = f"cli@{socket.gethostname()}"
    if args.wait:
        # The call itself waits up to `wait`; leave room for the reply.
        ctx.connection.timeout = args.wait + 30
    (queue,) = named_values(args, "queue", required=False)
    task = ctx.call("task.claim", queue=queue, id=args.id, worker=worker, wait=args.wait)["task"]
    if task is None and not ctx.json:
        warn("no task to claim")
        return 0
    emit(ctx.json, task, lambda: render_task(task))
    return 0


def complete(ctx: Context) -> int:
    args = ctx.args
    task = ctx.call(
        "task.complete",
        id=args.id,
        result=parse_result(args.result),
        stdout=args.stdout,
        stderr=args.stderr,
        worker=args.worker,
    )
    return _print_one(ctx, task, f"{task['friendly_id']} succeeded")


def fail(ctx: Context) -> int:
    args = ctx.args
    (error,) = named_values(args, "error")
    task = ctx.call(
        "task.fail",
        id=args.id,
        error=error,
        stdout=args.stdout,
        stderr=args.stderr,
        worker=args.worker,
    )
    return _print_one(ctx, task, f"{task['friendly_id']} failed: {task.get('error')}")


def requeue(ctx: Context) -> int:
    task = ctx.call("task.requeue", id=ctx.args.id)
    return _print_one(ctx, task, f"{task['friendly_id']} is queued again")


def rerun(ctx: Context) -> int:
    task = ctx.call("task.rerun", id=ctx.args.id)
    return _print_one(
        ctx, task, f"enqueued {task['friendly_id']} ({task['id']}) in {task['queue_name']}"
    )


def show(ctx: Context) -> int:
    if getattr(ctx.args, "events", False):
        return task_time.show_events(ctx, ctx.args.id)
    task = ctx.call("task.get", id=ctx.args.id)
    emit(ctx.json, task, lambda: render_task(task))
    return 0


def _status_list(text: str) -> list[str]:
    statuses = [part.strip() for part in text.split(",") if part.strip()]
    for status in statuses or [text]:
        if status not in STATUSES:
            raise argparse.ArgumentTypeError(
                f"invalid status {status!r} (choose from {', '.join(STATUSES)})"
            )
    return statuses


def list_tasks(ctx: Context) -> int:
    args = ctx.args
    result = ctx.call(
        "task.list",
        queue=args.queue,
        session=args.session,
        status=args.status[0] if args.status and len(args.status) == 1 else args.status,
        tool=args.tool,
        search=args.search,
        limit=args.limit,
        offset=args.offset,
    )
    if ctx.json:
        emit(True, result, lambda: None)
        return 0
    tasks = result["tasks"]
    rows = [
        (
            t.get("friendly_id"),
            t.get("status"),
            t.get("queue_name"),
            t.get("tool"),
            t.get("priority"),
            ago(t.get("created_at")),
            short(t.get("error") or t.get("payload")),
        )
        for t in tasks
    ]
    print_table(
        ("ID", "STATUS", "QUEUE", "TOOL", "PRI", "AGE", "PAYLOAD / ERROR"),
        rows,
        empty="no tasks match" if _filtered(args) else "no tasks yet: `sparkq enqueue QUEUE TOOL`",
    )
    total = result.get("total")
    if tasks and isinstance(total, int) and total > len(tasks):
        say(f"{len(tasks)} of {total} tasks shown (--limit, --offset for more)")
    return 0


def _filtered(args: Any) -> bool:
    return any(
        getattr(args, k) is not None for k in ("queue", "session", "status", "tool", "search")
    )


def purge(ctx: Context) -> int:
    days = ctx.args.older_than_days
    if days is None:
        config = ctx.call("config.get", namespace="purge", key="older_than_days")["config"]
        days = config["purge"]["older_than_days"]
    result = ctx.call("purge.run", older_than_days=days)
    emit(
        ctx.json,
        result,
        lambda: say(f"purged {result.get('deleted', 0)} finished tasks older than {days} days"),
    )
    return 0
