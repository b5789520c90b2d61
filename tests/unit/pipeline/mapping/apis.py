"""How each API stores a body we send, for round-trip tests without a server.

Altior: the contract's merge rules, taken from the sandbox that implements them,
plus what the contract says it normalises on write (SIRET to 14 digits, channel
values trimmed, a natural person's derived name).  Sellsy: a PUT replaces the
top-level fields it carries and merges ``legal_france`` (as the Sellsy sandbox does).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from sync_streams.pipeline.mapping import PipelineCatalog
from sync_streams.sandboxes.altior.merge import apply_changes, dedupe_channels

CHANNELS = ("emails", "phones", "urls")
ACCOUNT_CURRENCY = "EUR"
"""A Sellsy opportunity's currency is its account's: not writable."""


def altior_store(record: Mapping[str, Any] | None, body: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` after a PATCH of ``body`` (a POST when ``record`` is None)."""
    changes = copy.deepcopy(dict(body))
    if "siret" in changes and changes["siret"] is not None:
        changes["siret"] = re.sub(r"[\s.]", "", changes["siret"])
    for name in CHANNELS:
        if name in changes:
            changes[name] = [
                {"type": c["type"], "value": None if c["value"] is None else c["value"].strip()}
                for c in changes[name]
            ]
    if record is None:
        stored: dict[str, Any] = {
            "id": 1,
            "emails": [],
            "phones": [],
            "urls": [],
            "custom_fields": {},
            "external_references": [],
            "updated_at": "2024-05-02T09:15:00.000123Z",
        }
        for name in CHANNELS:
            stored[name] = dedupe_channels(changes.pop(name, []))
        stored.update(changes)
        result = stored
    else:
        result = apply_changes(copy.deepcopy(dict(record)), changes)
    if result.get("kind") == "physique":
        last = (result.get("last_name") or "").upper()
        result["name"] = f"{last} {result.get('first_name') or ''}".strip()
    return result


def sellsy_store(
    record: Mapping[str, Any] | None,
    body: Mapping[str, Any],
    catalog: PipelineCatalog | None = None,
) -> dict[str, Any]:
    """``record`` after a PUT of ``body`` (a POST when ``record`` is None).

    Opportunities: ``pipeline``/``step`` ids are read back as ``{id, name}`` from
    ``catalog``; the amount keeps the record's currency, else the account's.
    """
    result: dict[str, Any] = copy.deepcopy(dict(record or {"id": 1}))
    for key, value in body.items():
        if key == "legal_france" and isinstance(value, dict):
            result[key] = {**(result.get(key) or {}), **value}
        elif key == "pipeline" and catalog is not None:
            pipeline = next(p for p in catalog.pipelines if p.id == value)
            result[key] = {"id": value, "name": pipeline.name}
        elif key == "step" and catalog is not None:
            steps = [s for p in catalog.pipelines for s in p.steps if s.id == value]
            result[key] = {"id": value, "name": steps[0].name}
        elif key == "amount":
            currency = (result.get("amount") or {}).get("currency") or ACCOUNT_CURRENCY
            result[key] = {"value": value, "currency": currency}
        else:
            result[key] = value
    return result
