"""Companies, individuals and contacts: bodies as the spec shows them, and writes.

A record is stored exactly as it is answered (every response field present,
``null`` when empty), with index columns beside it for ordering and filters.
Every write sets the record's ``updated_at`` (``updated`` for contacts) from
the sandbox clock, so a poller filtering on it sees each change.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sync_streams.sandboxes.sellsy import models
from sync_streams.sandboxes.sellsy.clock import parse_iso, to_iso, to_us
from sync_streams.sandboxes.sellsy.errors import not_found, validation_error
from sync_streams.sandboxes.sellsy.store import Store

SOCIAL = {"twitter": None, "facebook": None, "linkedin": None, "viadeo": None}
SYNC = {"mailchimp": False, "mailjet": False, "simplemail": False}
LEGAL_FRANCE = dict.fromkeys(
    ("siret", "siren", "vat", "ape_naf_code", "company_type", "rcs_immatriculation")
)
DEFAULT_OWNER = {"id": 1, "type": "staff"}
CHANNELS = dict.fromkeys(("email", "website", "phone_number", "mobile_number", "fax_number"))
THIRD_PARTY_IDS = dict.fromkeys(
    (
        "rate_category_id",
        "main_contact_id",
        "dunning_contact_id",
        "invoicing_contact_id",
        "invoicing_address_id",
        "delivery_address_id",
        "accounting_code_id",
        "accounting_purchase_code_id",
    )
)


def _company() -> dict[str, Any]:
    return {
        "type": "prospect", "name": "", **CHANNELS, "legal_france": dict(LEGAL_FRANCE),
        "capital": None, "reference": None, "note": "", "auxiliary_code": None,
        "social": dict(SOCIAL), **THIRD_PARTY_IDS, "owner": dict(DEFAULT_OWNER),
        "is_archived": False, "business_segment": None, "number_of_employees": None,
        "marketing_campaigns_subscriptions": [],
    }  # fmt: skip


def _individual() -> dict[str, Any]:
    return {
        "type": "prospect", "last_name": "", "first_name": None, "civility": None, **CHANNELS,
        "reference": None, "note": "", "auxiliary_code": None, "social": dict(SOCIAL),
        **THIRD_PARTY_IDS, "owner": dict(DEFAULT_OWNER), "is_archived": False,
        "marketing_campaigns_subscriptions": [], "sync": dict(SYNC),
    }  # fmt: skip


def _contact() -> dict[str, Any]:
    return {
        "civility": None, "first_name": None, "last_name": "", **CHANNELS, "position": None,
        "birth_date": None, "avatar": None, "note": "", "invoicing_address_id": None,
        "delivery_address_id": None, "social": dict(SOCIAL), "sync": dict(SYNC),
        "owner": dict(DEFAULT_OWNER), "is_archived": False,
        "marketing_campaigns_subscriptions": [],
    }  # fmt: skip


def _person_key(body: dict[str, Any]) -> str:
    return f"{body.get('last_name') or ''} {body.get('first_name') or ''}".strip().lower()


@dataclass(frozen=True)
class Kind:
    """What differs between companies, individuals and contacts."""

    name: str
    label: str
    create: type[BaseModel]
    update: type[BaseModel]
    defaults: Callable[[], dict[str, Any]]
    updated_field: str
    name_key: Callable[[dict[str, Any]], str]
    cf_objects: Callable[[dict[str, Any]], set[str]]
    """Which ``related_object`` values make a custom field apply to a record."""


def _third_objects(body: dict[str, Any]) -> set[str]:
    return {str(body.get("type", "prospect"))}


KINDS: dict[str, Kind] = {
    "company": Kind(
        "company", "Société", models.CompanyCreate, models.CompanyUpdate, _company,
        "updated_at", lambda b: str(b.get("name", "")).lower(), _third_objects,
    ),
    "individual": Kind(
        "individual", "Particulier", models.IndividualCreate, models.IndividualUpdate,
        _individual, "updated_at", _person_key, _third_objects,
    ),
    "contact": Kind(
        "contact", "Contact", models.ContactCreate, models.ContactUpdate, _contact,
        "updated", _person_key, lambda _b: {"contact"},
    ),
}  # fmt: skip


def apply_changes(body: dict[str, Any], changes: dict[str, Any]) -> None:
    """Merge validated request fields into a stored body (the spec's shapes)."""
    for key, value in changes.items():
        if key in ("legal_france", "social", "sync") and isinstance(value, dict):
            body[key] = {**body.get(key, {}), **value}
        elif key in ("business_segment", "number_of_employees"):
            body[key] = None if value is None else {"id": value, "label": f"{key} {value}"}
        elif key == "owner_id":
            body["owner"] = {"id": value, "type": "staff"} if value else dict(DEFAULT_OWNER)
        elif key == "marketing_campaigns_subscriptions":
            body[key] = list(dict.fromkeys(value or []))
        else:
            body[key] = value


def index_row(kind: Kind, body: dict[str, Any], created_us: int, updated_us: int) -> dict[str, Any]:
    return {
        "id": body["id"],
        "created_us": created_us,
        "updated_us": updated_us,
        "name_key": kind.name_key(body),
        "body": body,
    }


def created_of(model: BaseModel, now_us: int) -> int:
    """The creation instant a client may impose (``created``), else now."""
    created = getattr(model, "created", None)
    if created is None:
        return now_us
    if isinstance(created, str):
        try:
            return parse_iso(created)
        except ValueError as exc:
            raise validation_error({"created": "Date et heure invalides (ISO 8601)."}) from exc
    return to_us(created)


async def create(
    store: Store,
    account_id: int,
    kind: Kind,
    model: BaseModel,
    now_us: int,
    *,
    updated_us: int | None = None,
) -> dict[str, Any]:
    """Insert a record from a validated create model; returns its body."""
    changes = model.model_dump(exclude_unset=True, mode="json")
    changes.pop("created", None)
    created_us = created_of(model, now_us)
    async with store.transaction() as conn:
        record_id = await store.next_id(conn, account_id, kind.name)
        body = {"id": record_id, **kind.defaults()}
        apply_changes(body, changes)
        stamp = updated_us if updated_us is not None else now_us
        body["created"] = to_iso(created_us)
        body[kind.updated_field] = to_iso(stamp)
        await store.put_record(
            conn, account_id, kind.name, index_row(kind, body, created_us, stamp)
        )
    return body


async def update(
    store: Store, account_id: int, kind: Kind, record_id: int, model: BaseModel, now_us: int
) -> dict[str, Any]:
    """Apply a validated partial update; always moves ``updated_at``/``updated``."""
    changes = model.model_dump(exclude_unset=True, mode="json")
    async with store.transaction() as conn:
        row = await store.record(account_id, kind.name, record_id)
        if row is None:
            raise not_found(kind.label, record_id)
        body: dict[str, Any] = copy.deepcopy(row["body"])
        apply_changes(body, changes)
        body[kind.updated_field] = to_iso(now_us)
        await store.put_record(
            conn, account_id, kind.name, index_row(kind, body, row["created_us"], now_us)
        )
    return body


async def touch(store: Store, account_id: int, kind: Kind, record_id: int, now_us: int) -> None:
    """Move a record's update timestamp (a link or custom field value changed)."""
    async with store.transaction() as conn:
        row = await store.record(account_id, kind.name, record_id)
        if row is None:
            return
        body = row["body"]
        body[kind.updated_field] = to_iso(now_us)
        await store.put_record(
            conn, account_id, kind.name, index_row(kind, body, row["created_us"], now_us)
        )


async def get(store: Store, account_id: int, kind: Kind, record_id: int) -> dict[str, Any]:
    row = await store.record(account_id, kind.name, record_id)
    if row is None:
        raise not_found(kind.label, record_id)
    body: dict[str, Any] = row["body"]
    return body
