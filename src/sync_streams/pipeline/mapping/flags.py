"""The Sellsy custom field that says "synchronise this record with Altior".

Sellsy cannot filter searches on custom field values, so pollers embed the field
(``embed[]=cf.{id}``) and the sync reads it from ``_embed.custom_fields``.  The
field is found by id (resolved from its configured name or code at start-up) and
may be a Yes/No field or a multiple-choice (checkbox) field, where any checked
choice counts as yes.  A value that is neither is malformed, never guessed: a
filter must not flip silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict

from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.reading import items, malformed

FLAG_TYPES: Final = frozenset({"boolean", "checkbox"})
_TRUE: Final = frozenset({"1", "true", "yes", "y", "oui", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "n", "non", "off", ""})


class CustomFieldRef(BaseModel):
    """A Sellsy custom field resolved at start-up: id (what values carry), name, type."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    code: str | None = None
    type: str = "boolean"


def _same_id(value: Any, wanted: int) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value == wanted
    return isinstance(value, str) and value.strip() == str(wanted)


def _yes_no(value: Any, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise MalformedRecordError(f"expected a yes/no value, got {value!r}", field=where)


def _checked(value: Any, where: str) -> bool | None:
    """Any checked choice: a list of item ids (the spec), or items with ``checked``."""
    if value is None:
        return None
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping):
                if item.get("checked", True) is True:
                    return True
            elif item is not None and not isinstance(item, bool):
                return True
        return False
    if isinstance(value, int | str) and not isinstance(value, bool):
        return bool(str(value).strip())
    raise malformed(where, "a list of checked choices", value)


def flag_value(value: Any, field_type: str | None, where: str = "value") -> bool | None:
    """A flag field's value as a yes/no; None when unset.

    The declared type decides; for a type we do not know, a list reads as choices.
    """
    if field_type == "checkbox" or (field_type != "boolean" and isinstance(value, list)):
        return _checked(value, where)
    return _yes_no(value, where)


def sync_flag(snapshot: Mapping[str, Any], field: CustomFieldRef) -> bool | None:
    """The flag's value on a Sellsy record; None when the field is not embedded or unset."""
    for index, entry in enumerate(items(snapshot, "_embed.custom_fields")):
        where = f"_embed.custom_fields[{index}]"
        if not isinstance(entry, Mapping):
            raise malformed(where, "an object", entry)
        if _same_id(entry.get("id"), field.id):
            kind = entry.get("type")
            return flag_value(
                entry.get("value"), kind if isinstance(kind, str) else field.type, f"{where}.value"
            )
    return None
