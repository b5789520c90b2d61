"""SQLite persistence (aiosqlite): everything the sandbox knows lives in one file.

One table holds every Sellsy object (companies, individuals, contacts,
opportunities, custom fields, pipelines, steps) keyed by (account, kind, id):
ids come from per-account counters, so two accounts may both own company 1,
and every query is scoped by account, which is what keeps accounts apart.
Writes are serialised by one lock; the call log is buffered and flushed in
batches because it is written on every request.  A record written while its
account's ``late_visibility_seconds`` fault is set carries ``visible_us``: listings
leave it out until then (``VISIBLE``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, settings TEXT NOT NULL, created_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
    client_id TEXT PRIMARY KEY, account_id INTEGER NOT NULL, secret_sha256 TEXT NOT NULL,
    name TEXT NOT NULL, created_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    account_id INTEGER NOT NULL, kind TEXT NOT NULL, next_id INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
);
CREATE TABLE IF NOT EXISTS records (
    account_id INTEGER NOT NULL, kind TEXT NOT NULL, id INTEGER NOT NULL,
    created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL, aux_us INTEGER,
    name_key TEXT NOT NULL DEFAULT '', body TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, id)
);
CREATE INDEX IF NOT EXISTS records_updated ON records (account_id, kind, updated_us, id);
CREATE INDEX IF NOT EXISTS records_created ON records (account_id, kind, created_us, id);
CREATE INDEX IF NOT EXISTS records_name ON records (account_id, kind, name_key, id);
CREATE TABLE IF NOT EXISTS links (
    account_id INTEGER NOT NULL, company_id INTEGER NOT NULL, contact_id INTEGER NOT NULL,
    roles TEXT NOT NULL, PRIMARY KEY (account_id, company_id, contact_id)
);
CREATE INDEX IF NOT EXISTS links_contact ON links (account_id, contact_id);
CREATE TABLE IF NOT EXISTS cf_values (
    account_id INTEGER NOT NULL, kind TEXT NOT NULL, record_id INTEGER NOT NULL,
    field_id INTEGER NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (account_id, kind, record_id, field_id)
);
CREATE TABLE IF NOT EXISTS calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id INTEGER, client_id TEXT,
    method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL, status INTEGER NOT NULL,
    at_us INTEGER NOT NULL, duration_ms REAL NOT NULL, fault TEXT
);
CREATE INDEX IF NOT EXISTS calls_account ON calls (account_id, seq);
"""

Row = dict[str, Any]
CallEntry = tuple[int | None, str | None, str, str, str, int, int, float, str | None]
CALL_COLUMNS = (
    "account_id",
    "client_id",
    "method",
    "path",
    "query",
    "status",
    "at_us",
    "duration_ms",
    "fault",
)
CALL_FLUSH_AT = 200
VISIBLE = "(visible_us IS NULL OR visible_us <= ?)"
"""Listing condition: the record's late visibility (if any) has run out; one parameter,
:func:`now_us`."""


def now_us() -> int:
    """Wall-clock microseconds (what ``visible_us`` is compared with)."""
    return time.time_ns() // 1000


