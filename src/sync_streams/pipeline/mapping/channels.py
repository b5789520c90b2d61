"""Altior's typed channels (emails, phones, URLs) <-> Sellsy's fixed fields.

Sellsy has one email, one website and three phones; Altior has lists of typed
entries.  Each common field owns one *slot*: a position in the list of one type
(``phone`` -> first ``Fixe``).  Reading takes the slot's entry; writing uses the
contract's positional merge so that only slots are touched: a second ``Fixe`` or a
``Facturation`` email typed in Altior survives every update from Sellsy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict

from sync_streams.config.third_parties import ThirdPartiesMapping
from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.common import same_value
from sync_streams.pipeline.mapping.reading import items, malformed

ChannelList = Literal["emails", "phones", "urls"]
CHANNEL_LISTS: Final[tuple[ChannelList, ...]] = ("emails", "phones", "urls")
CHANNEL_FIELDS: Final = ("email", "phone", "mobile", "fax", "website")


class Slot(BaseModel):
    """Where one common field lives in Altior: list, type name, position in that type."""

    model_config = ConfigDict(frozen=True)

    channels: ChannelList
    type: str
    position: int


def slots(mapping: ThirdPartiesMapping) -> dict[str, Slot]:
    """The slot of every channel field.  Two fields configured with one type take its
    first and second entries, in ``CHANNEL_FIELDS`` order."""
    wanted: list[tuple[str, ChannelList, str]] = [
        ("email", "emails", mapping.email_type),
        ("phone", "phones", mapping.phone_types.phone),
        ("mobile", "phones", mapping.phone_types.mobile),
        ("fax", "phones", mapping.phone_types.fax),
        ("website", "urls", mapping.website_url_type),
    ]
    taken: dict[tuple[ChannelList, str], int] = {}
    result: dict[str, Slot] = {}
    for field, channels, type_name in wanted:
        position = taken.get((channels, type_name), 0)
        taken[(channels, type_name)] = position + 1
        result[field] = Slot(channels=channels, type=type_name, position=position)
    return result


def stored_values(record: Mapping[str, Any], channels: ChannelList) -> list[tuple[str, str]]:
    """``(type, value)`` of every entry of one list, checked."""
    result: list[tuple[str, str]] = []
    for index, entry in enumerate(items(record, channels)):
        where = f"{channels}[{index}]"
        if not isinstance(entry, Mapping):
            raise malformed(where, "an object {type, value}", entry)
        kind, value = entry.get("type"), entry.get("value")
        if not isinstance(kind, str):
            raise malformed(f"{where}.type", "text", kind)
        if value is None:
            continue  # nothing stored there: not an entry
        if not isinstance(value, str):
            raise malformed(f"{where}.value", "text", value)
        result.append((kind, value))
    return result


def values_of(record: Mapping[str, Any], channels: ChannelList, type_name: str) -> list[str]:
    """Values of one type, in stored order (the first is the type's main one)."""
    return [value for kind, value in stored_values(record, channels) if kind == type_name]


def read_slots(record: Mapping[str, Any], mapping: ThirdPartiesMapping) -> dict[str, str | None]:
    """The common channel fields of an Altior record (blank entries count as absent)."""
    result: dict[str, str | None] = {}
    for field, slot in slots(mapping).items():
        values = [v.strip() for v in values_of(record, slot.channels, slot.type) if v.strip()]
        result[field] = values[slot.position] if slot.position < len(values) else None
    return result


def create_channels(
    fields: Mapping[str, Any], mapping: ThirdPartiesMapping
) -> dict[str, list[dict[str, str]]]:
    """Channel lists of a create body: one entry per non-empty field."""
    result: dict[str, list[dict[str, str]]] = {}
    for field, slot in sorted(slots(mapping).items(), key=lambda kv: kv[1].position):
        value = fields.get(field)
        if value is not None:
            result.setdefault(slot.channels, []).append({"type": slot.type, "value": value})
    return result


def update_channels(
    fields: Mapping[str, Any], mapping: ThirdPartiesMapping, existing: Mapping[str, Any]
) -> dict[str, list[dict[str, str | None]]]:
    """Channel lists of a minimal update: only the types whose slots change.

    A changed slot replaces its entry in place, sending only the entries up to the
    last changed position.  A cleared slot removes its entry and the later entries
    of that type move up (the contract has no "delete at position"), so they are
    all sent, followed by ``{type, value: null}`` to end the list: the second
    ``Fixe`` then becomes the main one, it is never lost.
    """
    groups: dict[tuple[ChannelList, str], list[tuple[str, Slot]]] = {}
    for field, slot in slots(mapping).items():
        if field in fields:
            groups.setdefault((slot.channels, slot.type), []).append((field, slot))
    result: dict[str, list[dict[str, str | None]]] = {}
    for (channels, type_name), members in groups.items():
        stored = [v for v in values_of(existing, channels, type_name) if v.strip()]
        sent = _type_update(stored, [(f, s.position, fields[f]) for f, s in members])
        if sent is not None:
            result.setdefault(channels, []).extend(
                {"type": type_name, "value": value} for value in sent
            )
    return result


def _type_update(stored: list[str], wanted: list[tuple[str, int, Any]]) -> list[str | None] | None:
    """Values to send for one type (None ends the list), or None when nothing changes."""
    new: list[str | None] = list(stored)
    removed = False
    for field, position, value in sorted(wanted, key=lambda w: w[1]):
        if value is not None and not isinstance(value, str):
            raise MalformedRecordError(f"expected text, got {value!r}", field=field)
        current = stored[position] if position < len(stored) else None
        if same_value(field, value, current):
            continue
        if value is None:
            if position < len(new):
                new[position] = None
                removed = True
        elif position < len(new):
            new[position] = value
        else:
            new.append(value)
    if new == stored:
        return None
    if removed:
        kept = [value for value in new if value is not None]
        return [*kept, None]
    last = max(i for i, value in enumerate(new) if i >= len(stored) or value != stored[i])
    return new[: last + 1]
