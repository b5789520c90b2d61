"""Field checkers shared by every record type of the sandbox.

Each checker reads one field of a request body, appends a French problem naming
the field's dotted path when the value is wrong, and returns the normalised value
(or ``MISSING`` when the field was not sent, which PATCH treats as "unchanged").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

from sync_streams.sandboxes.altior.positions import normalise_stamp
from sync_streams.sandboxes.altior.problems import ApiProblem, Problems
from sync_streams.sandboxes.altior.reference import Reference


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^[0-9+()./\- ]{2,30}$")
AMOUNT = re.compile(r"^-?[0-9]+(\.[0-9]{1,2})?$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
CHANNEL_LABELS = {"emails": "d'email", "phones": "de téléphone", "urls": "d'URL"}


def text(
    body: dict[str, Any],
    name: str,
    p: Problems,
    *,
    max_len: int,
    required: bool = False,
    nullable: bool = True,
) -> Any:
    if name not in body:
        if required:
            p.add(name, f"Le champ {name} est obligatoire")
        return MISSING
    value = body[name]
    if value is None:
        if nullable and not required:
            return None
        p.add(name, f"Le champ {name} ne peut pas être vide")
        return MISSING
    if not isinstance(value, str) or not value.strip():
        p.add(name, f"Le champ {name} doit être un texte non vide")
        return MISSING
    if len(value) > max_len:
        p.add(name, f"Le champ {name} dépasse {max_len} caractères")
        return MISSING
    return value.strip()


def integer(
    body: dict[str, Any], name: str, p: Problems, *, required: bool = False, nullable: bool = False
) -> Any:
    if name not in body:
        if required:
            p.add(name, f"Le champ {name} est obligatoire")
        return MISSING
    value = body[name]
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        p.add(name, f"Le champ {name} doit être un identifiant entier positif")
        return MISSING
    return value


def boolean(body: dict[str, Any], name: str, p: Problems) -> Any:
    if name not in body:
        return MISSING
    if not isinstance(body[name], bool):
        p.add(name, f"Le champ {name} doit valoir true ou false")
        return MISSING
    return body[name]


def normalise_siret(value: str) -> str | None:
    """14 digits once spaces and dots are removed, else None (no Luhn check: La Poste)."""
    digits = re.sub(r"[\s.\u00a0\u202f]", "", value)
    return digits if re.fullmatch(r"[0-9]{14}", digits) else None


def siret(body: dict[str, Any], p: Problems) -> Any:
    value = text(body, "siret", p, max_len=32)
    if isinstance(value, str):
        digits = normalise_siret(value)
        if digits is None:
            p.add("siret", f"SIRET invalide (14 chiffres attendus) : {value!r}")
            return MISSING
        return digits
    return value


def civility(body: dict[str, Any], ref: Reference, p: Problems) -> Any:
    value = text(body, "civility", p, max_len=16)
    if isinstance(value, str) and value not in ref.civilities:
        p.add("civility", f"Civilité inconnue : « {value} » (attendu : {sorted(ref.civilities)})")
        return MISSING
    return value


def establishment(body: dict[str, Any], ref: Reference, p: Problems, *, required: bool) -> Any:
    value = integer(body, "establishment_id", p, required=required)
    if isinstance(value, int) and value not in ref.establishments:
        p.add("establishment_id", f"Établissement inconnu : {value}")
        return MISSING
    return value


def channels(body: dict[str, Any], name: str, ref: Reference, p: Problems, *, partial: bool) -> Any:
    """``emails|phones|urls``: ``[{type, value}]`` with types from the admin list."""
    if name not in body:
        return MISSING
    items = body[name]
    if not isinstance(items, list):
        p.add(name, f"Le champ {name} doit être une liste de {{type, value}}")
        return MISSING
    known = ref.channel_types.get(name, set())
    cleaned: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = f"{name}[{i}]"
        if not isinstance(item, dict) or set(item) - {"type", "value"}:
            p.add(where, "Objet {type, value} attendu")
            continue
        kind, value = item.get("type"), item.get("value")
        if not isinstance(kind, str) or kind not in known:
            p.add(
                f"{where}.type",
                f"Type {CHANNEL_LABELS[name]} inconnu : « {kind} » (attendu : {sorted(known)})",
            )
            continue
        if value is None and partial:
            cleaned.append({"type": kind, "value": None})
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            p.add(f"{where}.value", "Valeur non vide de 255 caractères au plus attendue")
            continue
        value = value.strip()
        if name == "emails" and not EMAIL.match(value):
            p.add(f"{where}.value", f"Adresse email invalide : {value!r}")
            continue
        if name == "phones" and not PHONE.match(value):
            p.add(f"{where}.value", f"Numéro de téléphone invalide : {value!r}")
            continue
        cleaned.append({"type": kind, "value": value})
    return cleaned


def external_refs(body: dict[str, Any], ref: Reference, p: Problems, *, partial: bool) -> Any:
    if "external_references" not in body:
        return MISSING
    items = body["external_references"]
    if not isinstance(items, list):
        p.add("external_references", "Liste de références externes attendue")
        return MISSING
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(items):
        where = f"external_references[{i}]"
        if not isinstance(item, dict) or set(item) - {"codification", "key", "name", "value"}:
            p.add(where, "Objet {codification, key, name, value} attendu")
            continue
        code, key, value = item.get("codification"), item.get("key"), item.get("value")
        if not isinstance(code, str) or code not in ref.codifications:
            p.add(f"{where}.codification", f"Codification inconnue : « {code} »")
            continue
        entries = ref.codifications[code]
        if not isinstance(key, str) or key not in entries:
            p.add(f"{where}.key", f"Clé « {key} » absente de la codification {code}")
            continue
        if (code, key) in seen:
            p.add(where, f"Référence {code}/{key} donnée deux fois")
            continue
        seen.add((code, key))
        if value is None and partial:
            cleaned.append({"codification": code, "key": key, "value": None})
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            p.add(f"{where}.value", "Valeur non vide de 255 caractères au plus attendue")
            continue
        name = item.get("name")
        if name is not None and not isinstance(name, str):
            p.add(f"{where}.name", "Texte attendu")
            continue
        cleaned.append(
            {"codification": code, "key": key, "name": name or entries[key], "value": value.strip()}
        )
    return cleaned


def custom_fields(body: dict[str, Any], obj: str, ref: Reference, p: Problems) -> Any:
    if "custom_fields" not in body:
        return MISSING
    values = body["custom_fields"]
    if not isinstance(values, dict):
        p.add("custom_fields", "Objet {nom: valeur} attendu")
        return MISSING
    defined = ref.custom_fields.get(obj, {})
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        where = f"custom_fields.{name}"
        definition = defined.get(name)
        if definition is None:
            p.add(where, f"Champ personnalisé inconnu : « {name} » (attendu : {sorted(defined)})")
            continue
        if value is None or _custom_value_ok(definition, value):
            cleaned[name] = value
        else:
            p.add(where, f"Valeur invalide pour le champ {name} de type {definition['type']}")
    return cleaned


def _custom_value_ok(definition: dict[str, Any], value: Any) -> bool:
    kind = definition["type"]
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "date":
        return isinstance(value, str) and bool(DATE.match(value))
    if kind == "list":
        return isinstance(value, str) and value in (definition.get("options") or [])
    return isinstance(value, str) and len(value) <= 1000


def amount(body: dict[str, Any], p: Problems, *, required: bool, nullable: bool) -> Any:
    if "amount" not in body:
        if required:
            p.add("amount", "Le champ amount est obligatoire")
        return MISSING
    value = body["amount"]
    if value is None and nullable:
        return None
    if not isinstance(value, dict) or set(value) != {"value", "currency"}:
        p.add("amount", "Objet {value, currency} attendu")
        return MISSING
    if not isinstance(value["value"], str) or not AMOUNT.match(value["value"]):
        p.add("amount.value", 'Montant décimal en texte attendu, ex. "1250.00"')
        return MISSING
    if not isinstance(value["currency"], str) or not CURRENCY.match(value["currency"]):
        p.add("amount.currency", "Code devise ISO 4217 attendu, ex. EUR")
        return MISSING
    cents = Decimal(value["value"]).quantize(Decimal("0.01"))
    return {"value": str(cents), "currency": value["currency"]}


def choice(
    body: dict[str, Any],
    name: str,
    options: tuple[str, ...],
    p: Problems,
    *,
    default: str | None = None,
) -> Any:
    if name not in body:
        return default if default is not None else MISSING
    if body[name] not in options:
        p.add(name, f"Valeur de {name} invalide : {body[name]!r} (attendu : {list(options)})")
        return MISSING
    return body[name]


def stamp(body: dict[str, Any], name: str, p: Problems) -> Any:
    if name not in body:
        return MISSING
    if not isinstance(body[name], str):
        p.add(name, "Date RFC 3339 attendue")
        return MISSING
    try:
        return normalise_stamp(body[name], name)
    except ApiProblem as problem:
        p.add(name, problem.message)
        return MISSING


def reject_unknown(body: dict[str, Any], allowed: set[str], p: Problems) -> None:
    for name in sorted(set(body) - allowed):
        p.add(name, f"Champ inconnu ou non modifiable : {name}")
