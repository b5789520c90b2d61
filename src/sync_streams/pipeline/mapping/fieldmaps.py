"""Per-field conversions between common values and each API's own fields.

A common value that the target cannot hold is ``SKIP``ped: the target's field is
left as it is (never cleared because of it).  Required fields (a company's name, a
person's last name) are never cleared either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.channels import CHANNEL_FIELDS
from sync_streams.pipeline.mapping.common import FLAG_FIELDS, SELLSY_PHONE_KEYS
from sync_streams.pipeline.mapping.config import MappingConfig
from sync_streams.pipeline.mapping.people import (
    SKIP,
    Skip,
    civility_for_altior,
    civility_for_sellsy,
)
from sync_streams.pipeline.mapping.reading import json_type, loose_text, text

SELLSY_FLAG_KEYS: Final = {"archived": "is_archived"}
"""Common flag -> Sellsy field (Altior spells it as the common form does)."""


def sellsy_channels(record: Mapping[str, Any]) -> dict[str, str | None]:
    """email, phone, mobile, fax, website of a Sellsy company, individual or contact."""
    channels: dict[str, str | None] = {
        "email": text(record, "email"),
        "website": text(record, "website"),
    }
    for field, key in SELLSY_PHONE_KEYS.items():
        channels[field] = loose_text(record, key)
    return channels


def writable_siret(value: Any) -> str | Skip | None:
    """Both APIs store 14 digits (Altior checks no key; Sellsy takes 14 characters at
    most): a SIRET of another length is not sent, None clears."""
    if value is None:
        return None
    return value if isinstance(value, str) and value.isdigit() and len(value) == 14 else SKIP


def writable_flag(field: str, value: Any) -> bool:
    """A flag as both APIs take it: a boolean, never null (None means no)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedRecordError(f"expected a boolean, got {json_type(value)}", field=field)
    return value


def for_create(body: Mapping[str, Any]) -> dict[str, Any]:
    """A create body's fields without nulls nor unset flags: a new record is not
    archived unless its source is, and both APIs create records unarchived."""
    flags = {*FLAG_FIELDS, *SELLSY_FLAG_KEYS.values()}
    return {k: v for k, v in body.items() if v is not None and not (k in flags and v is False)}


def altior_scalars(changes: Mapping[str, Any], config: MappingConfig) -> dict[str, Any]:
    """Altior body fields for common ``changes`` (channels are done by ``channels``)."""
    body: dict[str, Any] = {}
    for field, value in changes.items():
        if field in CHANNEL_FIELDS or field == "kind":
            continue
        written: Any
        if field == "civility":
            written = civility_for_altior(value, config.mapping)
        elif field == "siret":
            written = writable_siret(value)
        elif field in FLAG_FIELDS:
            written = writable_flag(field, value)
        elif value is None and field in ("name", "last_name"):
            written = SKIP  # required by Altior for its kind: never cleared
        else:
            written = value
        if written is not SKIP:
            body[field] = written
    return body


def sellsy_scalars(changes: Mapping[str, Any], config: MappingConfig | None) -> dict[str, Any]:
    """Sellsy body fields for common ``changes`` (company, individual or contact)."""
    body: dict[str, Any] = {}
    for field, value in changes.items():
        written: Any = value
        key = SELLSY_PHONE_KEYS.get(field) or SELLSY_FLAG_KEYS.get(field, field)
        if field == "kind":
            continue
        if field in FLAG_FIELDS:
            written = writable_flag(field, value)
        elif field == "civility":
            written = civility_for_sellsy(value, config.mapping) if config else SKIP
        elif field == "siret":
            siret = writable_siret(value)
            if siret is not SKIP:
                body["legal_france"] = {"siret": siret}  # Sellsy merges legal_france
            continue
        elif value is None and field in ("name", "last_name"):
            written = SKIP  # required by Sellsy: never cleared
        if written is not SKIP:
            body[key] = written
    return body
