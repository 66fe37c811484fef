"""``sparkq runner``: claims tasks from SparkQ queues and executes them safely."""

from __future__ import annotations

import asyncio
import logging
import os
import socket as socketlib
import sys
from typing import Any

from sparkq_tui.client import AsyncClient
from sparkq_tui.endpoint import Endpoint, resolve_endpoint
from sparkq_tui.errors import DaemonUnavailable, SparkQError
from sparkq_tui.runner.loop import Runner
from sparkq_tui.runner.options import RunnerOptions, parse_options

__all__ = ["main"]

RECONNECT_SECONDS = 2.0


def main(
    argv: list[str], *, socket: str | Endpoint | None = None, config: str | None = None
) -> int:
    """Run ``sparkq runner`` with ``argv`` (its own flags); return the exit code."""
    try:
        options = parse_options(list(argv))
    except SystemExit as exc:  # --help, or a usage error argparse has already explained
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(
        level=options.log_level.upper(),
        format="%(asctime)s sparkq-runner %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        socket = _endpoint(options, socket)
    except ValueError as exc:
        print(f"sparkq runner: error: {exc}", file=sys.stderr)
        return 2
    # The CLI's exit codes: 1 refused by the daemon (an unknown queue too), 3 no daemon.
    try:
        return asyncio.run(_run(options, socket, config))
    except DaemonUnavailable as exc:
        print(f"sparkq runner: {exc.message}", file=sys.stderr)
        return 3
    except SparkQError as exc:
        print(f"sparkq runner: {exc.message}", file=sys.stderr)
        return 1


def hello_params(options: RunnerOptions) -> dict[str, Any]:
    """What the runner says of itself on every connection (``worker.hello``)."""
    params: dict[str, Any] = {
        "name": options.worker,
        "queues": list(options.queues),
        "concurrency": options.concurrency,
        "host": socketlib.gethostname(),
        "pid": os.getpid(),
    }
    if options.tools is not None:
        params["tools"] = sorted(options.tools)
    return params


def _endpoint(options: RunnerOptions, given: str | Endpoint | None) -> str | Endpoint | None:
    """The runner's own --url/--token/--ca win over those given before ``runner``."""
    if not (options.url or options.token or options.ca):
        return given
    base = given if isinstance(given, Endpoint) else None
    url = options.url or (base.url if base is not None and base.remote else None)
    if url is None:
        return given
    return resolve_endpoint(
        url=url,
        token=options.token or (base.token if base else None),
        ca_file=options.ca or (base.ca_file if base else None),
    )


async def _run(options: RunnerOptions, socket: str | Endpoint | None, config: str | None) -> int:
    client = AsyncClient(socket, config=config, reconnect_timeout=RECONNECT_SECONDS)
    client.greeting = ("worker.hello", hello_params(options))
    async with client:
        if options.stream:
            from sparkq_tui.runner.stream import Streamer

            worker: Streamer | Runner = Streamer(client, options)
        else:
            worker = Runner(client, options)
        try:
            await worker.claimer.prepare()
            return await worker.run()
        finally:
            await worker.outbox.close(0)  # a no-op after run(); frees the journal otherwise
