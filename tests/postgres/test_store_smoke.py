"""PgStore against SqliteStore: the same pass over every Store operation gives the same
answers, refusals and events on both engines (ids and times aside)."""

from __future__ import annotations

import pytest

from tests.postgres import scenario

pytestmark = pytest.mark.timeout(60)


async def test_every_operation_answers_as_on_sqlite(open_store) -> None:
    sqlite = await open_store("sqlite")
    postgres = await open_store("postgresql")
    expected = await scenario.run(sqlite.store)
    got = await scenario.run(postgres.store)
    for want, have in zip(expected, got, strict=True):
        assert have == want
    norm_sqlite, norm_pg = scenario.Normaliser(), scenario.Normaliser()
    assert [norm_pg(e) for e in postgres.events] == [norm_sqlite(e) for e in sqlite.events]
