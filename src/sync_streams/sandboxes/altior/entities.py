"""Per-record-type validation: request body -> normalised changes, or a 422.

``creating=True`` checks a POST (required fields, no null channel values);
``creating=False`` checks a PATCH, where absent fields mean "unchanged".  Links to
other records (``third_party_id``) are checked by the handlers, which can read
the store.
"""

from __future__ import annotations

from typing import Any

from sync_streams.sandboxes.altior import fields as f
from sync_streams.sandboxes.altior.problems import Problems
from sync_streams.sandboxes.altior.reference import Reference

CHANNEL_FIELDS = ("emails", "phones", "urls")
THIRD_PARTY_KINDS = ("moral", "physique")
AFFAIRE_STATUSES = ("open", "won", "lost", "closed")
CLOSED_STATUSES = ("won", "lost", "closed")
QUOTE_STATUSES = ("draft", "sent", "accepted", "refused")
ORDER_STATUSES = ("confirmed", "delivered", "invoiced", "cancelled")


def _keep(changes: dict[str, Any], name: str, value: Any) -> None:
    if value is not f.MISSING:
        changes[name] = value


def _common_person(
    body: dict[str, Any], obj: str, ref: Reference, p: Problems, *, creating: bool
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    _keep(changes, "civility", f.civility(body, ref, p))
    _keep(changes, "first_name", f.text(body, "first_name", p, max_len=100))
    _keep(changes, "establishment_id", f.establishment(body, ref, p, required=creating))
    for name in CHANNEL_FIELDS:
        _keep(changes, name, f.channels(body, name, ref, p, partial=not creating))
    _keep(changes, "custom_fields", f.custom_fields(body, obj, ref, p))
    _keep(changes, "external_references", f.external_refs(body, ref, p, partial=not creating))
    _keep(changes, "archived", f.boolean(body, "archived", p))
    return changes


def third_party_changes(
    body: dict[str, Any],
    ref: Reference,
    stored: dict[str, Any] | None,
) -> dict[str, Any]:
    """Validate a third-party create (``stored`` None) or update."""
    creating = stored is None
    p = Problems()
    allowed = {
        "name",
        "first_name",
        "last_name",
        "civility",
        "siret",
        "establishment_id",
        "created_by",
        "emails",
        "phones",
        "urls",
        "custom_fields",
        "external_references",
        "archived",
    }
    f.reject_unknown(body, allowed | ({"kind"} if creating else set()), p)
    changes = _common_person(body, "third_party", ref, p, creating=creating)
    kind = (
        f.choice(body, "kind", THIRD_PARTY_KINDS, p)
        if creating
        else stored["kind"]
        if stored
        else None
    )
    if creating and "kind" not in body:
        p.add("kind", "Le champ kind est obligatoire (moral ou physique)")
    _keep(changes, "kind", kind if creating else f.MISSING)
    _keep(
        changes,
        "name",
        f.text(body, "name", p, max_len=255, nullable=False, required=creating and kind == "moral"),
    )
    _keep(
        changes,
        "last_name",
        f.text(
            body,
            "last_name",
            p,
            max_len=100,
            required=kind == "physique" and creating,
            nullable=kind != "physique",
        ),
    )
    _keep(changes, "siret", f.siret(body, p))
    p.raise_if_any()
    return changes


def contact_changes(
    body: dict[str, Any],
    ref: Reference,
    stored: dict[str, Any] | None,
) -> dict[str, Any]:
    creating = stored is None
    p = Problems()
    allowed = {
        "civility",
        "first_name",
        "last_name",
        "position",
        "third_party_id",
        "establishment_id",
        "created_by",
        "emails",
        "phones",
        "urls",
        "custom_fields",
        "external_references",
        "archived",
    }
    f.reject_unknown(body, allowed, p)
    changes = _common_person(body, "contact", ref, p, creating=creating)
    _keep(
        changes,
        "last_name",
        f.text(body, "last_name", p, max_len=100, required=creating, nullable=False),
    )
    _keep(changes, "position", f.text(body, "position", p, max_len=255))
    _keep(changes, "third_party_id", f.integer(body, "third_party_id", p, nullable=True))
    p.raise_if_any()
    return changes


def affaire_changes(
    body: dict[str, Any],
    ref: Reference,
    stored: dict[str, Any] | None,
) -> dict[str, Any]:
    creating = stored is None
    p = Problems()
    allowed = {
        "name",
        "third_party_id",
        "establishment_ids",
        "amount",
        "created_by",
        "custom_fields",
        "external_references",
    }
    f.reject_unknown(body, allowed | ({"reference"} if creating else set()), p)
    changes: dict[str, Any] = {}
    _keep(changes, "reference", f.text(body, "reference", p, max_len=64, nullable=False))
    _keep(changes, "name", f.text(body, "name", p, max_len=255, required=creating, nullable=False))
    _keep(changes, "third_party_id", f.integer(body, "third_party_id", p, required=creating))
    _keep(changes, "establishment_ids", _establishment_ids(body, ref, p, required=creating))
    _keep(changes, "amount", f.amount(body, p, required=False, nullable=True))
    _keep(changes, "custom_fields", f.custom_fields(body, "affaire", ref, p))
    _keep(changes, "external_references", f.external_refs(body, ref, p, partial=not creating))
    p.raise_if_any()
    return changes


def _establishment_ids(body: dict[str, Any], ref: Reference, p: Problems, *, required: bool) -> Any:
    if "establishment_ids" not in body:
        if required:
            p.add("establishment_ids", "Au moins un établissement est obligatoire")
        return f.MISSING
    ids = body["establishment_ids"]
    if not isinstance(ids, list) or not ids:
        p.add("establishment_ids", "Liste non vide d'identifiants d'établissement attendue")
        return f.MISSING
    cleaned: list[int] = []
    for i, value in enumerate(ids):
        if not isinstance(value, int) or isinstance(value, bool) or value not in ref.establishments:
            p.add(f"establishment_ids[{i}]", f"Établissement inconnu : {value!r}")
        elif value not in cleaned:
            cleaned.append(value)
    return cleaned


def document_changes(body: dict[str, Any], statuses: tuple[str, ...]) -> dict[str, Any]:
    """A quote (devis) or an order (commande) to add to an affaire."""
    p = Problems()
    f.reject_unknown(body, {"label", "amount", "status", "created_by"}, p)
    changes: dict[str, Any] = {}
    _keep(changes, "label", f.text(body, "label", p, max_len=255, required=True, nullable=False))
    _keep(changes, "amount", f.amount(body, p, required=True, nullable=False))
    _keep(changes, "status", f.choice(body, "status", statuses, p, default=statuses[0]))
    p.raise_if_any()
    return changes


def close_changes(body: dict[str, Any]) -> dict[str, Any]:
    p = Problems()
    f.reject_unknown(body, {"status", "closed_at", "created_by"}, p)
    changes: dict[str, Any] = {}
    _keep(changes, "status", f.choice(body, "status", CLOSED_STATUSES, p, default="closed"))
    _keep(changes, "closed_at", f.stamp(body, "closed_at", p))
    p.raise_if_any()
    return changes


def derived_name(record: dict[str, Any]) -> str:
    """A natural person's display name: ``"DUPONT Marie"``."""
    last = (record.get("last_name") or "").upper()
    first = record.get("first_name") or ""
    return f"{last} {first}".strip()
