"""Custom fields: definitions, values per record, and the ``cf.{id}`` embed.

A definition applies to a record when its ``related_object`` list holds the
record's object (a company's or individual's ``type``, ``contact``,
``opportunity``).  Values are validated by field type for the kinds the sync
uses (boolean, checkbox, select/radio, text, numeric, date, time, email, url);
other kinds store what the spec's PUT schema allows.  Writing a value moves
the record's update timestamp (a sandbox choice, see docs).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sync_streams.sandboxes.sellsy.errors import validation_error
from sync_streams.sandboxes.sellsy.store import Store

CF_EMBED = re.compile(r"^cf\.(\d+)$")
DEFAULT_GROUP = {"id": 1, "name": "Général", "code": "general", "open_by_default": True}
RELATED_OBJECTS = (
    "document", "contact", "client", "prospect", "supplier", "product", "service", "ticket",
    "task", "purchase", "opportunity", "project", "staff", "site",
)  # fmt: skip
FIELD_TYPES = (
    "simple-text", "rich-text", "email", "url", "numeric", "date", "time", "amount",
    "numeric-with-unit", "radio", "select", "checkbox", "boolean", "company-individual",
    "contact", "staff", "item",
)  # fmt: skip


def definition(
    field_id: int,
    name: str,
    field_type: str,
    related_object: list[str],
    parameters: dict[str, Any],
    *,
    code: str | None = None,
    description: str = "",
    mandatory: bool = False,
    rank: int = 0,
) -> dict[str, Any]:
    """A definition body as ``GET /custom-fields`` shows it."""
    return {
        "id": field_id,
        "name": name,
        "code": code or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
        "description": description,
        "mandatory": mandatory,
        "rank": rank,
        "related_object": list(related_object),
        "customfield_group": dict(DEFAULT_GROUP),
        "show_on_pdf": False,
        "type": field_type,
        "parameters": parameters,
    }


def render_definition(body: dict[str, Any], related_objects_quirk: bool) -> dict[str, Any]:
    out = dict(body)
    if related_objects_quirk:
        out["related_objects"] = list(body["related_object"])
    return out


def applies(field: dict[str, Any], objects: set[str]) -> bool:
    return bool(objects & set(field.get("related_object", [])))


def _item_ids(field: dict[str, Any]) -> set[int]:
    return {int(item["id"]) for item in field.get("parameters", {}).get("items", [])}


def check_value(field: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` does not fit ``field`` (French), or None when it fits."""
    if value is None:
        return None
    kind = field["type"]
    if kind == "boolean":
        return None if isinstance(value, bool) else "Un booléen est attendu."
    if kind == "checkbox":
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            return "Une liste d'identifiants de choix est attendue."
        unknown = set(value) - _item_ids(field)
        return f"Choix inconnus : {sorted(unknown)}." if unknown else None
    if kind in ("select", "radio"):
        if not isinstance(value, int) or isinstance(value, bool):
            return "Un identifiant de choix est attendu."
        return None if value in _item_ids(field) else f"Choix inconnu : {value}."
    if kind in ("simple-text", "rich-text", "numeric", "date", "time", "email", "url"):
        if not isinstance(value, str):
            return "Une chaîne de caractères est attendue."
        if kind == "numeric" and not re.fullmatch(r"-?\d+(\.\d+)?", value):
            return "Un nombre est attendu."
        if kind == "date" and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return "Date invalide (format AAAA-MM-JJ attendu)."
        if kind == "email" and "@" not in value:
            return "Adresse e-mail invalide."
        return None
    return None


def with_value(field: dict[str, Any], value: Any, quirk: bool) -> dict[str, Any]:
    """A definition plus its ``value`` for one record (the spec's value item)."""
    out = render_definition(field, quirk)
    out["value"] = value
    return out


async def definitions(store: Store, account_id: int) -> dict[int, dict[str, Any]]:
    rows = await store.fetchall(
        "SELECT id, body FROM records WHERE account_id = ? AND kind = 'custom_field' ORDER BY id",
        (account_id,),
    )
    return {int(row["id"]): json.loads(row["body"]) for row in rows}


def requested_fields(embeds: list[str]) -> tuple[list[int], list[str]]:
    """Split ``embed[]`` values into custom field ids and standard embeds."""
    ids: list[int] = []
    standard: list[str] = []
    for embed in embeds:
        match = CF_EMBED.match(embed)
        if match:
            ids.append(int(match.group(1)))
        else:
            standard.append(embed)
    return ids, standard


def parse_values(payload: object) -> list[tuple[int, Any]]:
    """The PUT body ``[{id, value}, ...]`` -> pairs (400 naming the bad entry)."""
    if not isinstance(payload, list):
        raise validation_error({"body": "Une liste de {id, value} est attendue."})
    pairs: list[tuple[int, Any]] = []
    problems: dict[str, str] = {}
    for index, entry in enumerate(payload):
        if not isinstance(entry, dict):
            problems[str(index)] = "Un objet {id, value} est attendu."
            continue
        field_id = entry.get("id")
        if not isinstance(field_id, int) or isinstance(field_id, bool):
            problems[f"{index}.id"] = "Un entier est attendu."
        if "value" not in entry:
            problems[f"{index}.value"] = "Ce champ est obligatoire."
        if f"{index}.id" not in problems and f"{index}.value" not in problems:
            pairs.append((int(field_id), entry["value"]))  # type: ignore[arg-type]
    if problems:
        raise validation_error(problems)
    return pairs
