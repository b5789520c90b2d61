"""Applying a seed document: the admin ``seed`` call and the ``--seed FILE`` option.

A seed document for one account::

    {"companies": [<POST /companies body> + optional "updated_at"], "individuals": [...],
     "contacts": [<POST /contacts body> + optional "updated"], "opportunities": [...],
     "links": [{"company_id": 1, "contact_id": 1, "roles": ["main"]}],
     "custom_field_values": [{"object": "company", "id": 1, "values": [{"id": 1, "value": true}]}],
     "generate": {"companies": 10000, "contacts": 50}}

Records are validated like the API validates them; ids are answered in order.
Seeded links and custom field values do not move the records' update timestamps.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync_streams.sandboxes.sellsy import customfields, records, seed
from sync_streams.sandboxes.sellsy.core import Sandbox
from sync_streams.sandboxes.sellsy.errors import SellsyError, validation_error
from sync_streams.sandboxes.sellsy.links import store_link
from sync_streams.sandboxes.sellsy.models import OpportunityCreate, parse
from sync_streams.sandboxes.sellsy.opportunities import save_new
from sync_streams.sandboxes.sellsy.settings import AccountSettings, merged

SEED_KEYS = {"companies", "individuals", "contacts", "opportunities", "links",
             "custom_field_values", "generate"}  # fmt: skip
CF_OBJECTS = {"company", "individual", "contact", "opportunity"}


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "Compte Sellsy"
    client_id: str | None = Field(default=None, min_length=8)
    client_secret: str | None = Field(default=None, min_length=8)
    settings: dict[str, Any] = Field(default_factory=dict)
    seed_defaults: bool = True


async def new_account(sandbox: Sandbox, spec: NewAccount) -> dict[str, Any]:
    """Create an account with one API client (fixed credentials if given)."""
    settings = merged(AccountSettings(), spec.settings)
    if spec.client_id and await sandbox.store.client(spec.client_id) is not None:
        raise SellsyError(409, f"Le client API {spec.client_id} existe déjà.", context="admin")
    account_id = await sandbox.create_account(spec.name, settings)
    client_id, secret = await sandbox.create_client(
        account_id, "API client", client_id=spec.client_id, secret=spec.client_secret
    )
    if spec.seed_defaults:
        await seed.seed_defaults(sandbox, account_id)
    return {"account_id": account_id, "client_id": client_id, "client_secret": secret,
            "settings": settings.model_dump()}  # fmt: skip


async def apply_seed(sandbox: Sandbox, account_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    unknown = set(payload) - SEED_KEYS
    if unknown:
        raise validation_error({key: "Clé de seed inconnue." for key in sorted(unknown)})
    generate = payload.get("generate") or {}
    result: dict[str, Any] = {}
    for group in ("companies", "individuals", "contacts"):
        items = list(payload.get(group) or [])
        count = int(generate.get(group, 0))
        if count:  # number generated records after the existing ones: unique names/SIRETs
            start = 1 + await sandbox.store.count(
                "SELECT COUNT(*) FROM records WHERE account_id = ? AND kind = ?",
                (account_id, seed.SEED_KINDS[group]),
            )
            if group == "companies":
                items += seed.generated_companies(count, start)
            elif group == "contacts":
                items += seed.generated_contacts(count, start)
        if items:
            result[group] = await seed.bulk_records(sandbox, account_id, group, items)
    opportunities = []
    for index, item in enumerate(payload.get("opportunities") or []):
        model = parse(OpportunityCreate, item, f"opportunities.{index}.")
        body = await save_new(sandbox.store, account_id, model, sandbox.clock.now_us())
        opportunities.append(body["id"])
    if opportunities:
        result["opportunities"] = opportunities
    for index, link in enumerate(payload.get("links") or []):
        if not isinstance(link, dict) or not {"company_id", "contact_id"} <= set(link):
            raise validation_error({f"links.{index}": "company_id et contact_id attendus."})
        await store_link(
            sandbox.store, account_id, int(link["company_id"]), int(link["contact_id"]),
            link.get("roles"), create=True, now_us=sandbox.clock.now_us(), touch=False,
        )  # fmt: skip
    result["links"] = len(payload.get("links") or [])
    result["custom_field_values"] = await _values(
        sandbox, account_id, payload.get("custom_field_values") or []
    )
    return result


async def _values(sandbox: Sandbox, account_id: int, entries: list[Any]) -> int:
    definitions = await customfields.definitions(sandbox.store, account_id)
    rows: list[tuple[int, str, int, int, str]] = []
    problems: dict[str, str] = {}
    for index, entry in enumerate(entries):
        where = f"custom_field_values.{index}"
        kind = entry.get("object") if isinstance(entry, dict) else None
        if kind not in CF_OBJECTS or not isinstance(entry.get("id"), int):
            problems[where] = "object (company|individual|contact|opportunity) et id attendus."
            continue
        row = await sandbox.store.record(account_id, kind, entry["id"])
        if row is None:
            problems[f"{where}.id"] = f"{kind} {entry['id']} introuvable."
            continue
        objects = records.KINDS[kind].cf_objects(row["body"]) if kind in records.KINDS else {kind}
        for position, (field_id, value) in enumerate(
            customfields.parse_values(entry.get("values", []))
        ):
            field = definitions.get(field_id)
            reason = (
                "Champ personnalisé introuvable pour cet objet."
                if field is None or not customfields.applies(field, objects)
                else customfields.check_value(field, value)
            )
            if reason:
                problems[f"{where}.values.{position}"] = reason
            rows.append((account_id, kind, entry["id"], field_id, json.dumps(value)))
    if problems:
        raise validation_error(problems)
    async with sandbox.store.transaction() as conn:
        await conn.executemany(
            "INSERT OR REPLACE INTO cf_values (account_id, kind, record_id, field_id, value)"
            " VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


async def load_seed_file(sandbox: Sandbox, path: str | Path) -> list[dict[str, Any]]:
    """Create the accounts of a seed file, once: skipped when accounts already exist.

    File shape: ``{"accounts": [{"name", "client_id"?, "client_secret"?, "settings"?,
    "seed"?: <seed document>}]}``.  Returns what was created (with credentials).
    """
    if await sandbox.store.accounts():
        return []
    document = json.loads(await asyncio.to_thread(Path(path).read_text, encoding="utf-8"))
    created = []
    for spec in document.get("accounts", []):
        seed_doc = spec.pop("seed", None) or {}
        account = await new_account(sandbox, NewAccount.model_validate(spec))
        account["seeded"] = await apply_seed(sandbox, account["account_id"], seed_doc)
        created.append(account)
    return created
