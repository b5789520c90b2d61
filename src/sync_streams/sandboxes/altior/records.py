"""Contract handlers for third parties, contacts and affaires (list, get, create, update).

The three share one flow -- validate, check links, write in one transaction, claim
external references -- and differ only by their ``RecordType``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior import entities
from sync_streams.sandboxes.altior.fields import normalise_siret
from sync_streams.sandboxes.altior.inputs import acting_user, json_response, path_id, read_body
from sync_streams.sandboxes.altior.listing import (
    external_ref_filter,
    json_filter,
    page_response,
    query_bool,
    query_choice,
    query_int,
)
from sync_streams.sandboxes.altior.merge import apply_changes, same_content
from sync_streams.sandboxes.altior.problems import (
    ApiProblem,
    Problems,
    bad_request,
    conflict,
    not_found,
    precondition_failed,
)
from sync_streams.sandboxes.altior.reference import Reference
from sync_streams.sandboxes.altior.state import state_of, tenant_of
from sync_streams.sandboxes.altior.store import DuplicateRef, Transaction, Where

Handler = Callable[[web.Request], Awaitable[web.Response]]


def bind(handler: Callable[..., Awaitable[web.Response]], *args: Any) -> Handler:
    """A route handler calling ``handler(request, *args)``."""

    async def bound(request: web.Request) -> web.Response:
        return await handler(request, *args)

    return bound


Validator = Callable[[dict[str, Any], Reference, dict[str, Any] | None], dict[str, Any]]


@dataclass(frozen=True)
class RecordType:
    kind: str
    label: str
    validate: Validator
    defaults: Callable[[], dict[str, Any]]


def _person_defaults() -> dict[str, Any]:
    return {"civility": None, "first_name": None, "last_name": None}


def _channel_defaults() -> dict[str, Any]:
    return {
        "emails": [],
        "phones": [],
        "urls": [],
        "custom_fields": {},
        "external_references": [],
        "archived": False,
    }


THIRD_PARTY = RecordType(
    "third_party",
    "Tiers",
    entities.third_party_changes,
    lambda: {
        "kind": None,
        "name": None,
        **_person_defaults(),
        "siret": None,
        "establishment_id": None,
        "created_by": None,
        "updated_by": None,
        **_channel_defaults(),
    },
)
CONTACT = RecordType(
    "contact",
    "Contact",
    entities.contact_changes,
    lambda: {
        **_person_defaults(),
        "position": None,
        "third_party_id": None,
        "establishment_id": None,
        "created_by": None,
        "updated_by": None,
        **_channel_defaults(),
    },
)
AFFAIRE = RecordType(
    "affaire",
    "Affaire",
    entities.affaire_changes,
    lambda: {
        "reference": None,
        "name": None,
        "third_party_id": None,
        "establishment_ids": [],
        "amount": None,
        "status": "open",
        "closed_at": None,
        "custom_fields": {},
        "external_references": [],
        "created_by": None,
        "updated_by": None,
    },
)


async def check_links(tx: Transaction, tenant_id: int, changes: dict[str, Any]) -> None:
    third_party_id = changes.get("third_party_id")
    if (
        third_party_id is not None
        and await tx.get(tenant_id, "third_party", third_party_id) is None
    ):
        p = Problems()
        p.add("third_party_id", f"Tiers inconnu : {third_party_id}")
        p.raise_if_any()


async def claim(tx: Transaction, tenant_id: int, rt: RecordType, record: dict[str, Any]) -> None:
    try:
        await tx.claim_refs(tenant_id, rt.kind, record["id"], record.get("external_references", []))
    except DuplicateRef as dup:
        ref = record["external_references"][dup.index]
        raise conflict(
            "duplicate_external_reference",
            f"La référence externe {ref['codification']}/{ref['key']}={ref['value']} est déjà "
            f"portée par l'enregistrement {dup.holder}",
            f"external_references[{dup.index}]",
            dup.holder,
        ) from None


async def ensure_reference(
    tx: Transaction, tenant_id: int, record: dict[str, Any], own_id: int | None = None
) -> None:
    """Give an affaire a unique ``reference`` (generated ``AFF-YYYY-NNNNN`` when absent)."""

    async def taken(reference: str) -> bool:
        rows = await tx.db.execute_fetchall(
            "SELECT id FROM records WHERE tenant_id = ? AND kind = 'affaire'"
            " AND json_extract(data, '$.reference') = ? AND id IS NOT ?",
            (tenant_id, reference, own_id),
        )
        return bool(list(rows))

    if record.get("reference"):
        if await taken(record["reference"]):
            raise conflict(
                "duplicate_reference",
                f"Référence d'affaire déjà utilisée : {record['reference']}",
                "reference",
            )
        return
    while True:
        number = await tx.next_sequence(tenant_id, "affaire")
        candidate = f"AFF-{datetime.now(UTC).year}-{number:05d}"
        if not await taken(candidate):
            record["reference"] = candidate
            return


def finish(rt: RecordType, stored: dict[str, Any] | None, record: dict[str, Any]) -> None:
    """Derived fields: a natural person's name follows its names unless set by hand."""
    if rt is not THIRD_PARTY or record.get("kind") != "physique":
        return
    if stored is None:
        record["name"] = record.get("name") or entities.derived_name(record)
    elif record["name"] == stored["name"] and stored["name"] == entities.derived_name(stored):
        record["name"] = entities.derived_name(record)


