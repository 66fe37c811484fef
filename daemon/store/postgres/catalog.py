"""Tools, task classes and prompt templates. The catalogue is cached by every daemon; a
change sends ``sparkq_catalog`` so the others reload theirs."""

from __future__ import annotations

from typing import Any

import asyncpg

from sparkq_daemon.errors import Conflict, NotFound, Validation
from sparkq_daemon.store.postgres import rows
from sparkq_daemon.store.postgres.db import Catalog, Tx


async def load(conn: asyncpg.Connection) -> Catalog:
    """The catalogue as the daemon caches it."""
    classes = {
        r["name"]: _task_class(
            r["name"], r["timeout"], r["description"], r["max_attempts"], rows.decode(r["backoff"])
        )
        for r in await conn.fetch("SELECT * FROM task_classes ORDER BY name")
    }
    tools = {
        r["name"]: {
            "name": r["name"],
            "task_class": r["task_class"],
            "description": r["description"],
            "command": rows.decode(r["command"]),
        }
        for r in await conn.fetch("SELECT * FROM tools ORDER BY name")
    }
    return Catalog(tools=tools, task_classes=classes)


async def seed(tx: Tx, task_classes: dict[str, dict], tools: dict[str, dict]) -> bool:
    """Fill an empty catalogue from the config file; False when it was already seeded."""
    await tx.conn.execute("LOCK TABLE task_classes IN SHARE ROW EXCLUSIVE MODE")
    if await tx.conn.fetchval("SELECT 1 FROM task_classes LIMIT 1"):
        return False
    for name, spec in task_classes.items():
        await upsert_task_class(
            tx,
            name,
            spec["timeout"],
            spec.get("description", ""),
            spec.get("max_attempts"),
            spec.get("backoff"),
        )
    for name, spec in tools.items():
        await upsert_tool(
            tx, name, spec["task_class"], spec.get("description", ""), spec.get("command")
        )
    return True


def _tool_out(catalog: Catalog, tool: dict[str, Any]) -> dict[str, Any]:
    cls = catalog.task_classes.get(tool["task_class"], {})
    return {**tool, "timeout": cls.get("timeout")}


def list_tools(catalog: Catalog) -> list[dict[str, Any]]:
    return [_tool_out(catalog, t) for _, t in sorted(catalog.tools.items())]


def list_task_classes(catalog: Catalog) -> list[dict[str, Any]]:
    return [c for _, c in sorted(catalog.task_classes.items())]


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


async def upsert_task_class(
    tx: Tx,
    name: str,
    timeout: float,
    description: str,
    max_attempts: int | None = None,
    backoff: dict[str, Any] | None = None,
) -> dict[str, Any]:
    await tx.conn.execute(
        "INSERT INTO task_classes (name, timeout, description, max_attempts, backoff, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (name) DO UPDATE SET "
        "timeout = excluded.timeout, description = excluded.description, "
        "max_attempts = excluded.max_attempts, backoff = excluded.backoff, "
        "updated_at = excluded.updated_at",
        name,
        float(timeout),
        description,
        max_attempts,
        rows.encode(backoff),
    )
    tx.catalog.task_classes[name] = _task_class(name, timeout, description, max_attempts, backoff)
    tx.catalog_changed = True
    tx.emit("catalog", "task_class.upserted", name=name)
    return tx.catalog.task_classes[name]


async def upsert_tool(
    tx: Tx, name: str, task_class: str, description: str | None, command: Any
) -> dict[str, Any]:
    if task_class not in tx.catalog.task_classes:
        known = ", ".join(sorted(tx.catalog.task_classes))
        raise Validation(f"unknown task class {task_class!r} (known: {known})", field="task_class")
    if description is None:  # not given: keep the tool's own
        description = tx.catalog.tools.get(name, {}).get("description") or ""
    await tx.conn.execute(
        "INSERT INTO tools (name, task_class, description, command, updated_at) "
        "VALUES ($1, $2, $3, $4, now()) ON CONFLICT (name) DO UPDATE SET "
        "task_class = excluded.task_class, description = excluded.description, "
        "command = excluded.command, updated_at = excluded.updated_at",
        name,
        task_class,
        description,
        rows.encode(command),
    )
    tool = {"name": name, "task_class": task_class, "description": description, "command": command}
    tx.catalog.tools[name] = tool
    tx.catalog_changed = True
    tx.emit("catalog", "tool.upserted", name=name)
    return _tool_out(tx.catalog, tool)


