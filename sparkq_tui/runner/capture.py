"""Output capture that keeps the tail of a stream within a byte cap."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

READ_CHUNK = 64 * 1024


class TailBuffer:
    """Keeps the last ``limit`` bytes written and counts everything written."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self.total = 0
        self._buf = bytearray()

    def write(self, data: bytes) -> None:
        self.total += len(data)
        self._buf += data
        excess = len(self._buf) - self.limit
        if excess > 0:
            del self._buf[:excess]

    @property
    def cut(self) -> int:
        """How many bytes were dropped from the start."""
        return self.total - len(self._buf)

    def text(self) -> str:
        """The kept bytes as text, preceded by a note when some were cut."""
        data = bytes(self._buf)
        if not self.cut:
            return data.decode("utf-8", "replace")
        # The cut may split a UTF-8 sequence: drop its orphaned continuation bytes.
        start = 0
        while start < min(3, len(data)) and 0x80 <= data[start] <= 0xBF:
            start += 1
        kept = data[start:]
        note = (
            f"[sparkq: output capped: {self.cut + start} of {self.total} bytes cut from the "
            f"start; the last {len(kept)} bytes follow]\n"
        )
        return note + kept.decode("utf-8", "replace")


async def pump(
    stream: asyncio.StreamReader | None,
    sink: TailBuffer,
    also: Callable[[bytes], None] | None = None,
) -> None:
    """Read ``stream`` to its end into ``sink`` (and hand each chunk to ``also``)."""
    if stream is None:
        return
    while True:
        chunk = await stream.read(READ_CHUNK)
        if not chunk:
            return
        sink.write(chunk)
        if also is not None:
            also(chunk)
