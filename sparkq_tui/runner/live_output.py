"""A running task's stdout and stderr sent to the daemon as they come (``task.log``),
coalesced: the first bytes go at once, then at most one call per stream every ``interval``
seconds, however fast the task prints. A flood beyond one chunk (64 KiB) per interval keeps
its tail and says how much it skipped; the task's final report still carries the runner's
own capped capture of the whole run."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("sparkq.runner")

INTERVAL = 0.5
MAX_CHUNK = 64 * 1024 - 256  # a task.log chunk's limit, less room for the skip note
STREAMS = ("stdout", "stderr")

Send = Callable[[str, str], Awaitable[None]]


def tail_text(text: str, limit: int) -> tuple[str, int]:
    """The end of ``text`` within ``limit`` UTF-8 bytes, and how many bytes were cut."""
    data = text.encode()
    if len(data) <= limit:
        return text, 0
    kept = data[-limit:].decode("utf-8", "ignore")  # a split character at the start goes
    return kept, len(data) - len(kept.encode())


class LiveOutput:
    """Collects a task's output with ``feed`` and sends it with ``send(stream, text)``."""

    def __init__(self, send: Send, interval: float = INTERVAL, max_chunk: int = MAX_CHUNK):
        self.send = send
        self.interval = interval
        self.max_chunk = max_chunk
        self._decoders = {s: codecs.getincrementaldecoder("utf-8")("replace") for s in STREAMS}
        self._pending: dict[str, list[str]] = {s: [] for s in STREAMS}
        self._size = dict.fromkeys(STREAMS, 0)  # characters pending
        self._skipped = dict.fromkeys(STREAMS, 0)  # bytes dropped from the pending text
        self._waiting = asyncio.Event()
        self._stopped = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def feed(self, stream: str, data: bytes) -> None:
        """Bytes the task wrote on ``stream`` (called by the reader of its pipe)."""
        if self._stopped:
            return
        text = self._decoders[stream].decode(data)
        if text:
            self._pending[stream].append(text)
            self._size[stream] += len(text)
            if self._size[stream] > 4 * self.max_chunk:  # a flood while a send is slow
                kept, cut = tail_text("".join(self._pending[stream]), self.max_chunk)
                self._pending[stream] = [kept]
                self._size[stream] = len(kept)
                self._skipped[stream] += cut
            self._waiting.set()

    def stop(self) -> None:
        """Send nothing more (the task is no longer this runner's)."""
        self._stopped = True
        for pending in self._pending.values():
            pending.clear()

    async def close(self) -> None:
        """Send what is left and end the sender."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for stream in STREAMS:
            rest = self._decoders[stream].decode(b"", final=True)
            if rest:
                self._pending[stream].append(rest)
        await self._flush()

    async def _run(self) -> None:
        while not self._stopped:
            await self._waiting.wait()
            await self._flush()
            await asyncio.sleep(self.interval)  # a timer, not a poll: output waits here

    async def _flush(self) -> None:
        self._waiting.clear()
        for stream in STREAMS:
            pending = self._pending[stream]
            if not pending or self._stopped:
                continue
            text, cut = tail_text("".join(pending), self.max_chunk)
            cut += self._skipped[stream]
            pending.clear()
            self._size[stream] = self._skipped[stream] = 0
            if cut:
                text = f"[sparkq: {cut} bytes of live output skipped]\n" + text
            await self.send(stream, text)
