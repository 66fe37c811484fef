"""The process that runs python-call tasks for a runner: ``python -m sparkq_tui.pytasks.worker
[--import-path DIR]…``.

It reads one call per line on stdin (``{function, args, kwargs, env}``, or ``{pickle: {pickle,
sig}, env}`` for a signed pickled call) and writes one reply per line on its original stdout:
``{ok: true, value, stdout, stderr}`` or ``{ok: false, kind, error, traceback, stdout,
stderr}`` with ``kind`` ``import`` (not retried), ``signature`` (a pickled call whose signature
did not verify: not unpickled, not retried), ``error`` (the function raised) or ``result``
(its return value is not JSON). Calls run one at a time;
async functions on the process's own event loop, sync ones on its main thread. Modules stay
imported between calls, as in any worker process. The runner kills the process to stop a
call (a timeout, a cancel) and starts a new one for the next."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import IO, Any

from sparkq_tui.pytasks.json_values import NotJSONError, check_json
from sparkq_tui.pytasks.pickle_key import PickleKeyError, key_path, read_key
from sparkq_tui.pytasks.pickled import SignatureError, unpickle_call
from sparkq_tui.pytasks.references import load

MAX_CAPTURE = 64 * 1024


def main(argv: list[str]) -> int:
    paths = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "--import-path"]
    sys.path[:0] = [os.path.abspath(p) for p in paths] + [os.getcwd()]
    # Replies go on the original stdout; anything written to fd 1 later (a C extension, a
    # child process) lands on stderr instead of corrupting them.
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    # Calls arrive on the original stdin; the functions get an empty one (input() → EOF).
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    loop = asyncio.new_event_loop()
    # Where the key is, fixed before any call runs: a call changing os.environ cannot move it.
    key_file = key_path()
    for line in requests:
        if line.strip():
            _reply(replies, _call(json.loads(line), loop, key_file))
    return 0


def _reply(out: IO[str], reply: dict[str, Any]) -> None:
    out.write(json.dumps(reply) + "\n")
    out.flush()


def _call(
    request: dict[str, Any], loop: asyncio.AbstractEventLoop, key_file: Path
) -> dict[str, Any]:
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.monotonic()
    os.environ.update(request.get("env") or {})  # this task's SPARKQ_TASK_ID …
    reply: dict[str, Any]
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            function, args, kwargs = _target(request, key_file)
        except (SignatureError, PickleKeyError) as exc:
            reply = {"ok": False, "kind": "signature", "error": str(exc), "traceback": ""}
        except BaseException as exc:  # an import error of any sort: the task cannot run
            reply = _failure("import", exc, skip=0)
        else:
            reply = _run(function, args, kwargs, loop)
    reply["duration_s"] = round(time.monotonic() - started, 6)
    reply["stdout"], reply["stderr"] = _tail(stdout.getvalue()), _tail(stderr.getvalue())
    return reply


def _target(request: dict[str, Any], key_file: Path) -> tuple[Any, Any, Any]:
    """The function and its arguments: imported by reference, or a signed pickled call
    unpickled after its signature verified with the runner's pickle key."""
    if "pickle" in request:
        return unpickle_call(request["pickle"], read_key(key_file))
    return load(request["function"]), request.get("args") or (), request.get("kwargs") or {}


def _run(function: Any, args: Any, kwargs: Any, loop: asyncio.AbstractEventLoop) -> dict:
    try:
        value = function(*args, **kwargs)
        if asyncio.iscoroutine(value):
            value = loop.run_until_complete(value)
    except (Exception, KeyboardInterrupt, SystemExit) as exc:  # sys.exit() fails the call only
        return _failure("error", exc, skip=1)
    try:
        check_json(value, "the return value")
    except NotJSONError as exc:
        return {"ok": False, "kind": "result", "error": str(exc), "traceback": ""}
    return {"ok": True, "value": value}


def _failure(kind: str, exc: BaseException, skip: int) -> dict[str, Any]:
    """The reply for ``exc``; its traceback without this module's ``skip`` own frames."""
    tb = exc.__traceback__
    for _ in range(skip):
        tb = tb.tb_next if tb is not None else None
    lines = traceback.format_exception(type(exc), exc, tb)
    summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return {"ok": False, "kind": kind, "error": summary, "traceback": "".join(lines)}


def _tail(text: str) -> str:
    return text if len(text) <= MAX_CAPTURE else text[-MAX_CAPTURE:]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
