"""Contact <-> company links: ``POST|PUT|DELETE /companies/{companyId}/contacts/{contactId}``,
``GET /contacts/{id}/companies`` and ``GET /companies/{id}/contacts``.

Roles (main, invoicing, dunning) set the company's ``main_contact_id`` /
``invoicing_contact_id`` / ``dunning_contact_id``; a role held by another
contact moves to the new one.  As the spec notes, the first contact linked to
a company gets every role whatever was asked.  A link change moves both the
contact's ``updated`` and the company's ``updated_at`` (sandbox choice).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite
from aiohttp import web

from sync_streams.sandboxes.sellsy import records
from sync_streams.sandboxes.sellsy.api_crm import list_page
from sync_streams.sandboxes.sellsy.clock import to_iso
from sync_streams.sandboxes.sellsy.core import read_json, sandbox_of
from sync_streams.sandboxes.sellsy.errors import SellsyError
from sync_streams.sandboxes.sellsy.models import LinkRoles, parse
from sync_streams.sandboxes.sellsy.search import Where
from sync_streams.sandboxes.sellsy.store import Store
from sync_streams.sandboxes.sellsy.views import account_of, record_id

ROLE_FIELDS = {"main": "main_contact_id", "invoicing": "invoicing_contact_id",
               "dunning": "dunning_contact_id"}  # fmt: skip
COMPANY = records.KINDS["company"]
CONTACT = records.KINDS["contact"]


async def _save_company(
    conn: aiosqlite.Connection,
    store: Store,
    account_id: int,
    company: dict[str, Any],
    now_us: int | None,
) -> None:
    """Store the company's new role fields; ``now_us=None`` keeps its ``updated_at``."""
    row = await store.record(account_id, "company", company["id"])
    assert row is not None
    updated_us = row["updated_us"] if now_us is None else now_us
    company["updated_at"] = to_iso(updated_us)
    await store.put_record(
        conn,
        account_id,
        "company",
        records.index_row(COMPANY, company, row["created_us"], updated_us),
    )


async def store_link(
    store: Store,
    account_id: int,
    company_id: int,
    contact_id: int,
    roles: Sequence[str] | None,
    *,
    create: bool,
    now_us: int,
    touch: bool = True,
) -> bool:
    """Link (or re-role) a contact; True if the link existed before.

    Raises 404 for an unknown company or contact, or (update) a missing link.
    ``touch=False`` (seeding) leaves both records' update timestamps alone.
    """
    company = await records.get(store, account_id, COMPANY, company_id)
    await records.get(store, account_id, CONTACT, contact_id)
    async with store.transaction() as conn:
        async with conn.execute(
            "SELECT contact_id FROM links WHERE account_id = ? AND company_id = ?",
            (account_id, company_id),
        ) as cursor:
            linked = {int(row[0]) for row in await cursor.fetchall()}
        existed = contact_id in linked
        if not create and not existed:
            raise SellsyError(404, "Ce contact n'est pas lié à cette société.", context="not_found")
        if create and existed:
            return True
        given = list(dict.fromkeys(roles or []))
        granted = list(ROLE_FIELDS) if not (linked - {contact_id}) and create else given
        await conn.execute(
            "INSERT OR REPLACE INTO links (account_id, company_id, contact_id, roles)"
            " VALUES (?, ?, ?, ?)",
            (account_id, company_id, contact_id, json.dumps(granted)),
        )
        for role, field in ROLE_FIELDS.items():
            if role in granted:
                company[field] = contact_id
            elif company.get(field) == contact_id:
                company[field] = None
        await _save_company(conn, store, account_id, company, now_us if touch else None)
    if touch:
        await records.touch(store, account_id, CONTACT, contact_id, now_us + 1)
    return existed


async def _set_link(request: web.Request, *, create: bool) -> web.Response:
    sandbox = sandbox_of(request)
    payload = await read_json(request)
    wanted = parse(LinkRoles, payload if payload is not None else {}).roles
    existed = await store_link(
        sandbox.store,
        account_of(request),
        record_id(request, "companyId"),
        record_id(request, "contactId"),
        wanted,
        create=create,
        now_us=sandbox.clock.now_us(),
    )
    return web.Response(status=201 if create and not existed else 200)


async def link(request: web.Request) -> web.Response:
    return await _set_link(request, create=True)


async def update_link(request: web.Request) -> web.Response:
    return await _set_link(request, create=False)


async def unlink(request: web.Request) -> web.Response:
    sandbox = sandbox_of(request)
    store = sandbox.store
    account_id = account_of(request)
    company_id = record_id(request, "companyId")
    contact_id = record_id(request, "contactId")
    company = await records.get(store, account_id, COMPANY, company_id)
    now_us = sandbox.clock.now_us()
    async with store.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM links WHERE account_id = ? AND company_id = ? AND contact_id = ?",
            (account_id, company_id, contact_id),
        )
        if cursor.rowcount == 0:
            raise SellsyError(404, "Ce contact n'est pas lié à cette société.", context="not_found")
        for field in ROLE_FIELDS.values():
            if company.get(field) == contact_id:
                company[field] = None
        await _save_company(conn, store, account_id, company, now_us)
    await records.touch(store, account_id, CONTACT, contact_id, sandbox.clock.now_us())
    return web.Response(status=204)


async def companies_of_contact(request: web.Request) -> web.Response:
    account_id = account_of(request)
    contact_id = record_id(request)
    await records.get(sandbox_of(request).store, account_id, CONTACT, contact_id)
    where = Where()
    where.add(
        "id IN (SELECT company_id FROM links WHERE account_id = ? AND contact_id = ?)",
        account_id,
        contact_id,
    )
    return await list_page(request, "company", where)


async def contacts_of_company(request: web.Request) -> web.Response:
    account_id = account_of(request)
    company_id = record_id(request)
    await records.get(sandbox_of(request).store, account_id, COMPANY, company_id)
    where = Where()
    where.add(
        "id IN (SELECT contact_id FROM links WHERE account_id = ? AND company_id = ?)",
        account_id,
        company_id,
    )
    return await list_page(request, "contact", where)


def link_routes() -> list[web.RouteDef]:
    pair = r"/v2/companies/{companyId:\d+}/contacts/{contactId:\d+}"
    return [
        web.post(pair, link),
        web.put(pair, update_link),
        web.delete(pair, unlink),
        web.get(r"/v2/contacts/{id:\d+}/companies", companies_of_contact),
        web.get(r"/v2/companies/{id:\d+}/contacts", contacts_of_company),
    ]
