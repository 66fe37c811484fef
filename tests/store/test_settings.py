"""Live settings, the audit log and the config file's sync."""

from __future__ import annotations

from sparkq_daemon.config import Config
from sparkq_daemon.store.base import Store


async def test_seed_fills_missing_keys_and_never_overwrites(store: Store) -> None:
    assert await store.settings_load() == Config().live_settings()
    await store.setting_set("purge", "older_than_days", 7)
    await store.settings_seed({"purge": {"older_than_days": 3, "new_key": 1}})
    loaded = await store.settings_load()
    assert loaded["purge"]["older_than_days"] == 7
    assert loaded["purge"]["new_key"] == 1


async def test_setting_set_stores_and_audits(store: Store) -> None:
    assert await store.audit_list(10) == []
    answer = await store.setting_set("backups", "keep", 5)
    assert answer == {"namespace": "backups", "key": "keep", "value": 5}
    assert (await store.settings_load())["backups"]["keep"] == 5
    await store.setting_set("backups", "keep", 6)
    await store.setting_set("queue_runner", "poll_interval", 2.5)
    entries = await store.audit_list(10)
    assert [e["action"] for e in entries] == ["config.set"] * 3
    assert [e["detail"] for e in entries] == [  # newest first
        {"namespace": "queue_runner", "key": "poll_interval", "old": 30, "value": 2.5},
        {"namespace": "backups", "key": "keep", "old": 5, "value": 6},
        {"namespace": "backups", "key": "keep", "old": 3, "value": 5},
    ]
    assert all(e["at"] for e in entries)
    assert [e["detail"]["value"] for e in await store.audit_list(2)] == [2.5, 6]


async def test_config_sync_applies_the_file_but_keeps_protocol_changes(store: Store) -> None:
    unrecorded = await store.config_sync({"purge.older_than_days": 5})
    assert [(k["key"], k["value"], k["file"]) for k in unrecorded["kept"]] == [
        ("purge.older_than_days", 3, 5)  # no file value on record yet: the live one stays
    ]
    first = await store.config_sync({"purge.older_than_days": 3, "backups.keep": 3})
    assert (first["applied"], first["kept"], first["unchanged"]) == ([], [], 2)
    second = await store.config_sync({"purge.older_than_days": 5, "backups.keep": 3})
    assert second["applied"] == [{"key": "purge.older_than_days", "old": 3, "new": 5}]
    assert (await store.settings_load())["purge"]["older_than_days"] == 5
    assert (await store.audit_list(1))[0]["action"] == "config.reload"
    await store.setting_set("purge", "older_than_days", 9)
    third = await store.config_sync({"purge.older_than_days": 6, "backups.keep": 4})
    assert third["applied"] == [{"key": "backups.keep", "old": 3, "new": 4}]
    assert [(k["key"], k["value"], k["file"]) for k in third["kept"]] == [
        ("purge.older_than_days", 9, 6)
    ]
    loaded = await store.settings_load()
    assert (loaded["purge"]["older_than_days"], loaded["backups"]["keep"]) == (9, 4)


async def test_config_sync_adds_and_removes_tools_and_classes(store: Store) -> None:
    tool = {"task_class": "QUICK", "description": "", "command": ["echo"]}
    added = await store.config_sync(
        {"task_classes.QUICK": {"timeout": 5, "description": ""}, "tools.echo": tool}
    )
    assert [a["key"] for a in added["applied"]] == ["task_classes.QUICK", "tools.echo"]
    assert {t["name"]: t["timeout"] for t in store.tools()}["echo"] == 5
    removed = await store.config_sync({})
    assert [a["key"] for a in removed["applied"]] == ["tools.echo", "task_classes.QUICK"]
    assert "echo" not in {t["name"] for t in store.tools()}
    assert "QUICK" not in {c["name"] for c in store.task_classes()}
