"""Tools, task classes and prompt templates."""

from __future__ import annotations

import sqlite3
from typing import Any

from sparkq_daemon.errors import Conflict, NotFound, Validation
from sparkq_daemon.store.sqlite import rows
from sparkq_daemon.store.sqlite.tx import Catalog, Tx


def load(conn: sqlite3.Connection) -> Catalog:
    """The catalogue as the writer caches it."""
    classes = {
        r["name"]: _task_class(
            r["name"], r["timeout"], r["description"], r["max_attempts"], rows.decode(r["backoff"])
        )
        for r in conn.execute("SELECT * FROM task_classes ORDER BY name")
    }
    tools = {
        r["name"]: {
            "name": r["name"],
            "task_class": r["task_class"],
            "description": r["description"],
            "command": rows.decode(r["command"]),
        }
        for r in conn.execute("SELECT * FROM tools ORDER BY name")
    }
    return Catalog(tools=tools, task_classes=classes)


def seed(tx: Tx, task_classes: dict[str, dict], tools: dict[str, dict]) -> bool:
    """Fill an empty catalogue from the config file; False when it was already seeded."""
    if tx.conn.execute("SELECT 1 FROM task_classes LIMIT 1").fetchone():
        return False
    for name, spec in task_classes.items():
        upsert_task_class(
            tx,
            name,
            spec["timeout"],
            spec.get("description", ""),
            spec.get("max_attempts"),
            spec.get("backoff"),
        )
    for name, spec in tools.items():
        upsert_tool(tx, name, spec["task_class"], spec.get("description", ""), spec.get("command"))
    return True


def _tool_out(catalog: Catalog, tool: dict[str, Any]) -> dict[str, Any]:
    cls = catalog.task_classes.get(tool["task_class"], {})
    return {**tool, "timeout": cls.get("timeout")}


def list_tools(catalog: Catalog) -> dict[str, Any]:
    return {"tools": [_tool_out(catalog, t) for _, t in sorted(catalog.tools.items())]}


def list_task_classes(catalog: Catalog) -> dict[str, Any]:
    return {"task_classes": [c for _, c in sorted(catalog.task_classes.items())]}


def _task_class(
    name: str,
    timeout: float,
    description: str,
    max_attempts: int | None,
    backoff: dict[str, Any] | None,
) -> dict[str, Any]:
    """A task class as the protocol shows it: the retry defaults only when set."""
    out: dict[str, Any] = {"name": name, "timeout": timeout, "description": description}
    if max_attempts is not None:
        out["max_attempts"] = max_attempts
    if backoff is not None:
        out["backoff"] = backoff
    return out


def upsert_task_class(
    tx: Tx,
    name: str,
    timeout: float,
    description: str,
    max_attempts: int | None = None,
    backoff: dict[str, Any] | None = None,
) -> dict[str, Any]:
    tx.conn.execute(
        "INSERT INTO task_classes (name, timeout, description, max_attempts, backoff, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET timeout = excluded.timeout, "
        "description = excluded.description, max_attempts = excluded.max_attempts, "
        "backoff = excluded.backoff, updated_at = excluded.updated_at",
        (name, timeout, description, max_attempts, rows.encode(backoff), tx.now),
    )
    tx.catalog.task_classes[name] = _task_class(name, timeout, description, max_attempts, backoff)
    tx.emit("catalog", "task_class.upserted", name=name)
    return tx.catalog.task_classes[name]


def upsert_tool(
    tx: Tx, name: str, task_class: str, description: str | None, command: list[str] | None
) -> dict[str, Any]:
    if task_class not in tx.catalog.task_classes:
        known = ", ".join(sorted(tx.catalog.task_classes))
        raise Validation(f"unknown task class {task_class!r} (known: {known})", field="task_class")
    if description is None:  # not given: keep the tool's own
        description = tx.catalog.tools.get(name, {}).get("description") or ""
    tx.conn.execute(
        "INSERT INTO tools (name, task_class, description, command, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET task_class = "
        "excluded.task_class, description = excluded.description, command = excluded.command, "
        "updated_at = excluded.updated_at",
        (name, task_class, description, rows.encode(command), tx.now),
    )
    tool = {"name": name, "task_class": task_class, "description": description, "command": command}
    tx.catalog.tools[name] = tool
    tx.emit("catalog", "tool.upserted", name=name)
    return _tool_out(tx.catalog, tool)


def delete_tool(tx: Tx, name: str) -> dict[str, Any]:
    if name not in tx.catalog.tools:
        raise NotFound(f"tool {name!r} does not exist", id=name)
    tx.conn.execute("DELETE FROM tools WHERE name = ?", (name,))
    del tx.catalog.tools[name]
    tx.emit("catalog", "tool.deleted", name=name)
    return {"deleted": True}


def delete_task_class(tx: Tx, name: str) -> dict[str, Any]:
    if name not in tx.catalog.task_classes:
        raise NotFound(f"task class {name!r} does not exist", id=name)
    users = sorted(t for t, spec in tx.catalog.tools.items() if spec["task_class"] == name)
    if users:
        raise Conflict(f"task class {name!r} is used by tools: {', '.join(users)}")
    tx.conn.execute("DELETE FROM task_classes WHERE name = ?", (name,))
    del tx.catalog.task_classes[name]
    tx.emit("catalog", "task_class.deleted", name=name)
    return {"deleted": True}


def list_prompts(conn: sqlite3.Connection) -> dict[str, Any]:
    found = conn.execute("SELECT * FROM prompts ORDER BY command")
    return {"prompts": [rows.as_dict(r) for r in found]}


def get_prompt(conn: sqlite3.Connection, command: str) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM prompts WHERE command = ?", (command,)).fetchone()
    if row is None:
        raise NotFound(f"prompt {command!r} does not exist", id=command)
    return rows.as_dict(row)


def create_prompt(
    tx: Tx, command: str, label: str, template_text: str, description: str
) -> dict[str, Any]:
    if tx.conn.execute("SELECT 1 FROM prompts WHERE command = ?", (command,)).fetchone():
        raise Conflict(f"a prompt named {command!r} already exists", field="command")
    tx.conn.execute(
        "INSERT INTO prompts (command, label, template_text, description, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (command, label, template_text, description, tx.now, tx.now),
    )
    tx.emit("catalog", "prompt.created", command=command)
    return get_prompt(tx.conn, command)


def update_prompt(tx: Tx, command: str, changes: dict[str, Any]) -> dict[str, Any]:
    get_prompt(tx.conn, command)
    for key, value in changes.items():
        tx.conn.execute(f"UPDATE prompts SET {key} = ? WHERE command = ?", (value, command))
    tx.conn.execute("UPDATE prompts SET updated_at = ? WHERE command = ?", (tx.now, command))
    tx.emit("catalog", "prompt.updated", command=command)
    return get_prompt(tx.conn, command)


def delete_prompt(tx: Tx, command: str) -> dict[str, Any]:
    get_prompt(tx.conn, command)
    tx.conn.execute("DELETE FROM prompts WHERE command = ?", (command,))
    tx.emit("catalog", "prompt.deleted", command=command)
    return {"deleted": True}
