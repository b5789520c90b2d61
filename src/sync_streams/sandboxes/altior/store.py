"""SQLite state of the Altior sandbox (aiosqlite, survives restarts).

Two connections on a WAL database: one writer, used only under an asyncio lock
inside explicit transactions, and one reader, which therefore only ever sees
committed data.  Every record of every kind lives in ``records`` (JSON ``data``
plus the indexed columns listings need), so one listing routine serves all list
endpoints with the same ``(updated_at, id)`` ordering.  A record written while its
tenant's ``late_visibility_seconds`` fault is set carries ``visible_at``: listings
leave it out until then, although its ``updated_at`` is the moment of its write.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from sync_streams.sandboxes.altior.positions import Position, StampClock, format_stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS tenants (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id INTEGER NOT NULL,
    key_hash TEXT UNIQUE NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id INTEGER NOT NULL, kind TEXT NOT NULL,
    parent_id INTEGER, siret TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_changes ON records (tenant_id, kind, updated_at, id);
CREATE INDEX IF NOT EXISTS records_siret ON records (tenant_id, kind, siret);
CREATE INDEX IF NOT EXISTS records_parent ON records (tenant_id, kind, parent_id);
CREATE TABLE IF NOT EXISTS external_refs (
    tenant_id INTEGER NOT NULL, kind TEXT NOT NULL, codification TEXT NOT NULL,
    key TEXT NOT NULL, value TEXT NOT NULL, record_id INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, codification, key, value));
CREATE INDEX IF NOT EXISTS external_refs_record ON external_refs (record_id);
CREATE TABLE IF NOT EXISTS sequences (
    tenant_id INTEGER NOT NULL, name TEXT NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, name));
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id INTEGER, key_id INTEGER, at TEXT NOT NULL,
    method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, status INTEGER NOT NULL,
    user TEXT, body TEXT, fault TEXT, duration_ms REAL NOT NULL);
CREATE INDEX IF NOT EXISTS calls_tenant ON calls (tenant_id, id);
"""

Where = Sequence[tuple[str, Sequence[Any]]]
Delay = Callable[[int], float]
"""Tenant -> seconds a record written now stays out of listings (0: none)."""


def _no_delay(tenant_id: int) -> float:
    return 0.0


def _now() -> str:
    return format_stamp(datetime.now(UTC))


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return "altk_" + secrets.token_urlsafe(24)


class DuplicateRef(Exception):
    """``(codification, key, value)`` is already held by ``holder`` (same kind, tenant)."""

    def __init__(self, index: int, holder: int) -> None:
        super().__init__(f"external reference {index} held by {holder}")
        self.index = index
        self.holder = holder


class Transaction:
    """Writes of one atomic change; every touched record gets a fresh stamp."""

    def __init__(
        self, db: aiosqlite.Connection, clock: StampClock, delay: Delay = _no_delay
    ) -> None:
        self.db = db
        self.clock = clock
        self.delay = delay

    def stamp(self) -> str:
        return self.clock.next()

    def visible_at(self, tenant_id: int) -> str | None:
        """When a record of ``tenant_id`` written now may be listed (None: at once)."""
        seconds = self.delay(tenant_id)
        if seconds <= 0:
            return None
        return format_stamp(datetime.now(UTC) + timedelta(seconds=seconds))

    async def insert(
        self,
        tenant_id: int,
        kind: str,
        data: dict[str, Any],
        *,
        parent_id: int | None = None,
        siret: str | None = None,
    ) -> dict[str, Any]:
        """Store a new record; fills ``id``, ``created_at`` (unless given) and ``updated_at``."""
        stamp = self.stamp()
        data.setdefault("created_at", stamp)
        data["updated_at"] = stamp
        cursor = await self.db.execute(
            "INSERT INTO records"
            " (tenant_id, kind, parent_id, siret, created_at, updated_at, data, visible_at)"
            " VALUES (?, ?, ?, ?, ?, ?, '{}', ?)",
            (
                tenant_id,
                kind,
                parent_id,
                siret,
                data["created_at"],
                stamp,
                self.visible_at(tenant_id),
            ),
        )
        record_id = cursor.lastrowid
        assert record_id is not None
        data = {"id": record_id, **data}
        await self.db.execute(
            "UPDATE records SET data = ? WHERE id = ?", (json.dumps(data), record_id)
        )
        return data

    async def update(
        self, data: dict[str, Any], *, parent_id: int | None = None, siret: str | None = None
    ) -> dict[str, Any]:
        data["updated_at"] = self.stamp()
        rows = await self.db.execute_fetchall(
            "SELECT tenant_id FROM records WHERE id = ?", (data["id"],)
        )
        visible = next((self.visible_at(int(row[0])) for row in rows), None)
        await self.db.execute(
            "UPDATE records SET data = ?, updated_at = ?, parent_id = ?, siret = ?,"
            " visible_at = ? WHERE id = ?",
            (json.dumps(data), data["updated_at"], parent_id, siret, visible, data["id"]),
        )
        return data

    async def restamp(self, record: dict[str, Any], updated_at: str) -> dict[str, Any]:
        """Give a record just written the ``updated_at`` a seed imposes (admin only: it
        breaks the commit order on purpose, as a writer stamping before a long commit)."""
        record["updated_at"] = updated_at
        record["created_at"] = min(str(record.get("created_at") or updated_at), updated_at)
        await self.db.execute(
            "UPDATE records SET data = ?, updated_at = ?, created_at = ? WHERE id = ?",
            (json.dumps(record), updated_at, record["created_at"], record["id"]),
        )
        return record

    async def get(self, tenant_id: int, kind: str, record_id: int) -> dict[str, Any] | None:
        """Read inside the transaction (sees its own writes, blocks concurrent writers)."""
        rows = await self.db.execute_fetchall(
            "SELECT data FROM records WHERE tenant_id = ? AND kind = ? AND id = ?",
            (tenant_id, kind, record_id),
        )
        for (data,) in rows:
            loaded: dict[str, Any] = json.loads(data)
            return loaded
        return None

    async def claim_refs(
        self, tenant_id: int, kind: str, record_id: int, refs: Sequence[dict[str, Any]]
    ) -> None:
        """Make ``refs`` the record's external references; 409 material on a duplicate."""
        await self.db.execute("DELETE FROM external_refs WHERE record_id = ?", (record_id,))
        for index, ref in enumerate(refs):
            key = (tenant_id, kind, ref["codification"], ref["key"], ref["value"])
            rows = await self.db.execute_fetchall(
                "SELECT record_id FROM external_refs WHERE tenant_id = ? AND kind = ?"
                " AND codification = ? AND key = ? AND value = ?",
                key,
            )
            for (holder,) in rows:
                raise DuplicateRef(index, int(holder))
            await self.db.execute(
                "INSERT INTO external_refs (tenant_id, kind, codification, key, value, record_id)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (*key, record_id),
            )

    async def next_sequence(self, tenant_id: int, name: str) -> int:
        await self.db.execute(
            "INSERT INTO sequences (tenant_id, name, value) VALUES (?, ?, 1)"
            " ON CONFLICT (tenant_id, name) DO UPDATE SET value = value + 1",
            (tenant_id, name),
        )
        rows = await self.db.execute_fetchall(
            "SELECT value FROM sequences WHERE tenant_id = ? AND name = ?", (tenant_id, name)
        )
        return int(next(iter(rows))[0])


