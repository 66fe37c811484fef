"""Validation, config loading, ids, prompts, the event bus."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sparkq_daemon.config import ConfigError, load_config
from sparkq_daemon.errors import Validation
from sparkq_daemon.events import EventBus
from sparkq_daemon.ids import friendly_id, friendly_prefix, seq_of_task_id, task_ids
from sparkq_daemon.prompts import expand_template
from sparkq_daemon.validation import check_name, check_params, optional, required


def test_task_ids_carry_their_row_number_and_differ() -> None:
    ids = task_ids(4094, 500)
    assert [seq_of_task_id(i) for i in ids] == list(range(4094, 4594))
    assert ids[0].startswith("tsk_ffe") and len(ids[0]) == len("tsk_ffe") + 6
    assert len(set(ids)) == 500
    assert len({i[-6:] for i in ids}) > 490  # 6 random hex digits each
    assert seq_of_task_id("tsk_zz") is None


def test_friendly_ids() -> None:
    assert friendly_prefix("backend api.v2") == "BACKEND-API-V2"
    assert friendly_prefix("--a--") == "A"
    assert friendly_id("Q", 7) == "Q-0007"
    assert friendly_id("Q", 12345) == "Q-12345"


def test_names() -> None:
    assert check_name("a b_c-d.e") == "a b_c-d.e"
    for bad in ["", "  ", "x" * 129, "a\x00b", "a/b", "ünï/x", "tea 🍵", "a\tb"]:
        with pytest.raises(Validation, match=r"letters \(any script\), digits"):
            check_name(bad)


def test_names_take_letters_of_any_script() -> None:
    for good in ["é", "données", "δεδομένα", "हिन्दी", "データ", "Straße 2"]:
        assert check_name(good) == good
    assert check_name("cafe\u0301") == "café"  # stored composed (NFC)


def test_friendly_prefixes_keep_letters_of_any_script() -> None:
    assert friendly_prefix("données brutes") == "DONNÉES-BRUTES"
    assert friendly_prefix("δεδομένα") == "ΔΕΔΟΜΈΝΑ"
    assert friendly_prefix("हिन्दी") == "हिन्दी"
    assert friendly_prefix("cafe\u0301") == "CAFÉ"


def test_check_params_names_the_field() -> None:
    spec = {"n": required("int", min=1), "s": optional("str", "d")}
    assert check_params(spec, {"n": 2}) == {"n": 2, "s": "d"}
    with pytest.raises(Validation, match="'n'"):
        check_params(spec, {})
    with pytest.raises(Validation, match="True"):
        check_params(spec, {"n": True})
    with pytest.raises(Validation, match="minimum"):
        check_params(spec, {"n": 0})


def test_prompt_expansion() -> None:
    assert expand_template("Review {input} now", "x.py") == "Review x.py now"
    assert expand_template("Summarise.", "text") == "Summarise.\n\ntext"
    assert expand_template("Summarise.", "") == "Summarise."


def test_config_paths_resolve_against_the_file(tmp_path: Path) -> None:
    f = tmp_path / "sparkq.yml"
    f.write_text("database:\n  path: data/q.db\nscript_dirs: [scripts]\n")
    config = load_config(f)
    assert config.db_path() == tmp_path / "data" / "q.db"
    assert config.script_dirs == [tmp_path / "scripts"]


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    f = tmp_path / "sparkq.yml"
    f.write_text("backups:\n  keep: many\n")
    with pytest.raises(ConfigError, match=r"backups\.keep"):
        load_config(f)


async def test_bus_overflow_marker() -> None:
    bus = EventBus(buffer=3)
    sub = bus.subscribe({"task"})
    bus.publish([{"topic": "task", "type": "task.enqueued"} for _ in range(5)])
    bus.publish([{"topic": "queue", "type": "queue.created"}])
    first = await asyncio.wait_for(sub.next(), 1)
    assert first["type"] == "events.overflow"
    bus.publish([{"topic": "task", "type": "task.claimed"}])
    after = await asyncio.wait_for(sub.next(), 1)
    assert (after["type"], after["seq"]) == ("task.claimed", 7)
