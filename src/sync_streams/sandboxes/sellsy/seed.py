"""What a new account starts with, and bulk loading of records.

Every account is created with the custom fields and pipelines the sync
expects (see ``DEFAULT_FIELDS`` / ``DEFAULT_PIPELINES``).  Bulk seeding
validates each record with the same models as the API (errors name
``companies.3.name``) and writes companies, individuals and contacts in one
transaction, so 10,000 companies load in about a second.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sync_streams.sandboxes.sellsy import customfields, records
from sync_streams.sandboxes.sellsy.clock import parse_iso, to_iso
from sync_streams.sandboxes.sellsy.core import Sandbox
from sync_streams.sandboxes.sellsy.errors import validation_error
from sync_streams.sandboxes.sellsy.models import parse

THIRD_AND_CONTACT = ["client", "prospect", "supplier", "contact"]
DEFAULT_FIELDS: list[dict[str, Any]] = [
    {"name": "Synchronisation Altior", "code": "synchronisation-altior", "type": "boolean",
     "related_object": THIRD_AND_CONTACT, "parameters": {"default_value": False}},
    {"name": "Canaux de contact préférés", "code": "canaux-contact", "type": "checkbox",
     "related_object": THIRD_AND_CONTACT, "items": ["E-mail", "Téléphone", "Courrier"]},
    {"name": "Référence Altior", "code": "reference-altior", "type": "simple-text",
     "related_object": [*THIRD_AND_CONTACT, "opportunity"],
     "parameters": {"default_value": None, "char_min": None, "char_max": 250}},
    {"name": "Synchronisation Altior (opportunités)", "code": "synchronisation-altior-opportunites",
     "type": "boolean", "related_object": ["opportunity"], "parameters": {"default_value": False}},
]  # fmt: skip
DEFAULT_PIPELINES: list[tuple[str, list[tuple[str, int]]]] = [
    ("Ventes", [("Prospection", 10), ("Qualification", 25), ("Signature", 50),
                ("Devis envoyé", 70), ("Commande reçue", 90), ("Clôturé", 100)]),
    ("Partenariats", [("Premier contact", 20), ("Négociation", 60), ("Accord signé", 100)]),
]  # fmt: skip
SEED_KINDS = {"companies": "company", "individuals": "individual", "contacts": "contact"}


async def add_custom_field(
    sandbox: Sandbox, account_id: int, spec: dict[str, Any]
) -> dict[str, Any]:
    """Create one definition; ``items`` (labels) build checkbox/select/radio choices."""
    store = sandbox.store
    now_us = sandbox.clock.now_us()
    async with store.transaction() as conn:
        field_id = await store.next_id(conn, account_id, "custom_field")
        parameters = dict(spec.get("parameters") or {})
        labels = spec.get("items")
        if labels:
            first = await store.next_id(conn, account_id, "cf_item", len(labels))
            if spec["type"] == "checkbox":  # select and radio have no min/max
                parameters.setdefault("min", None)
                parameters.setdefault("max", None)
            parameters["items"] = [
                {"id": first + i, "label": label, "checked": False, "rank": i + 1}
                for i, label in enumerate(labels)
            ]
        body = customfields.definition(
            field_id, spec["name"], spec["type"], spec["related_object"], parameters,
            code=spec.get("code"), description=spec.get("description", ""),
            mandatory=bool(spec.get("mandatory", False)), rank=field_id,
        )  # fmt: skip
        row = {"id": field_id, "created_us": now_us, "updated_us": now_us,
               "name_key": body["name"].lower(), "body": body}  # fmt: skip
        await store.put_record(conn, account_id, "custom_field", row)
    return body


async def seed_defaults(sandbox: Sandbox, account_id: int) -> None:
    for spec in DEFAULT_FIELDS:
        await add_custom_field(sandbox, account_id, spec)
    store = sandbox.store
    now_us = sandbox.clock.now_us()
    async with store.transaction() as conn:
        for rank, (name, steps) in enumerate(DEFAULT_PIPELINES):
            pipeline_id = await store.next_id(conn, account_id, "pipeline")
            pipeline = {"id": pipeline_id, "name": name, "is_default": rank == 0,
                        "step": len(steps), "rank": rank}  # fmt: skip
            await store.put_record(conn, account_id, "pipeline", _row(pipeline, now_us))
            for step_rank, (step_name, probability) in enumerate(steps):
                step_id = await store.next_id(conn, account_id, "step")
                step = {"id": step_id, "name": step_name, "probability": probability,
                        "rank": step_rank, "__sandbox": {"pipeline_id": pipeline_id}}  # fmt: skip
                await store.put_record(conn, account_id, "step", _row(step, now_us))


def _row(body: dict[str, Any], now_us: int) -> dict[str, Any]:
    return {"id": body["id"], "created_us": now_us, "updated_us": now_us,
            "name_key": str(body.get("name", "")).lower(), "body": body}  # fmt: skip


def _stamp(item: dict[str, Any], key: str, where: str) -> int | None:
    raw = item.pop(key, None)
    if raw is None:
        return None
    try:
        return parse_iso(str(raw))
    except ValueError as exc:
        raise validation_error({f"{where}.{key}": "Date et heure invalides (ISO 8601)."}) from exc


async def bulk_records(
    sandbox: Sandbox, account_id: int, group: str, items: list[dict[str, Any]]
) -> list[int]:
    """Insert many companies/individuals/contacts in one transaction; returns ids.

    Besides the create body, an item may carry the update stamp to impose
    (``updated_at``, or ``updated`` for contacts): handy to build a history.
    """
    kind = records.KINDS[SEED_KINDS[group]]
    prepared: list[tuple[BaseModel, int | None]] = []
    for index, raw in enumerate(items):
        item = dict(raw)
        stamp = _stamp(item, kind.updated_field, f"{group}.{index}")
        prepared.append((parse(kind.create, item, f"{group}.{index}."), stamp))
    store = sandbox.store
    ids: list[int] = []
    async with store.transaction() as conn:
        first = await store.next_id(conn, account_id, kind.name, len(prepared))
        for offset, (model, stamp) in enumerate(prepared):
            now_us = sandbox.clock.now_us()
            created_us = records.created_of(model, now_us)
            updated_us = stamp if stamp is not None else max(now_us, created_us)
            changes = model.model_dump(exclude_unset=True, mode="json")
            changes.pop("created", None)
            body = {"id": first + offset, **kind.defaults()}
            records.apply_changes(body, changes)
            body["created"] = to_iso(created_us)
            body[kind.updated_field] = to_iso(updated_us)
            row = records.index_row(kind, body, created_us, updated_us)
            await store.put_record(conn, account_id, kind.name, row)
            ids.append(first + offset)
    return ids


def luhn_siret(serial: int) -> str:
    """A 14-digit SIRET passing the Luhn check (for generated companies)."""
    stem = f"{(732829320 + serial) % 10**9:09d}{serial % 10**4:04d}"
    total = 0
    for position, char in enumerate(reversed(stem)):
        digit = int(char) * (1 if position % 2 else 2)
        total += digit - 9 if digit > 9 else digit
    return stem + str((10 - total % 10) % 10)


def generated_companies(count: int, start: int = 1) -> list[dict[str, Any]]:
    kinds = ("prospect", "client", "supplier")
    return [
        {"type": kinds[i % 3], "name": f"Société {i:05d}", "email": f"contact{i}@societe{i}.fr",
         "phone_number": f"+33 1 {i % 100:02d} {i // 100 % 100:02d} 00 00",
         "legal_france": {"siret": luhn_siret(i)}, "reference": f"GEN-{i:05d}"}
        for i in range(start, start + count)
    ]  # fmt: skip


def generated_contacts(count: int, start: int = 1) -> list[dict[str, Any]]:
    civilities = ("mr", "mrs", "ms")
    return [
        {"civility": civilities[i % 3], "first_name": f"Prénom{i}", "last_name": f"NOM{i:05d}",
         "email": f"prenom{i}.nom@example.fr"}
        for i in range(start, start + count)
    ]  # fmt: skip