def prepare(rt: RecordType, body: dict[str, Any], ref: Reference, user: int) -> dict[str, Any]:
    """Validate a create body into the record to store (no I/O)."""
    record = apply_changes(rt.defaults(), rt.validate(body, ref, None))
    record["created_by"] = record["updated_by"] = user
    finish(rt, None, record)
    return record


async def store_new(
    tx: Transaction, tenant_id: int, rt: RecordType, record: dict[str, Any]
) -> dict[str, Any]:
    """Links, affaire reference, insert and external references, inside ``tx``."""
    await check_links(tx, tenant_id, record)
    if rt is AFFAIRE:
        await ensure_reference(tx, tenant_id, record)
    record = await tx.insert(tenant_id, rt.kind, record, siret=record.get("siret"))
    await claim(tx, tenant_id, rt, record)
    return record


async def create(request: web.Request, rt: RecordType) -> web.Response:
    state, tenant_id = state_of(request), tenant_of(request)
    body = await read_body(request)
    ref = await state.reference(tenant_id)
    record = prepare(rt, body, ref, acting_user(request, body, ref))
    async with state.store.transaction() as tx:
        record = await store_new(tx, tenant_id, rt, record)
    return json_response(record, status=201)


async def update(request: web.Request, rt: RecordType) -> web.Response:
    state, tenant_id = state_of(request), tenant_of(request)
    record_id = path_id(request, rt.label)
    body = await read_body(request)
    ref = await state.reference(tenant_id)
    user = acting_user(request, body, ref)
    async with state.store.transaction() as tx:
        stored = await tx.get(tenant_id, rt.kind, record_id)
        if stored is None:
            raise not_found(rt.label)
        check_precondition(request, stored)
        changes = rt.validate(body, ref, stored)
        await check_links(tx, tenant_id, changes)
        record = apply_changes(stored, changes)
        finish(rt, stored, record)
        if same_content(stored, record):
            return json_response(stored)
        record["updated_by"] = user
        record = await tx.update(record, siret=record.get("siret"))
        if "external_references" in changes:
            await claim(tx, tenant_id, rt, record)
    return json_response(record)


def check_precondition(request: web.Request, stored: dict[str, Any]) -> None:
    """``If-Match: "<updated_at>"``: write only if the record is still at that version
    (``*`` or no header: unconditional), else 412 and nothing is written."""
    wanted = request.headers.get("If-Match")
    if wanted is None or wanted.strip() == "*":
        return
    current = str(stored.get("updated_at"))
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in wanted.split(",")]
    if _instant(current) not in {_instant(tag) for tag in tags}:
        raise precondition_failed(current)


def _instant(stamp: str) -> datetime | str:
    """An RFC 3339 stamp as an instant (any spelling of it matches), else as text."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def get(request: web.Request, kind: str, label: str) -> web.Response:
    record = await state_of(request).store.get(tenant_of(request), kind, path_id(request, label))
    if record is None:
        raise not_found(label)
    return json_response(record)


def _filters(request: web.Request, rt: RecordType) -> Where:
    tenant_id = tenant_of(request)
    where: list[tuple[str, Any]] = list(external_ref_filter(request, tenant_id, rt.kind))
    archived = query_bool(request, "archived") if rt is not AFFAIRE else None
    if archived is not None:
        where.append(json_filter("archived", int(archived)))
    if rt is THIRD_PARTY:
        siret = request.query.get("siret")
        if siret is not None:
            digits = normalise_siret(siret)
            if digits is None:
                raise bad_request(f"SIRET invalide (14 chiffres attendus) : {siret!r}", "siret")
            where.append(("siret = ?", [digits]))
        kind = query_choice(request, "kind", entities.THIRD_PARTY_KINDS)
        if kind is not None:
            where.append(json_filter("kind", kind))
    else:
        third_party_id = query_int(request, "third_party_id")
        if third_party_id is not None:
            where.append(json_filter("third_party_id", third_party_id))
    if rt is CONTACT:
        linked = query_bool(request, "linked")
        if linked is not None:
            null = "IS NOT NULL" if linked else "IS NULL"
            where.append((f"json_extract(data, '$.third_party_id') {null}", []))
    if rt is AFFAIRE:
        status = query_choice(request, "status", entities.AFFAIRE_STATUSES)
        if status is not None:
            where.append(json_filter("status", status))
        reference = request.query.get("reference")
        if reference is not None:
            where.append(json_filter("reference", reference))
    return where


async def listing(request: web.Request, rt: RecordType) -> web.Response:
    return await page_response(request, rt.kind, _filters(request, rt))


def routes(prefix: str) -> list[web.RouteDef]:
    table = []
    for path, rt in (
        ("/third-parties", THIRD_PARTY),
        ("/contacts", CONTACT),
        ("/affaires", AFFAIRE),
    ):
        table += [
            web.get(prefix + path, bind(listing, rt)),
            web.post(prefix + path, bind(create, rt)),
            web.get(prefix + path + "/{id}", bind(get, rt.kind, rt.label)),
            web.patch(prefix + path + "/{id}", bind(update, rt)),
        ]
    return table


__all__ = ["AFFAIRE", "CONTACT", "THIRD_PARTY", "ApiProblem", "RecordType", "routes"]