async def delete_tool(tx: Tx, name: str) -> dict[str, Any]:
    if name not in tx.catalog.tools:
        raise NotFound(f"tool {name!r} does not exist", id=name)
    await tx.conn.execute("DELETE FROM tools WHERE name = $1", name)
    del tx.catalog.tools[name]
    tx.catalog_changed = True
    tx.emit("catalog", "tool.deleted", name=name)
    return {"deleted": True}


async def delete_task_class(tx: Tx, name: str) -> dict[str, Any]:
    if name not in tx.catalog.task_classes:
        raise NotFound(f"task class {name!r} does not exist", id=name)
    users = sorted(t for t, spec in tx.catalog.tools.items() if spec["task_class"] == name)
    if users:
        raise Conflict(f"task class {name!r} is used by tools: {', '.join(users)}")
    try:
        async with tx.conn.transaction():
            await tx.conn.execute("DELETE FROM task_classes WHERE name = $1", name)
    except asyncpg.ForeignKeyViolationError:
        raise Conflict(f"task class {name!r} is used by tools added meanwhile") from None
    del tx.catalog.task_classes[name]
    tx.catalog_changed = True
    tx.emit("catalog", "task_class.deleted", name=name)
    return {"deleted": True}


def _prompt(record: asyncpg.Record) -> dict[str, Any]:
    return rows.plain(record)


async def list_prompts(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [_prompt(r) for r in await conn.fetch("SELECT * FROM prompts ORDER BY command")]


async def get_prompt(conn: asyncpg.Connection, command: str) -> dict[str, Any]:
    row = await conn.fetchrow("SELECT * FROM prompts WHERE command = $1", command)
    if row is None:
        raise NotFound(f"prompt {command!r} does not exist", id=command)
    return _prompt(row)


async def create_prompt(
    tx: Tx, command: str, label: str, template_text: str, description: str
) -> dict[str, Any]:
    if await tx.conn.fetchval("SELECT 1 FROM prompts WHERE command = $1", command):
        raise Conflict(f"a prompt named {command!r} already exists", field="command")
    try:
        async with tx.conn.transaction():
            await tx.conn.execute(
                "INSERT INTO prompts (command, label, template_text, description, created_at, "
                "updated_at) VALUES ($1, $2, $3, $4, now(), now())",
                command,
                label,
                template_text,
                description,
            )
    except asyncpg.UniqueViolationError:
        raise Conflict(f"a prompt named {command!r} already exists", field="command") from None
    tx.emit("catalog", "prompt.created", command=command)
    return await get_prompt(tx.conn, command)


PROMPT_FIELDS = ("label", "template_text", "description")


async def update_prompt(tx: Tx, command: str, changes: dict[str, Any]) -> dict[str, Any]:
    await get_prompt(tx.conn, command)
    for key, value in changes.items():
        if key not in PROMPT_FIELDS:
            raise Validation(f"prompt field {key!r} cannot be changed", field=key)
        await tx.conn.execute(f"UPDATE prompts SET {key} = $1 WHERE command = $2", value, command)
    await tx.conn.execute("UPDATE prompts SET updated_at = now() WHERE command = $1", command)
    tx.emit("catalog", "prompt.updated", command=command)
    return await get_prompt(tx.conn, command)


async def delete_prompt(tx: Tx, command: str) -> dict[str, Any]:
    await get_prompt(tx.conn, command)
    await tx.conn.execute("DELETE FROM prompts WHERE command = $1", command)
    tx.emit("catalog", "prompt.deleted", command=command)
    return {"deleted": True}
