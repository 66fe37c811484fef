"""The Store protocol's webhook operations on SQLite (a base of ``SqliteStore``)."""

from __future__ import annotations

from typing import Any

from sparkq_daemon.store.sqlite import webhooks
from sparkq_daemon.store.sqlite.database import Database


class SqliteWebhooks:
    db: Database

    async def webhook_create(
        self, url: str, events: list[str] | None, queue: str | None, secret: str
    ) -> dict[str, Any]:
        return await self.db.write(webhooks.create, url, events, queue, secret)

    async def webhook_list(self) -> list[dict[str, Any]]:
        return await self.db.read(webhooks.list_all)

    async def webhook_delete(self, ref: str) -> dict[str, Any]:
        return await self.db.write(webhooks.delete, ref)

    async def webhook_deliveries(self, webhook: str | None, limit: int) -> list[dict[str, Any]]:
        return await self.db.read(webhooks.deliveries, webhook, limit)

    async def webhook_redeliver(self, delivery: str) -> dict[str, Any]:
        return await self.db.write(webhooks.redeliver, delivery)

    async def webhook_due(
        self, limit: int, lease: float
    ) -> tuple[list[dict[str, Any]], float | None]:
        return await self.db.write(webhooks.due, limit, lease)

    async def webhook_record(
        self,
        delivery: str,
        attempts: int,
        status_code: int | None,
        error: str | None,
        retry_in: float | None,
    ) -> None:
        await self.db.write(webhooks.record, delivery, attempts, status_code, error, retry_in)

    async def webhook_count(self) -> int:
        return await self.db.read(webhooks.count)

    async def webhook_purge(self, older_than_s: float) -> int:
        return await self.db.write(webhooks.purge, older_than_s)
