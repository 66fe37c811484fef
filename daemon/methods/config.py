"""config.get, config.set, config.reload, audit.list."""

from __future__ import annotations

from typing import Any

from sparkq_daemon import config_reload
from sparkq_daemon.config import LIVE_NAMESPACES, SETTINGS, check_setting
from sparkq_daemon.context import Context
from sparkq_daemon.errors import NotFound, Validation
from sparkq_daemon.registry import rpc
from sparkq_daemon.validation import optional, required

FREE_NAMESPACES = ("ui",)


def snapshot(ctx: Context) -> dict[str, dict[str, Any]]:
    d = ctx.daemon
    out = {ns: dict(keys) for ns, keys in d.settings.items()}
    out["database"] = d.store.database_settings()
    out["scripts"] = {"dirs": [str(p) for p in d.config.script_dirs]}
    out["project"] = d.config.project()  # these three follow the file (config.reload)
    out["defaults"] = dict(d.config.settings["defaults"])
    out["model_profiles"] = dict(d.config.model_profiles)
    out.setdefault("ui", {})
    return out


@rpc("config.get", namespace=optional("str"), key=optional("str"))
async def get(ctx: Context, namespace: str | None = None, key: str | None = None) -> dict:
    config = snapshot(ctx)
    if namespace is None:
        if key is not None:
            raise Validation("key needs a namespace", field="key")
        return {"config": config}
    if namespace not in config:
        raise NotFound(f"config namespace {namespace!r} does not exist", id=namespace)
    section = config[namespace]
    if key is None:
        return {"config": {namespace: section}}
    if key not in section:
        raise NotFound(f"config key {namespace}.{key} does not exist", id=f"{namespace}.{key}")
    return {"config": {namespace: {key: section[key]}}}


@rpc("config.set", namespace=required("str"), key=required("str"), value=required("any"))
async def set_(ctx: Context, namespace: str, key: str, value: Any) -> dict[str, Any]:
    if namespace in LIVE_NAMESPACES:
        if key not in SETTINGS[namespace]:
            known = ", ".join(SETTINGS[namespace])
            raise Validation(f"unknown key {namespace}.{key} (known: {known})", field="key")
        problem = check_setting(namespace, key, value)
        if problem:
            raise Validation(f"{namespace}.{key}: {problem}", field="value")
    elif namespace not in FREE_NAMESPACES:
        allowed = ", ".join((*LIVE_NAMESPACES, *FREE_NAMESPACES))
        raise Validation(
            f"namespace {namespace!r} cannot be set at run time (settable: {allowed})",
            field="namespace",
        )
    result = await ctx.store.setting_set(namespace, key, value)
    ctx.daemon.settings.setdefault(namespace, {})[key] = value
    ctx.daemon.bus.publish([{"topic": "config", "type": "config.changed", **result}])
    return result


@rpc("config.reload")
async def reload(ctx: Context) -> dict[str, Any]:
    """Re-read the config file and apply what changed (see config_reload.py)."""
    return await config_reload.reload(ctx.daemon)


@rpc("audit.list", limit=optional("int", 100, min=1, max=1000))
async def audit_list(ctx: Context, limit: int) -> dict[str, Any]:
    return {"entries": await ctx.store.audit_list(limit)}
