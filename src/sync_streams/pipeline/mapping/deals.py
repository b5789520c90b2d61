"""Deals: Sellsy opportunities <-> Altior affaires (fields, bodies, status changes).

Common deal: ``name``, ``amount`` (decimal text, two places), ``currency``,
``status`` (Altior's words: open, won, lost, closed), ``pipeline`` and ``step``
(Sellsy names; in Altior the custom fields ``deals.pipeline_field`` and
``deals.step_field``).  Sellsy's extra statuses fold onto Altior's: ``late`` is an
open deal, ``cancelled`` a deal closed without outcome; writing the folded value
back to such a record changes nothing.  Moves triggered by Altior documents are in
``deal_rules``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from sync_streams.domain.hashing import normalise_text
from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.common import DEAL_FIELDS, changed_fields
from sync_streams.pipeline.mapping.config import AnyConfig, MappingConfig, mapping_config
from sync_streams.pipeline.mapping.pipelines import Pipeline, PipelineCatalog
from sync_streams.pipeline.mapping.reading import (
    integer,
    lookup,
    malformed,
    mapping,
    money,
    text,
    timestamp,
)
from sync_streams.pipeline.mapping.references import ensure_reference, sellsy_reference

SELLSY_STATUS_TO_COMMON: Final = {
    "open": "open",
    "late": "open",
    "won": "won",
    "lost": "lost",
    "cancelled": "closed",
    "closed": "closed",
}
SELLSY_STATUSES: Final = frozenset(SELLSY_STATUS_TO_COMMON)
CLOSED_STATUSES: Final = ("won", "lost", "closed")
ALTIOR_STATUSES: Final = frozenset({"open", *CLOSED_STATUSES})
DEFAULT_CURRENCY: Final = "EUR"


def _status(raw: str | None, known: Mapping[str, str]) -> str | None:
    if raw is None:
        return None
    return known.get(raw.lower(), raw.lower())  # a new status is carried, never guessed


def _amount(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(value, currency): a currency without an amount means nothing and is dropped."""
    amount = mapping(record, "amount")
    value = money(amount.get("value"), "amount.value") if amount else None
    currency = text(record, "amount.currency")
    return value, (currency if value is not None else None)


def sellsy_opportunity_to_common(record: Mapping[str, Any]) -> dict[str, Any]:
    timestamp(record, "created")
    timestamp(record, "updated_status")
    value, currency = _amount(record)
    return {
        "name": text(record, "name"),
        "amount": value,
        "currency": currency,
        "status": _status(text(record, "status"), SELLSY_STATUS_TO_COMMON),
        "pipeline": text(record, "pipeline.name"),
        "step": text(record, "step.name"),
    }


def altior_affaire_to_common(record: Mapping[str, Any], config: MappingConfig) -> dict[str, Any]:
    timestamp(record, "updated_at")
    timestamp(record, "closed_at")
    integer(record, "third_party_id")
    value, currency = _amount(record)
    custom = mapping(record, "custom_fields") or {}
    return {
        "name": text(record, "name"),
        "amount": value,
        "currency": currency,
        "status": _status(text(record, "status"), {s: s for s in ALTIOR_STATUSES}),
        "pipeline": _custom_text(custom, config.pipeline_field),
        "step": _custom_text(custom, config.step_field),
    }


def _custom_text(custom: Mapping[str, Any], name: str | None) -> str | None:
    """A text custom field by name (names may hold dots: no dotted lookup here)."""
    if name is None or custom.get(name) is None:
        return None
    value = custom[name]
    if not isinstance(value, str):
        raise malformed(f"custom_fields.{name}", "text", value)
    return normalise_text(value) or None


# --- Altior bodies ---------------------------------------------------------------------


def _altior_amount(value: Any, currency: Any) -> dict[str, str]:
    """Altior wants both parts; a deal without currency is in euros."""
    amount = money(value, "amount")
    if amount is None:
        raise MalformedRecordError("an amount needs a value", field="amount")
    return {"value": amount, "currency": str(currency or DEFAULT_CURRENCY).upper()}