class Store:
    """The sandbox's only door to its SQLite file."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._pending_calls: list[CallEntry] = []
        self.visibility_delays_us: dict[int | None, int] = {}
        """Account (None: every account) -> late visibility of the records written now,
        kept in step with the faults by ``Sandbox``."""

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.executescript(SCHEMA)
        async with conn.execute("PRAGMA table_info(records)") as cursor:
            columns = {str(row[1]) for row in await cursor.fetchall()}
        if "visible_us" not in columns:  # a database made before late visibility
            await conn.execute("ALTER TABLE records ADD COLUMN visible_us INTEGER")
        async with conn.execute("PRAGMA table_info(calls)") as cursor:
            if "fault" not in {str(row[1]) for row in await cursor.fetchall()}:
                await conn.execute("ALTER TABLE calls ADD COLUMN fault TEXT")
        return cls(conn)

    async def close(self) -> None:
        await self.flush_calls()
        await self._conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialised write transaction (one connection is shared by all handlers)."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._conn.execute(sql, params) as cursor:
            return [dict(row) for row in await cursor.fetchall()]

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return dict(row) if row is not None else None

    # -- meta, accounts, clients ------------------------------------------------------------
    async def meta(self, key: str) -> str | None:
        row = await self.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set_meta(self, key: str, value: str) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value)
            )

    async def insert_account(self, name: str, settings: dict[str, Any], now_us: int) -> int:
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO accounts (name, settings, created_us) VALUES (?, ?, ?)",
                (name, json.dumps(settings), now_us),
            )
            return int(cursor.lastrowid or 0)

    async def account(self, account_id: int) -> Row | None:
        row = await self.fetchone("SELECT * FROM accounts WHERE id = ?", (account_id,))
        if row is not None:
            row["settings"] = json.loads(row["settings"])
        return row

    async def accounts(self) -> list[Row]:
        rows = await self.fetchall("SELECT * FROM accounts ORDER BY id")
        for row in rows:
            row["settings"] = json.loads(row["settings"])
        return rows

    async def save_settings(self, account_id: int, settings: dict[str, Any]) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE accounts SET settings = ? WHERE id = ?", (json.dumps(settings), account_id)
            )

    async def insert_client(
        self, client_id: str, account_id: int, secret_sha256: str, name: str, now_us: int
    ) -> None:
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO clients (client_id, account_id, secret_sha256, name, created_us)"
                " VALUES (?, ?, ?, ?, ?)",
                (client_id, account_id, secret_sha256, name, now_us),
            )

    async def client(self, client_id: str) -> Row | None:
        return await self.fetchone("SELECT * FROM clients WHERE client_id = ?", (client_id,))

    async def clients(self, account_id: int) -> list[Row]:
        return await self.fetchall(
            "SELECT client_id, name, created_us FROM clients WHERE account_id = ?"
            " ORDER BY created_us",
            (account_id,),
        )

    # -- records ----------------------------------------------------------------------------
    @staticmethod
    async def next_id(
        conn: aiosqlite.Connection, account_id: int, kind: str, count: int = 1
    ) -> int:
        """Reserve ``count`` ids of ``kind`` in ``account_id``; returns the first.

        Must run inside :meth:`transaction` (the counter row is read then written).
        """
        async with conn.execute(
            "SELECT next_id FROM counters WHERE account_id = ? AND kind = ?", (account_id, kind)
        ) as cursor:
            row = await cursor.fetchone()
        first = int(row[0]) if row is not None else 1
        await conn.execute(
            "INSERT OR REPLACE INTO counters (account_id, kind, next_id) VALUES (?, ?, ?)",
            (account_id, kind, first + count),
        )
        return first

    def visible_from(self, account_id: int) -> int | None:
        """When a record of ``account_id`` written now may be listed (None: at once)."""
        delay = max(
            self.visibility_delays_us.get(None, 0), self.visibility_delays_us.get(account_id, 0)
        )
        return now_us() + delay if delay > 0 else None

    async def put_record(
        self, conn: aiosqlite.Connection, account_id: int, kind: str, rec: Row
    ) -> None:
        """Insert or replace one record; ``rec`` carries body and its index columns."""
        await conn.execute(
            "INSERT OR REPLACE INTO records"
            " (account_id, kind, id, created_us, updated_us, aux_us, name_key, body, visible_us)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account_id,
                kind,
                rec["id"],
                rec["created_us"],
                rec["updated_us"],
                rec.get("aux_us"),
                rec.get("name_key", ""),
                json.dumps(rec["body"], ensure_ascii=False),
                self.visible_from(account_id),
            ),
        )

    async def record(self, account_id: int, kind: str, record_id: int) -> Row | None:
        row = await self.fetchone(
            "SELECT * FROM records WHERE account_id = ? AND kind = ? AND id = ?",
            (account_id, kind, record_id),
        )
        if row is not None:
            row["body"] = json.loads(row["body"])
        return row

    async def bodies(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        """Run a ``SELECT body ...`` and decode every body."""
        async with self._conn.execute(sql, params) as cursor:
            return [json.loads(row[0]) for row in await cursor.fetchall()]

    async def count(self, sql: str, params: Sequence[Any]) -> int:
        async with self._conn.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row is not None else 0

    # -- custom field values ----------------------------------------------------------------
    async def cf_values(
        self, account_id: int, kind: str, record_ids: Iterable[int]
    ) -> dict[int, dict[int, Any]]:
        ids = list(record_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.fetchall(
            f"SELECT record_id, field_id, value FROM cf_values WHERE account_id = ? AND kind = ?"  # noqa: S608
            f" AND record_id IN ({marks})",
            (account_id, kind, *ids),
        )
        out: dict[int, dict[int, Any]] = {}
        for row in rows:
            out.setdefault(int(row["record_id"]), {})[int(row["field_id"])] = json.loads(
                row["value"]
            )
        return out

    # -- call log ---------------------------------------------------------------------------
    async def log_call(self, entry: CallEntry) -> None:
        self._pending_calls.append(entry)
        if len(self._pending_calls) >= CALL_FLUSH_AT:
            await self.flush_calls()

    async def flush_calls(self) -> None:
        if not self._pending_calls:
            return
        batch, self._pending_calls = self._pending_calls, []
        async with self.transaction() as conn:
            await conn.executemany(
                f"INSERT INTO calls ({', '.join(CALL_COLUMNS)})"  # noqa: S608 - constant columns
                f" VALUES ({', '.join('?' * len(CALL_COLUMNS))})",
                batch,
            )

    async def calls(
        self, account_id: int | None, client_id: str | None, since_seq: int, limit: int
    ) -> list[Row]:
        await self.flush_calls()
        where: list[str] = ["seq > ?"]
        params: list[Any] = [since_seq]
        if account_id is not None:
            where.append("account_id = ?")
            params.append(account_id)
        if client_id is not None:
            where.append("client_id = ?")
            params.append(client_id)
        return await self.fetchall(
            f"SELECT * FROM calls WHERE {' AND '.join(where)} ORDER BY seq LIMIT ?",  # noqa: S608
            (*params, limit),
        )

    async def reset(self, account_id: int | None) -> None:
        """Forget data: one account's records (keeping account and clients), or everything."""
        self._pending_calls = [c for c in self._pending_calls if account_id not in (None, c[0])]
        async with self.transaction() as conn:
            if account_id is None:
                for table in ("accounts", "clients", "counters", "records", "links", "cf_values"):
                    await conn.execute(f"DELETE FROM {table}")  # noqa: S608
                await conn.execute("DELETE FROM calls")
                return
            for table in ("counters", "records", "links", "cf_values", "calls"):
                await conn.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))  # noqa: S608
