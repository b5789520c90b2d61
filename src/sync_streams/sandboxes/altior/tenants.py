"""Tenants, API keys, per-tenant settings (faults, quotas) and the call log.

API keys are stored hashed: the sandbox shows a key once, when it is created,
like a real key vault would.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

from sync_streams.sandboxes.altior.positions import format_stamp
from sync_streams.sandboxes.altior.reference import add_reference
from sync_streams.sandboxes.altior.store import Store, hash_key, new_api_key

BUSINESS_KINDS = ("third_party", "contact", "affaire", "quote", "order")


def now_stamp() -> str:
    return format_stamp(datetime.now(UTC))


async def create_tenant(
    store: Store, name: str, reference: dict[str, Any], api_key: str | None = None
) -> dict[str, Any]:
    """A tenant with its reference data and a first API key (``ValueError`` if taken)."""
    async with store.transaction() as tx:
        rows = await tx.db.execute_fetchall("SELECT id FROM tenants WHERE name = ?", (name,))
        if list(rows):
            raise ValueError(f"le tenant {name!r} existe déjà")
        cursor = await tx.db.execute(
            "INSERT INTO tenants (name, created_at) VALUES (?, ?)", (name, now_stamp())
        )
        tenant_id = int(cursor.lastrowid or 0)
        await add_reference(tx, tenant_id, reference)
        key, key_id = await _insert_key(tx.db, tenant_id, api_key)
    return {"tenant_id": tenant_id, "name": name, "api_key": key, "key_id": key_id}


async def add_api_key(store: Store, tenant_id: int, api_key: str | None = None) -> dict[str, Any]:
    async with store.transaction() as tx:
        key, key_id = await _insert_key(tx.db, tenant_id, api_key)
    return {"tenant_id": tenant_id, "api_key": key, "key_id": key_id}


async def _insert_key(db: Any, tenant_id: int, api_key: str | None) -> tuple[str, int]:
    key = api_key or new_api_key()
    rows = await db.execute_fetchall("SELECT id FROM api_keys WHERE key_hash = ?", (hash_key(key),))
    if list(rows):
        raise ValueError("cette clé d'API est déjà utilisée")
    cursor = await db.execute(
        "INSERT INTO api_keys (tenant_id, key_hash, created_at) VALUES (?, ?, ?)",
        (tenant_id, hash_key(key), now_stamp()),
    )
    return key, int(cursor.lastrowid or 0)


async def revoke_key(store: Store, key_id: int) -> bool:
    async with store.transaction() as tx:
        cursor = await tx.db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ?", (key_id,))
        return bool(cursor.rowcount)


async def resolve_key(store: Store, api_key: str) -> tuple[int, int] | None:
    """``(tenant_id, key_id)`` of a live key, else None."""
    rows = await store.fetch(
        "SELECT tenant_id, id FROM api_keys WHERE key_hash = ? AND revoked = 0",
        (hash_key(api_key),),
    )
    return (int(rows[0][0]), int(rows[0][1])) if rows else None


async def list_tenants(store: Store) -> list[dict[str, Any]]:
    tenants = await store.fetch("SELECT id, name, created_at FROM tenants ORDER BY id")
    keys = await store.fetch("SELECT tenant_id, id, revoked FROM api_keys ORDER BY id")
    result = []
    for tenant_id, name, created_at in tenants:
        result.append(
            {
                "tenant_id": tenant_id,
                "name": name,
                "created_at": created_at,
                "keys": [{"key_id": k, "revoked": bool(r)} for t, k, r in keys if t == tenant_id],
            }
        )
    return result


async def tenant_exists(store: Store, tenant_id: int) -> bool:
    return bool(await store.fetch("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)))


async def tenant_id_by_name(store: Store, name: str) -> int | None:
    rows = await store.fetch("SELECT id FROM tenants WHERE name = ?", (name,))
    return int(rows[0][0]) if rows else None


async def load_settings(store: Store) -> dict[int, dict[str, Any]]:
    rows = await store.fetch("SELECT id, settings FROM tenants")
    return {int(tenant_id): json.loads(settings) for tenant_id, settings in rows}


async def save_settings(store: Store, tenant_id: int, settings: dict[str, Any]) -> None:
    async with store.transaction() as tx:
        await tx.db.execute(
            "UPDATE tenants SET settings = ? WHERE id = ?", (json.dumps(settings), tenant_id)
        )


async def reset_tenant(store: Store, tenant_id: int) -> None:
    """Forget a tenant's business records, external references and call log."""
    marks = ",".join("?" * len(BUSINESS_KINDS))
    async with store.transaction() as tx:
        await tx.db.execute(
            f"DELETE FROM records WHERE tenant_id = ? AND kind IN ({marks})",  # noqa: S608
            (tenant_id, *BUSINESS_KINDS),
        )
        await tx.db.execute("DELETE FROM external_refs WHERE tenant_id = ?", (tenant_id,))
        await tx.db.execute("DELETE FROM sequences WHERE tenant_id = ?", (tenant_id,))
        await tx.db.execute("DELETE FROM calls WHERE tenant_id = ?", (tenant_id,))
        await tx.db.execute("UPDATE tenants SET settings = '{}' WHERE id = ?", (tenant_id,))


async def reset_all(store: Store) -> None:
    async with store.transaction() as tx:
        for table in ("records", "external_refs", "sequences", "calls", "api_keys", "tenants"):
            await tx.db.execute(f"DELETE FROM {table}")  # noqa: S608


async def log_call(store: Store, entry: dict[str, Any]) -> None:
    async with store.transaction() as tx:
        await tx.db.execute(
            "INSERT INTO calls (tenant_id, key_id, at, method, path, query, status, user, body,"
            " fault, duration_ms) VALUES (:tenant_id, :key_id, :at, :method, :path, :query,"
            " :status, :user, :body, :fault, :duration_ms)",
            entry,
        )


async def read_calls(
    store: Store, tenant_id: int, *, key_id: int | None, after_id: int, limit: int
) -> list[dict[str, Any]]:
    sql = (
        "SELECT id, key_id, at, method, path, query, status, user, body, fault, duration_ms"
        " FROM calls WHERE tenant_id = ? AND id > ?"
    )
    params: list[Any] = [tenant_id, after_id]
    if key_id is not None:
        sql += " AND key_id = ?"
        params.append(key_id)
    rows = await store.fetch(sql + " ORDER BY id LIMIT ?", (*params, limit))
    names = (
        "id",
        "key_id",
        "at",
        "method",
        "path",
        "query",
        "status",
        "user",
        "body",
        "fault",
        "duration_ms",
    )
    calls = []
    for row in rows:
        call = dict(zip(names, row, strict=True))
        if call["body"]:
            with contextlib.suppress(ValueError):
                call["body"] = json.loads(call["body"])
        calls.append(call)
    return calls