def altior_affaire_body(
    fields: Mapping[str, Any],
    config: AnyConfig,
    *,
    existing: Mapping[str, Any] | None,
    establishment_ids: Sequence[int] = (),
    third_party_id: int | None = None,
    sellsy_id: str | int | None,
) -> dict[str, Any]:
    """``POST /affaires`` body (``existing`` None) or minimal ``PATCH /affaires/{id}`` body.

    The status is not part of it (the contract changes it through ``/close`` and
    ``/reopen``: see ``altior_status_actions``).  ``third_party_id`` and
    ``establishment_ids`` are required on create; on update they are sent only
    when given and different.
    """
    cfg = mapping_config(config)
    relevant = {f: fields[f] for f in DEAL_FIELDS if f in fields}
    if existing is None:
        if relevant.get("name") is None:
            raise MalformedRecordError("an affaire needs a name", field="name")
        if third_party_id is None or not establishment_ids:
            raise ValueError("creating an affaire needs third_party_id and establishment_ids")
        body: dict[str, Any] = {
            "name": relevant["name"],
            "third_party_id": third_party_id,
            "establishment_ids": list(establishment_ids),
        }
        if relevant.get("amount") is not None:
            body["amount"] = _altior_amount(relevant["amount"], relevant.get("currency"))
        custom = {k: v for k, v in _custom_changes(relevant, cfg).items() if v is not None}
        if custom:
            body["custom_fields"] = custom
        if sellsy_id is not None:
            body["external_references"] = [sellsy_reference(cfg, sellsy_id)]
        return body
    current = altior_affaire_to_common(existing, cfg)
    changes = changed_fields(relevant, current)
    body = {}
    if changes.get("name") is not None:
        body["name"] = changes["name"]
    if "amount" in changes or "currency" in changes:
        value = relevant.get("amount", current["amount"])
        currency = relevant.get("currency") or current["currency"]
        body["amount"] = None if value is None else _altior_amount(value, currency)
    custom = _custom_changes(changes, cfg)
    if custom:
        body["custom_fields"] = custom
    if third_party_id is not None and integer(existing, "third_party_id") != third_party_id:
        body["third_party_id"] = third_party_id
    if establishment_ids and set(establishment_ids) != set(_ids(existing, "establishment_ids")):
        body["establishment_ids"] = list(establishment_ids)
    body.update(ensure_reference(existing, cfg, sellsy_id))
    return body


def _ids(record: Mapping[str, Any], path: str) -> list[int]:
    value = lookup(record, path)
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise malformed(path, "a list of ids", value)
    return value


def _custom_changes(changes: Mapping[str, Any], config: MappingConfig) -> dict[str, Any]:
    custom: dict[str, Any] = {}
    for field, name in (("pipeline", config.pipeline_field), ("step", config.step_field)):
        if name is not None and field in changes:
            custom[name] = changes[field]
    return custom


class StatusAction(BaseModel):
    """One status call on an affaire: ``POST /affaires/{id}/close`` or ``/reopen``."""

    model_config = ConfigDict(frozen=True)

    action: Literal["close", "reopen"]
    status: str | None = None
    """For ``close``: won, lost or closed."""


def altior_status_actions(
    fields: Mapping[str, Any], existing: Mapping[str, Any]
) -> tuple[StatusAction, ...]:
    """The calls that bring the affaire's status to ``fields["status"]``.

    Closing an affaire already closed with another status needs a reopen first
    (the contract answers 409 otherwise).  An unknown status asks for nothing.
    """
    wanted = fields.get("status")
    current = _status(text(existing, "status"), {s: s for s in ALTIOR_STATUSES}) or "open"
    if wanted is None or wanted == current or wanted not in ALTIOR_STATUSES:
        return ()
    if wanted == "open":
        return (StatusAction(action="reopen"),)
    close = StatusAction(action="close", status=wanted)
    if current == "open":
        return (close,)
    return (StatusAction(action="reopen"), close)


# --- Sellsy bodies ---------------------------------------------------------------------


def sellsy_opportunity_body(
    fields: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    *,
    catalog: PipelineCatalog,
    related: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """``POST /opportunities`` body (``existing`` None) or minimal ``PUT`` body.

    Pipeline and step are names in common form and ids in Sellsy: a name the
    catalog does not know is not written (a new opportunity then goes to the
    default pipeline's first step).  The currency is the account's: not writable.
    ``related`` (``[{id, type}]``, the company or individual) is required on create.
    """
    relevant = {f: fields[f] for f in DEAL_FIELDS if f in fields}
    if existing is None:
        return _create_opportunity(relevant, catalog, related)
    current = sellsy_opportunity_to_common(existing)
    changes = changed_fields(relevant, current)
    body: dict[str, Any] = {}
    if changes.get("name") is not None:
        body["name"] = changes["name"]
    if changes.get("amount") is not None:
        body["amount"] = money(changes["amount"], "amount")
    if changes.get("status") in SELLSY_STATUSES:
        body["status"] = changes["status"]
    if "pipeline" in changes or "step" in changes:
        pipeline = catalog.pipeline(relevant.get("pipeline", current["pipeline"]))
        step = pipeline.step(relevant.get("step", current["step"])) if pipeline else None
        if pipeline is not None and step is not None:
            body["pipeline"], body["step"] = pipeline.id, step.id
    return body


def _create_opportunity(
    fields: Mapping[str, Any], catalog: PipelineCatalog, related: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    if fields.get("name") is None:
        raise MalformedRecordError("an opportunity needs a name", field="name")
    if not related:
        raise ValueError("creating an opportunity needs related [{id, type}]")
    pipeline: Pipeline | None = catalog.pipeline(fields.get("pipeline"))
    step = pipeline.step(fields.get("step")) if pipeline else None
    if pipeline is None:
        pipeline = catalog.default_pipeline()
    if pipeline is not None and step is None:
        step = pipeline.first_step()
    if pipeline is None or step is None:
        raise ValueError("the Sellsy account has no pipeline with a step to create in")
    body: dict[str, Any] = {
        "name": fields["name"],
        "pipeline": pipeline.id,
        "step": step.id,
        "related": [{"id": int(r["id"]), "type": str(r["type"])} for r in related],
    }
    if fields.get("amount") is not None:
        body["amount"] = money(fields["amount"], "amount")
    if fields.get("status") in SELLSY_STATUSES:
        body["status"] = fields["status"]
    return body
