"""Bring the live settings and catalogue in line with the config file, key by key.

Each key the file sets (``purge.older_than_days``, ``tools.NAME``, ``task_classes.NAME``,
``roles.KEY``) has
its last-applied value on record in ``config_file_values``. A key whose live value still equals
that record follows the file: the file's new value is applied. A key whose live value differs
was changed over the protocol since: it is kept, and listed with the reason."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.errors import Conflict, Validation
from sparkq_daemon.store.sqlite import catalog, roles, rows, settings
from sparkq_daemon.store.sqlite.tx import Tx

CHANGED_OVER_PROTOCOL = "changed over the protocol since the file's value was applied"
NO_RECORD = "differs from the file, and no earlier value from the file is on record"
ROLE_KEYS = ("label", "description", "prompt", "active")


def _recorded(tx: Tx) -> dict[str, Any]:
    found = tx.conn.execute("SELECT key, value FROM config_file_values")
    return {r["key"]: rows.decode(r["value"]) for r in found}


def _record(tx: Tx, key: str, value: Any) -> None:
    if value is None:
        tx.conn.execute("DELETE FROM config_file_values WHERE key = ?", (key,))
        return
    tx.conn.execute(
        "INSERT INTO config_file_values (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, rows.encode(value), tx.now),
    )


def _live(tx: Tx) -> dict[str, Any]:
    """Every live value a file key can name, in the shape ``file_values`` gives."""
    out: dict[str, Any] = {}
    for r in tx.conn.execute("SELECT namespace, key, value FROM settings"):
        out[f"{r['namespace']}.{r['key']}"] = rows.decode(r["value"])
    for name, spec in tx.catalog.task_classes.items():
        out[f"task_classes.{name}"] = {
            "timeout": spec["timeout"],
            "description": spec["description"],
            **{k: spec[k] for k in ("max_attempts", "backoff") if k in spec},
        }
    for name, spec in tx.catalog.tools.items():
        out[f"tools.{name}"] = {
            "task_class": spec["task_class"],
            "description": spec["description"],
            "command": spec["command"],
        }
    for role in roles.list_(tx.conn):
        out[f"roles.{role['key']}"] = {k: role[k] for k in ROLE_KEYS}
    return out


def _order(key: str, wanted: Any) -> tuple[int, str]:
    """Task classes are added before the tools that use them and removed after them."""
    if key.startswith("task_classes."):
        return (0 if wanted is not None else 3, key)
    return (1 if key.startswith("tools.") else 2, key)


def _put(tx: Tx, key: str, value: Any) -> None:
    """Set (or with None remove) one live value."""
    section, name = key.split(".", 1)
    if section == "task_classes":
        if value is None:
            catalog.delete_task_class(tx, name)
        else:
            catalog.upsert_task_class(
                tx,
                name,
                value["timeout"],
                value["description"],
                value.get("max_attempts"),
                value.get("backoff"),
            )
    elif section == "roles":
        if value is None:
            roles.delete(tx, name)
        else:
            roles.upsert(tx, name, *(value[k] for k in ROLE_KEYS))
    elif section == "tools":
        if value is None:
            catalog.delete_tool(tx, name)
        else:
            catalog.upsert_tool(
                tx, name, value["task_class"], value["description"], value["command"]
            )
    else:
        tx.conn.execute(
            "UPDATE settings SET value = ?, updated_at = ? WHERE namespace = ? AND key = ?",
            (rows.encode(value), tx.now, section, name),
        )
        tx.emit("config", "config.changed", namespace=section, key=name, value=value)


def sync(tx: Tx, wanted: dict[str, Any]) -> dict[str, Any]:
    """Apply the file's values ``wanted`` (key -> value) where the live value follows the file.

    Returns ``{applied: [{key, old, new}], kept: [{key, value, file, reason}], unchanged: n}``;
    ``old``/``value`` None means the key did not exist, ``new``/``file`` None that the file no
    longer has it."""
    recorded = _recorded(tx)
    live = _live(tx)
    applied: list[dict[str, Any]] = []
    kept: list[dict[str, Any]] = []
    unchanged = 0
    for key in sorted(set(wanted) | set(recorded), key=lambda k: _order(k, wanted.get(k))):
        new, old = wanted.get(key), live.get(key)
        if new == old:
            unchanged += 1
            _record(tx, key, new)
            continue
        follows = old == recorded[key] if key in recorded else old is None
        if not follows:
            if new is None and key not in recorded:
                continue  # added over the protocol, never in the file
            reason = CHANGED_OVER_PROTOCOL if key in recorded else NO_RECORD
            kept.append({"key": key, "value": old, "file": new, "reason": reason})
            continue
        try:
            _put(tx, key, new)
        except (Conflict, Validation) as exc:  # e.g. a kept tool still uses a dropped class
            kept.append({"key": key, "value": old, "file": new, "reason": exc.message})
            continue
        _record(tx, key, new)
        applied.append({"key": key, "old": old, "new": new})
    if applied:
        settings.audit(tx, "config.reload", {"applied": applied})
    return {"applied": applied, "kept": kept, "unchanged": unchanged}
