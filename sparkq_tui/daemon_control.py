"""Start, find and stop a background ``sparkq-daemon`` (used by ``sparkq start`` and by the
cockpit's embedded daemon). The daemon never forks itself: we spawn it in a new session."""

from __future__ import annotations

import hashlib
import os
import socket as socketlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from sparkq_daemon import paths


def ping(socket_path: str | os.PathLike[str], timeout: float = 1.0) -> dict[str, Any] | None:
    """``system.ping`` over a plain blocking socket; ``None`` when no daemon answers."""
    try:
        with socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(socket_path))
            sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"system.ping"}\n')
            buf = b""
            while not buf.endswith(b"\n"):
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                buf += chunk
        reply = orjson.loads(buf)
        return reply.get("result")
    except (OSError, ValueError):
        return None


def default_log_file(socket_path: str | os.PathLike[str] | None = None) -> Path:
    """The log of the background daemon on ``socket_path`` (by default the socket that
    ``SPARKQ_SOCKET`` or the config file names), in the user log dir: ``daemon.log`` for the
    default socket, ``daemon-<socket name>-<hash of its path>.log`` for any other, so two
    daemons never share a log."""
    socket = Path(os.path.abspath(paths.resolve_socket(socket_path)))
    if socket == Path(os.path.abspath(paths.default_socket())):
        return paths.log_dir() / "daemon.log"
    digest = hashlib.sha256(os.fsencode(str(socket))).hexdigest()[:10]
    return paths.log_dir() / f"daemon-{socket.stem}-{digest}.log"


def start_background(
    socket_path: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | None = None,
    db: str | os.PathLike[str] | None = None,
    log_file: str | os.PathLike[str] | None = None,
    timeout: float = 15.0,
) -> dict[str, Any]:
    """Spawn ``sparkq-daemon`` detached and return its ping once it answers.

    Raises ``RuntimeError`` with the tail of what it logged when it exits (only its own
    lines: not those of earlier daemons in the same file)."""
    log_path = Path(log_file) if log_file else default_log_file(socket_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "sparkq_daemon", "--socket", str(socket_path)]
    if config:
        argv += ["--config", str(config)]
    if db:
        argv += ["--db", str(db)]
    with open(log_path, "ab") as log:
        own_lines_from = log.tell()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + timeout
    delay = 0.01
    while time.monotonic() < deadline:
        info = ping(socket_path, timeout=0.5)
        if info is not None:
            return info
        code = proc.poll()
        if code is not None:
            said = _tail(log_path, own_lines_from)
            raise RuntimeError(f"sparkq-daemon exited with code {code}: {said}".rstrip(": "))
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    raise RuntimeError(f"sparkq-daemon did not answer on {socket_path} within {timeout:.0f} s")


def ensure_daemon(
    socket_path: str | os.PathLike[str],
    *,
    config: str | os.PathLike[str] | None = None,
    db: str | os.PathLike[str] | None = None,
) -> bool:
    """Start a background daemon when none answers; return True when one was started."""
    if ping(socket_path) is not None:
        return False
    start_background(socket_path, config=config, db=db)
    return True


def stop(socket_path: str | os.PathLike[str], timeout: float = 15.0) -> bool:
    """Ask the daemon to shut down and wait until it is gone; False when none was running."""
    info = ping(socket_path)
    if info is None:
        return False
    try:
        with socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(socket_path))
            sock.sendall(b'{"jsonrpc":"2.0","id":1,"method":"system.shutdown"}\n')
            sock.recv(65536)
    except OSError:
        pass
    pid = info.get("pid")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid) and ping(socket_path, timeout=0.2) is None:
            return True
        time.sleep(0.05)
    raise RuntimeError(f"the daemon (pid {pid}) did not stop within {timeout:.0f} s")


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _tail(path: Path, start: int, lines: int = 5) -> str:
    """The last ``lines`` lines written to ``path`` after byte ``start``, joined by `` | ``."""
    try:
        with open(path, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])
