"""Contacts: Sellsy contacts <-> Altior contacts (people, optionally at a third party).

The link to a company is not a common field: Sellsy keeps it in a separate
resource and ids differ between systems, so the writer resolves it and passes the
Altior ``third_party_id`` explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.channels import create_channels, read_slots, update_channels
from sync_streams.pipeline.mapping.common import CONTACT_FIELDS, changed_fields
from sync_streams.pipeline.mapping.config import AnyConfig, MappingConfig, mapping_config
from sync_streams.pipeline.mapping.fieldmaps import (
    altior_scalars,
    for_create,
    sellsy_channels,
    sellsy_scalars,
)
from sync_streams.pipeline.mapping.people import sellsy_civility
from sync_streams.pipeline.mapping.reading import boolean, integer, text, timestamp
from sync_streams.pipeline.mapping.references import ensure_reference, sellsy_reference


class Keep(Enum):
    """Leave the contact's link to a third party as it is."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


def sellsy_contact_to_common(record: Mapping[str, Any], config: MappingConfig) -> dict[str, Any]:
    timestamp(record, "updated")
    return {
        "civility": sellsy_civility(record, config.mapping),
        "first_name": text(record, "first_name"),
        "last_name": text(record, "last_name"),
        "position": text(record, "position"),
        **sellsy_channels(record),
        "archived": boolean(record, "is_archived"),
    }


def altior_contact_to_common(record: Mapping[str, Any], config: MappingConfig) -> dict[str, Any]:
    timestamp(record, "updated_at")
    integer(record, "third_party_id")
    channels = read_slots(record, config.mapping)
    values = {
        "civility": text(record, "civility"),
        "first_name": text(record, "first_name"),
        "last_name": text(record, "last_name"),
        "position": text(record, "position"),
        **channels,
        "archived": boolean(record, "archived"),
    }
    return {field: values[field] for field in CONTACT_FIELDS}


def altior_contact_body(
    fields: Mapping[str, Any],
    config: AnyConfig,
    *,
    existing: Mapping[str, Any] | None,
    establishment_id: int,
    sellsy_id: str | int | None,
    third_party_id: int | Keep | None = KEEP,
) -> dict[str, Any]:
    """``POST /contacts`` body (``existing`` None) or minimal ``PATCH /contacts/{id}`` body.

    ``third_party_id``: the Altior third party to attach the contact to, None for a
    free contact, ``KEEP`` (default) to leave the link alone on update (and create
    a free contact).
    """
    cfg = mapping_config(config)
    relevant = {f: fields[f] for f in CONTACT_FIELDS if f in fields}
    if existing is None:
        if relevant.get("last_name") is None:
            raise MalformedRecordError("an Altior contact needs a last name", field="last_name")
        body: dict[str, Any] = {"establishment_id": establishment_id}
        body.update(for_create(altior_scalars(relevant, cfg)))
        body.update(create_channels(relevant, cfg.mapping))
        if isinstance(third_party_id, int):
            body["third_party_id"] = third_party_id
        if sellsy_id is not None:
            body["external_references"] = [sellsy_reference(cfg, sellsy_id)]
        return body
    changes = changed_fields(relevant, altior_contact_to_common(existing, cfg))
    body = altior_scalars(changes, cfg)
    body.update(update_channels(changes, cfg.mapping, existing))
    if third_party_id is not KEEP and integer(existing, "third_party_id") != third_party_id:
        body["third_party_id"] = third_party_id
    body.update(ensure_reference(existing, cfg, sellsy_id))
    return body


def sellsy_contact_body(
    fields: Mapping[str, Any], existing: Mapping[str, Any] | None, config: AnyConfig
) -> dict[str, Any]:
    """``POST /contacts`` body (``existing`` None) or minimal ``PUT /contacts/{id}`` body.

    Linking to a company is a separate call (``POST /companies/{id}/contacts/{id}``).
    """
    cfg = mapping_config(config)
    relevant = {f: fields[f] for f in CONTACT_FIELDS if f in fields}
    if existing is not None:
        current = sellsy_contact_to_common(existing, cfg)
        return sellsy_scalars(changed_fields(relevant, current), cfg)
    if relevant.get("last_name") is None:
        raise MalformedRecordError("a Sellsy contact needs a last name", field="last_name")
    return for_create(sellsy_scalars(relevant, cfg))