class Store:
    """Opened once per server; ``transaction()`` for writes, plain methods for reads."""

    def __init__(self, writer: aiosqlite.Connection, reader: aiosqlite.Connection) -> None:
        self.writer = writer
        self.reader = reader
        self.clock = StampClock()
        self._lock = asyncio.Lock()
        self.delay: Delay = _no_delay
        """Late visibility per tenant, set by the sandbox's state from its faults."""

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        writer = await aiosqlite.connect(str(path), isolation_level=None)
        await writer.execute("PRAGMA journal_mode=WAL")
        await writer.execute("PRAGMA synchronous=NORMAL")
        await writer.executescript(SCHEMA)
        columns = {
            str(row[1]) for row in await writer.execute_fetchall("PRAGMA table_info(records)")
        }
        if "visible_at" not in columns:  # a database made before late visibility
            await writer.execute("ALTER TABLE records ADD COLUMN visible_at TEXT")
        reader = await aiosqlite.connect(str(path), isolation_level=None)
        store = cls(writer, reader)
        rows = await reader.execute_fetchall("SELECT MAX(updated_at) FROM records")
        last = next(iter(rows))[0]
        store.clock = StampClock(last)
        return store

    async def close(self) -> None:
        await self.reader.close()
        await self.writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._lock:
            await self.writer.execute("BEGIN IMMEDIATE")
            try:
                yield Transaction(self.writer, self.clock, self.delay)
            except BaseException:
                await self.writer.execute("ROLLBACK")
                raise
            await self.writer.execute("COMMIT")

    # --- reads ----------------------------------------------------------------------

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        rows = await self.reader.execute_fetchall(sql, params)
        return [tuple(row) for row in rows]

    async def get(self, tenant_id: int, kind: str, record_id: int) -> dict[str, Any] | None:
        rows = await self.fetch(
            "SELECT data FROM records WHERE tenant_id = ? AND kind = ? AND id = ?",
            (tenant_id, kind, record_id),
        )
        return json.loads(rows[0][0]) if rows else None

    async def all_of(
        self, tenant_id: int, kinds: Sequence[str]
    ) -> list[tuple[str, dict[str, Any]]]:
        marks = ",".join("?" * len(kinds))
        rows = await self.fetch(
            f"SELECT kind, data FROM records WHERE tenant_id = ? AND kind IN ({marks})"  # noqa: S608
            " ORDER BY id",
            (tenant_id, *kinds),
        )
        return [(str(kind), json.loads(data)) for kind, data in rows]

    async def page(
        self,
        tenant_id: int,
        kind: str,
        *,
        after: Position | None,
        since: str | None,
        limit: int,
        where: Where = (),
    ) -> tuple[list[tuple[int, str, str]], bool]:
        """One page of ``(id, updated_at, raw JSON)`` in ``(updated_at, id)`` order, and
        whether more records follow.  Raw JSON goes out as is: listing never re-encodes."""
        # a record still under its late visibility (fault) is not listed yet
        clauses = ["tenant_id = ?", "kind = ?", "(visible_at IS NULL OR visible_at <= ?)"]
        params: list[Any] = [tenant_id, kind, _now()]
        if since is not None:
            clauses.append("updated_at >= ?")
            params.append(since)
        if after is not None:
            clauses.append("(updated_at > ? OR (updated_at = ? AND id > ?))")
            params += [after.updated_at, after.updated_at, after.record_id]
        for clause, values in where:
            clauses.append(clause)
            params.extend(values)
        sql = (
            "SELECT id, updated_at, data FROM records WHERE "  # noqa: S608
            + " AND ".join(clauses)
            + " ORDER BY updated_at, id LIMIT ?"
        )
        rows = await self.fetch(sql, (*params, limit + 1))
        items = [(int(r[0]), str(r[1]), str(r[2])) for r in rows[:limit]]
        return items, len(rows) > limit
