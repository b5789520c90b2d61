"""Reference data of a tenant: establishments, users and the admin-defined lists.

Records are validated against these lists (an unknown phone type is a 422, the ERP
never invents one).  They are stored as ordinary records, so the contract's list
endpoints page them like everything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sync_streams.sandboxes.altior.store import Store, Transaction

# seed/admin section name -> (record kind, contract path under /api/v1)
SECTIONS: dict[str, tuple[str, str]] = {
    "establishments": ("establishment", "/establishments"),
    "users": ("user", "/users"),
    "civilities": ("civility", "/admin/civilities"),
    "email_types": ("email_type", "/admin/email-types"),
    "phone_types": ("phone_type", "/admin/phone-types"),
    "url_types": ("url_type", "/admin/url-types"),
    "codifications": ("codification", "/admin/codifications"),
    "custom_fields": ("custom_field", "/admin/custom-fields"),
}
KIND_TO_SECTION = {kind: section for section, (kind, _) in SECTIONS.items()}
CUSTOM_FIELD_OBJECTS = ("third_party", "contact", "affaire")
CUSTOM_FIELD_TYPES = ("text", "number", "boolean", "date", "list")


@dataclass
class Reference:
    """What records of one tenant are checked against."""

    establishments: dict[int, str] = field(default_factory=dict)
    users_by_id: dict[int, str] = field(default_factory=dict)
    users_by_login: dict[str, int] = field(default_factory=dict)
    civilities: set[str] = field(default_factory=set)
    channel_types: dict[str, set[str]] = field(default_factory=dict)  # emails/phones/urls
    codifications: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> key -> name
    custom_fields: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def _required_text(entry: dict[str, Any], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}.{name}: texte non vide requis")
    return value.strip()


def normalise_entry(section: str, entry: Any, where: str) -> tuple[str, dict[str, Any]]:
    """Check one seed entry; returns its identity (to skip duplicates) and its data."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: objet attendu")
    if section == "establishments":
        name = _required_text(entry, "name", where)
        return name, {"name": name}
    if section == "users":
        login = _required_text(entry, "login", where)
        return login, {"login": login, "name": str(entry.get("name") or login)}
    if section == "civilities":
        abbreviation = _required_text(entry, "abbreviation", where)
        title = _required_text(entry, "title", where)
        return abbreviation, {"title": title, "abbreviation": abbreviation}
    if section in ("email_types", "phone_types", "url_types"):
        name = _required_text(entry, "name", where)
        return name, {"name": name}
    if section == "codifications":
        code = _required_text(entry, "code", where)
        entries = []
        for i, item in enumerate(entry.get("entries") or []):
            if not isinstance(item, dict):
                raise ValueError(f"{where}.entries[{i}]: objet attendu")
            key = _required_text(item, "key", f"{where}.entries[{i}]")
            entries.append({"key": key, "name": str(item.get("name") or key)})
        return code, {"code": code, "label": str(entry.get("label") or code), "entries": entries}
    if section == "custom_fields":
        obj = _required_text(entry, "object", where)
        if obj not in CUSTOM_FIELD_OBJECTS:
            raise ValueError(f"{where}.object: une valeur parmi {CUSTOM_FIELD_OBJECTS}")
        name = _required_text(entry, "name", where)
        kind = str(entry.get("type") or "text")
        if kind not in CUSTOM_FIELD_TYPES:
            raise ValueError(f"{where}.type: une valeur parmi {CUSTOM_FIELD_TYPES}")
        options = entry.get("options")
        if kind == "list" and not (isinstance(options, list) and options):
            raise ValueError(f"{where}.options: liste de valeurs requise pour le type list")
        data = {
            "object": obj,
            "name": name,
            "type": kind,
            "options": [str(o) for o in options] if kind == "list" and options else None,
        }
        return f"{obj}:{name}", data
    raise ValueError(f"{where}: section inconnue {section!r}")


async def add_reference(
    tx: Transaction, tenant_id: int, sections: dict[str, Any]
) -> dict[str, list[int]]:
    """Add seed sections to a tenant; entries already present are kept, not duplicated."""
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"section(s) inconnue(s) : {', '.join(unknown)}")
    existing: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, data in await _all_reference(tx, tenant_id):
        section = KIND_TO_SECTION[kind]
        identity, _ = normalise_entry(section, data, section)
        existing[(section, identity)] = data
    created: dict[str, list[int]] = {}
    for section, entries in sections.items():
        if not isinstance(entries, list):
            raise ValueError(f"{section}: liste attendue")
        kind = SECTIONS[section][0]
        for index, entry in enumerate(entries):
            identity, data = normalise_entry(section, entry, f"{section}[{index}]")
            old = existing.get((section, identity))
            if old is None:
                stored = await tx.insert(tenant_id, kind, data)
                existing[(section, identity)] = stored
                created.setdefault(section, []).append(int(stored["id"]))
            elif section == "codifications":
                known = {e["key"] for e in old["entries"]}
                extra = [e for e in data["entries"] if e["key"] not in known]
                if extra:
                    old["entries"] = [*old["entries"], *extra]
                    await tx.update(old)
    return created


async def _all_reference(tx: Transaction, tenant_id: int) -> list[tuple[str, dict[str, Any]]]:
    kinds = list(KIND_TO_SECTION)
    marks = ",".join("?" * len(kinds))
    rows = await tx.db.execute_fetchall(
        f"SELECT kind, data FROM records WHERE tenant_id = ? AND kind IN ({marks})"  # noqa: S608
        " ORDER BY id",
        (tenant_id, *kinds),
    )
    return [(str(kind), json.loads(data)) for kind, data in rows]


async def load_reference(store: Store, tenant_id: int) -> Reference:
    ref = Reference(channel_types={"emails": set(), "phones": set(), "urls": set()})
    for kind, data in await store.all_of(tenant_id, list(KIND_TO_SECTION)):
        if kind == "establishment":
            ref.establishments[int(data["id"])] = data["name"]
        elif kind == "user":
            ref.users_by_id[int(data["id"])] = data["login"]
            ref.users_by_login[data["login"]] = int(data["id"])
        elif kind == "civility":
            ref.civilities.add(data["abbreviation"])
        elif kind in ("email_type", "phone_type", "url_type"):
            ref.channel_types[kind.split("_")[0] + "s"].add(data["name"])
        elif kind == "codification":
            ref.codifications[data["code"]] = {e["key"]: e["name"] for e in data["entries"]}
        elif kind == "custom_field":
            ref.custom_fields.setdefault(data["object"], {})[data["name"]] = data
    return ref
