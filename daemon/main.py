"""``sparkq-daemon``: run the store, the socket server and the periodic jobs in the foreground.

Exit codes: 0 after a graceful stop (SIGTERM, SIGINT, ``system.shutdown``), 1 when another
daemon holds the socket or the database, 2 for a bad config or command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys
import time
from pathlib import Path

from sparkq_daemon import __version__, backup, config_reload, metrics, paths
from sparkq_daemon.config import Config, ConfigError, load_config
from sparkq_daemon.context import Daemon
from sparkq_daemon.errors import RpcError
from sparkq_daemon.events import EventBus
from sparkq_daemon.lock import AlreadyRunning, LockFile
from sparkq_daemon.store.engine import open_store

log = logging.getLogger("sparkq.daemon")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sparkq-daemon", description="Run the SparkQ daemon in the foreground."
    )
    parser.add_argument(
        "--socket", help="Unix socket path (default: from config, then runtime dir)"
    )
    parser.add_argument("--db", help="SQLite database path (default: from config, then data dir)")
    parser.add_argument("--config", help="sparkq.yml to load (default: the resolution order)")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        type=str.upper,
        help="logging threshold (default INFO)",
    )
    parser.add_argument("--version", action="version", version=f"sparkq-daemon {__version__}")
    return parser.parse_args(argv)


async def _open(config: Config, socket_path: Path, db_path: Path) -> Daemon:
    existed = db_path.exists() and db_path.stat().st_size > 0
    store = open_store(config, db_path)
    await store.open()
    daemon = Daemon(
        store=store,
        bus=EventBus(),
        config=config,
        socket_path=socket_path,
        data_dir=db_path.parent,
        started=time.monotonic(),
    )
    store.on_commit = daemon.bus.publish
    if hasattr(store, "on_gap"):  # events other daemons sent while it could not hear them
        store.on_gap = daemon.bus.overflow
    if await store.catalog_seed(config.task_classes, config.tools):
        log.info("seeded %d tools and %d task classes", len(config.tools), len(config.task_classes))
    await store.settings_seed(config.live_settings())
    await config_reload.apply_file(daemon, config)
    if store.engine == "sqlite":  # backups are SQLite's (on PostgreSQL: pg_dump)
        await _start_backup(daemon, db_path, existed)
    return daemon


async def _start_backup(daemon: Daemon, db_path: Path, existed: bool) -> None:
    """Copy the database into the backups folder, unless it was just restored."""
    keep = int(daemon.settings["backups"]["keep"])
    restored = backup.take_restored_mark(db_path)
    if restored:
        log.info("the database was restored from %s: no start backup of it", restored)
    elif existed and keep > 0:
        daemon.backups_dir.mkdir(parents=True, exist_ok=True)
        target = backup.new_backup_path(daemon.backups_dir)
        await daemon.store.backup_to(target)
        backup.prune(daemon.backups_dir, keep)
        log.info("backed up the database to %s", target)


async def serve(config: Config, socket_path: Path, db_path: Path) -> int:
    from sparkq_daemon import methods, sweeper  # noqa: F401 - registers the methods
    from sparkq_daemon.server import Server
    from sparkq_daemon.webhooks import deliverer

    daemon = await _open(config, socket_path, db_path)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, daemon.stopping.set)
    endpoint = await metrics.start(daemon)  # before the socket: its events are all counted
    server = Server(daemon)
    await server.start()
    jobs = sweeper.start(daemon)
    jobs.append(deliverer.start(daemon))
    where = daemon.store.describe().get("database_url") or db_path
    log.info("sparkq-daemon %s serving %s (database %s)", __version__, socket_path, where)
    if daemon.tcp_url:
        log.info("listening on %s (a token is needed: auth.hello)", daemon.tcp_url)
    if daemon.metrics_url:
        log.info("serving metrics on %s", daemon.metrics_url)
    await daemon.stopping.wait()
    log.info("stopping: finishing requests in flight")
    await server.close()
    if endpoint is not None:
        endpoint.close()
    for job in jobs:
        job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job
    await daemon.store.close()
    log.info("stopped")
    return 0


def _check_tls(config: Config) -> None:
    """Load the TLS certificate and key now, so bad files stop the start with exit 2."""
    import ssl

    from sparkq_daemon.tcp_config import server_ssl_context

    tcp = config.tcp()
    if tcp is None:
        return
    try:
        server_ssl_context(tcp)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(
            f"{config.source}: server.tcp.tls_cert: cannot load the certificate "
            f"{tcp.tls_cert} with the key {tcp.tls_key}: {exc}"
        ) from None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config(args.config)
        socket_path = config.socket_path(args.socket)
        paths.check_socket_path(socket_path)
        db_path = config.db_path(args.db)
        _check_tls(config)
        database_url = config.database_url()
    except (ConfigError, ValueError) as exc:
        print(f"sparkq-daemon: {exc}", file=sys.stderr)
        return 2
    try:
        from sparkq_daemon.server import prepare_socket_dir

        prepare_socket_dir(socket_path)
    except OSError as exc:
        print(f"sparkq-daemon: {exc}", file=sys.stderr)
        return 1
    held = [(LockFile(Path(f"{socket_path}.lock")), f"the socket {socket_path}")]
    if database_url is None:  # PostgreSQL is shared by several daemons: no database lock
        held.append((LockFile(Path(f"{db_path}.lock")), f"the database {db_path}"))
    locks = [lock for lock, _ in held]
    try:
        for lock, what in held:
            lock.acquire(what)
    except AlreadyRunning as exc:
        print(f"sparkq-daemon: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"sparkq-daemon: cannot take the lock file: {exc}", file=sys.stderr)
        return 1
    try:
        return _run(serve(config, socket_path, db_path))
    except (OSError, RuntimeError, sqlite3.Error, RpcError) as exc:
        log.error("cannot start: %s", exc)
        return 1
    finally:
        for lock in locks:
            lock.release()


def _run(coro) -> int:
    try:
        import uvloop  # optional: faster event loop when installed
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)
