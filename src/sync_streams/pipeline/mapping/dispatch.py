"""One entry point per direction: raw snapshot -> common form, and the content hash.

Entities are the names change events carry (``domain.events.KNOWN_ENTITIES``):
Sellsy ``company``, ``individual``, ``contact``, ``opportunity``; Altior
``third_party``, ``altior_contact``, ``affaire``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sync_streams.domain.envelope import System
from sync_streams.domain.hashing import content_hash
from sync_streams.pipeline.mapping.common import comparable
from sync_streams.pipeline.mapping.config import AnyConfig, mapping_config
from sync_streams.pipeline.mapping.contacts import (
    altior_contact_to_common,
    sellsy_contact_to_common,
)
from sync_streams.pipeline.mapping.deals import (
    altior_affaire_to_common,
    sellsy_opportunity_to_common,
)
from sync_streams.pipeline.mapping.flags import CustomFieldRef, sync_flag
from sync_streams.pipeline.mapping.reading import integer, timestamp
from sync_streams.pipeline.mapping.third_parties import (
    altior_third_party_to_common,
    sellsy_company_to_common,
    sellsy_individual_to_common,
)

SELLSY_ENTITIES: Final = ("company", "individual", "contact", "opportunity")
ALTIOR_ENTITIES: Final = ("third_party", "altior_contact", "affaire")
SYNCED_KIND: Final[dict[str, str]] = {
    "company": "third_party",
    "individual": "third_party",
    "third_party": "third_party",
    "contact": "contact",
    "altior_contact": "contact",
    "opportunity": "deal",
    "affaire": "deal",
}
"""Event entity -> synced kind (the ``entity`` of ``IdLink`` and ``RecordState``)."""

_VERSION_FIELD: Final[dict[tuple[str, str], str | None]] = {
    ("sellsy", "company"): "updated_at",
    ("sellsy", "individual"): "updated_at",
    ("sellsy", "contact"): "updated",
    ("sellsy", "opportunity"): None,  # Sellsy has no update timestamp for them
    ("altior", "third_party"): "updated_at",
    ("altior", "altior_contact"): "updated_at",
    ("altior", "affaire"): "updated_at",
}
_LINK_FIELDS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    # a Sellsy contact has no company field: the poller adds its first company as
    # ``_company_id`` (flows.contacts); linking a contact later must be a change
    ("sellsy", "contact"): ("_company_id",),
    ("sellsy", "opportunity"): ("company_id", "individual_id"),
    ("altior", "altior_contact"): ("third_party_id",),
    ("altior", "affaire"): ("third_party_id",),
}


def _altior_entity(entity: str) -> str:
    return "altior_contact" if entity == "contact" else entity


def sellsy_to_common(entity: str, snapshot: Mapping[str, Any], config: AnyConfig) -> dict[str, Any]:
    """Common form of a raw Sellsy record; ``MalformedRecordError`` names a bad field."""
    cfg = mapping_config(config)
    if entity == "company":
        return sellsy_company_to_common(snapshot)
    if entity == "individual":
        return sellsy_individual_to_common(snapshot, cfg)
    if entity == "contact":
        return sellsy_contact_to_common(snapshot, cfg)
    if entity == "opportunity":
        return sellsy_opportunity_to_common(snapshot)
    raise ValueError(f"no mapping for Sellsy entity {entity!r}")


def altior_to_common(entity: str, snapshot: Mapping[str, Any], config: AnyConfig) -> dict[str, Any]:
    """Common form of a raw Altior record (``contact`` is accepted for ``altior_contact``)."""
    cfg = mapping_config(config)
    entity = _altior_entity(entity)
    if entity == "third_party":
        return altior_third_party_to_common(snapshot, cfg)
    if entity == "altior_contact":
        return altior_contact_to_common(snapshot, cfg)
    if entity == "affaire":
        return altior_affaire_to_common(snapshot, cfg)
    raise ValueError(f"no mapping for Altior entity {entity!r}")


def to_common(
    system: System, entity: str, snapshot: Mapping[str, Any], config: AnyConfig
) -> dict[str, Any]:
    if system == "sellsy":
        return sellsy_to_common(entity, snapshot, config)
    return altior_to_common(entity, snapshot, config)


def source_version(system: System, entity: str, snapshot: Mapping[str, Any]) -> datetime | None:
    """The record's modification time in its system (None for Sellsy opportunities)."""
    if system == "altior":
        entity = _altior_entity(entity)
    if (system, entity) not in _VERSION_FIELD:
        raise ValueError(f"no mapping for {system} entity {entity!r}")
    path = _VERSION_FIELD[(system, entity)]
    return timestamp(snapshot, path) if path else None


def links(system: System, entity: str, snapshot: Mapping[str, Any]) -> dict[str, int | None]:
    """Ids the record points to (its company, its third party): not common fields,
    since ids differ between systems, but a change of them is a change to sync."""
    if system == "altior":
        entity = _altior_entity(entity)
    return {name: integer(snapshot, name) for name in _LINK_FIELDS.get((system, entity), ())}


def hashed_form(
    system: System,
    entity: str,
    snapshot: Mapping[str, Any],
    config: AnyConfig,
    flag_field: CustomFieldRef | None = None,
) -> dict[str, Any]:
    """What ``sync_hash`` fingerprints: fields by meaning, links, and the sync flag."""
    form: dict[str, Any] = {
        "fields": comparable(to_common(system, entity, snapshot, config)),
        "links": links(system, entity, snapshot),
    }
    if system == "sellsy" and flag_field is not None:
        form["flag"] = sync_flag(snapshot, flag_field)
    return form


def sync_hash(
    system: System,
    entity: str,
    snapshot: Mapping[str, Any],
    config: AnyConfig,
    flag_field: CustomFieldRef | None = None,
) -> str:
    """The content hash pollers put on change events and writers record after a write.

    Both must call it with the same arguments (``flag_field``: the entity's filter
    field, ``FilterFields.for_entity``), or echoes are not recognised.  A change to
    a field that is not synced, or a mere re-spelling (``01 23…`` -> ``+33 1 23…``),
    leaves it unchanged; ticking the sync flag changes it.
    """
    return content_hash(hashed_form(system, entity, snapshot, config, flag_field))
