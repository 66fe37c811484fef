"""The key that signs pickled calls: 32 random bytes, as hex, in ``pickle.key`` in SparkQ's
data folder (``SPARKQ_PICKLE_KEY_FILE`` names another file — a runner on another machine
points it at a copy). The enqueuing side creates it on first use, mode 0600; a runner only
reads it, and refuses a key file other users can read or write."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sparkq_daemon.paths import data_dir

KEY_ENV = "SPARKQ_PICKLE_KEY_FILE"
KEY_FILE = "pickle.key"
KEY_BYTES = 32


class PickleKeyError(Exception):
    """No usable key: the message names the file and what is wrong with it."""


def key_path() -> Path:
    """``$SPARKQ_PICKLE_KEY_FILE``, else ``pickle.key`` in the data folder."""
    given = os.environ.get(KEY_ENV)
    return Path(given).expanduser() if given else data_dir() / KEY_FILE


def read_key(path: Path | None = None) -> bytes:
    """The key in ``path`` (default ``key_path()``); never creates one."""
    path = path or key_path()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        raise PickleKeyError(
            f"no pickle key at {path}: copy the key of the machine that enqueues there, "
            f"or point {KEY_ENV} at a copy"
        ) from None
    except OSError as exc:
        raise PickleKeyError(f"cannot read the pickle key {path}: {exc.strerror}") from None
    if mode & 0o077:
        raise PickleKeyError(
            f"the pickle key {path} is open to other users (mode {mode & 0o777:o}): "
            f"chmod 600 {path}"
        )
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < KEY_BYTES:
        raise PickleKeyError(f"the pickle key {path} does not hold {KEY_BYTES} bytes as hex")
    return key


def signing_key(path: Path | None = None) -> bytes:
    """The key to sign with, created (mode 0600) when there is none yet."""
    path = path or key_path()
    if not path.exists():
        _create(path)
    return read_key(path)


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(KEY_BYTES) + "\n")
            out.flush()
            os.fsync(out.fileno())
        # A link never replaces: when two processes create the key at once, the first wins
        # and both sign with it; no reader ever sees a half-written file.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
