"""The external reference that stores a record's Sellsy id in Altior.

It is what makes creation idempotent: after a crash, a writer finds the record it
already made by ``(codification, key, value)`` instead of making a second one.

Sellsy numbers companies and individuals apart, so company 12 and individual 12 may
both exist, while both become Altior third parties, whose references are unique.
An individual's value is therefore ``individual-12``; a company's (and a contact's,
an opportunity's: other Altior record types) is the bare id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync_streams.pipeline.mapping.config import AnyConfig, mapping_config
from sync_streams.pipeline.mapping.reading import items

INDIVIDUAL_PREFIX = "individual-"


def reference_value(sellsy_id: str | int, *, individual: bool = False) -> str:
    """The reference value that stands for a Sellsy record in Altior."""
    return f"{INDIVIDUAL_PREFIX}{sellsy_id}" if individual else str(sellsy_id)


def sellsy_reference(
    config: AnyConfig, sellsy_id: str | int, *, individual: bool = False
) -> dict[str, str]:
    """``{codification, key, name, value}`` from ``altior.external_reference``."""
    ref = mapping_config(config).external_reference
    return {
        "codification": ref.codification,
        "key": ref.key,
        "name": ref.name,
        "value": reference_value(sellsy_id, individual=individual),
    }


def stored_reference(record: Mapping[str, Any], config: AnyConfig) -> str | None:
    """The reference value an Altior record carries under the configured key, as stored."""
    ref = mapping_config(config).external_reference
    for entry in items(record, "external_references"):
        if not isinstance(entry, Mapping):
            continue
        if entry.get("codification") == ref.codification and entry.get("key") == ref.key:
            value = entry.get("value")
            return None if value is None else str(value)
    return None


def external_sellsy_id(record: Mapping[str, Any], config: AnyConfig) -> str | None:
    """The Sellsy id an Altior record carries under the configured reference, if any."""
    value = stored_reference(record, config)
    return value.removeprefix(INDIVIDUAL_PREFIX) if value is not None else None


def ensure_reference(
    existing: Mapping[str, Any],
    config: AnyConfig,
    sellsy_id: str | int | None,
    *,
    individual: bool = False,
) -> dict[str, Any]:
    """``{"external_references": [...]}`` when ``existing`` lacks this Sellsy id, else {}.

    Other references (other codifications or keys) are kept by the merge rules.
    """
    if sellsy_id is None:
        return {}
    if stored_reference(existing, config) == reference_value(sellsy_id, individual=individual):
        return {}
    return {"external_references": [sellsy_reference(config, sellsy_id, individual=individual)]}
