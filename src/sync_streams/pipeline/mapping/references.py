"""The external reference that stores a record's Sellsy id in Altior.

It is what makes creation idempotent: after a crash, a writer finds the record it
already made by ``(codification, key, value)`` instead of making a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync_streams.pipeline.mapping.config import AnyConfig, mapping_config
from sync_streams.pipeline.mapping.reading import items


def sellsy_reference(config: AnyConfig, sellsy_id: str | int) -> dict[str, str]:
    """``{codification, key, name, value}`` from ``altior.external_reference``."""
    ref = mapping_config(config).external_reference
    return {
        "codification": ref.codification,
        "key": ref.key,
        "name": ref.name,
        "value": str(sellsy_id),
    }


def external_sellsy_id(record: Mapping[str, Any], config: AnyConfig) -> str | None:
    """The Sellsy id an Altior record carries under the configured reference, if any."""
    ref = mapping_config(config).external_reference
    for entry in items(record, "external_references"):
        if not isinstance(entry, Mapping):
            continue
        if entry.get("codification") == ref.codification and entry.get("key") == ref.key:
            value = entry.get("value")
            return None if value is None else str(value)
    return None


def ensure_reference(
    existing: Mapping[str, Any], config: AnyConfig, sellsy_id: str | int | None
) -> dict[str, Any]:
    """``{"external_references": [...]}`` when ``existing`` lacks this Sellsy id, else {}.

    Other references (other codifications or keys) are kept by the merge rules.
    """
    if sellsy_id is None or external_sellsy_id(existing, config) == str(sellsy_id):
        return {}
    return {"external_references": [sellsy_reference(config, sellsy_id)]}
