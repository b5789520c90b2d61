"""The contract's PATCH merge rules (docs/altior-api.md, "Writes and merge rules").

Pure functions over stored JSON: channels merge per type by position (so a second
"Fixe" survives an update that only carries the main one), external references by
``(codification, key)``, custom fields by name.  Every rule is idempotent, which is
what lets clients retry a PATCH.
"""

from __future__ import annotations

from typing import Any

CHANNELS = ("emails", "phones", "urls")


def dedupe_channels(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in items:
        identity = (item["type"], item["value"])
        if identity not in seen:
            seen.add(identity)
            kept.append(item)
    return kept


def merge_channels(
    stored: list[dict[str, Any]], sent: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Per type present in ``sent``: i-th sent replaces i-th stored; ``None`` ends the type."""
    sent_by_type: dict[str, list[str | None]] = {}
    for item in sent:
        sent_by_type.setdefault(item["type"], []).append(item["value"])
    result: list[dict[str, Any]] = []
    done: set[str] = set()
    for item in stored:
        kind = item["type"]
        if kind not in sent_by_type:
            result.append(item)
        elif kind not in done:
            result.extend(_merged_type(kind, stored, sent_by_type[kind]))
            done.add(kind)
    for kind, values in sent_by_type.items():
        if kind not in done:
            result.extend(_merged_type(kind, stored, values))
    return dedupe_channels(result)


def _merged_type(
    kind: str, stored: list[dict[str, Any]], sent: list[str | None]
) -> list[dict[str, Any]]:
    old = [item["value"] for item in stored if item["type"] == kind]
    values: list[str] = []
    for index in range(max(len(old), len(sent))):
        if index < len(sent):
            value = sent[index]
            if value is None:
                break
            values.append(value)
        else:
            values.append(old[index])
    return [{"type": kind, "value": value} for value in values]


def merge_refs(stored: list[dict[str, Any]], sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sent entries replace the stored one with the same ``(codification, key)``; None removes."""
    result = {(r["codification"], r["key"]): r for r in stored}
    for ref in sent:
        pair = (ref["codification"], ref["key"])
        if ref["value"] is None:
            result.pop(pair, None)
        else:
            result[pair] = ref
    return list(result.values())


def merge_custom(stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    result = dict(stored)
    for name, value in sent.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def apply_changes(record: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A new record with ``changes`` merged in (``record`` is left untouched)."""
    merged = dict(record)
    for name, value in changes.items():
        if name in CHANNELS:
            merged[name] = merge_channels(record.get(name) or [], value)
        elif name == "external_references":
            merged[name] = merge_refs(record.get(name) or [], value)
        elif name == "custom_fields":
            merged[name] = merge_custom(record.get(name) or {}, value)
        else:
            merged[name] = value
    return merged


def same_content(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when a write would change nothing stored (then ``updated_at`` must not move)."""
    ignored = {"updated_at", "updated_by"}
    return {k: v for k, v in old.items() if k not in ignored} == {
        k: v for k, v in new.items() if k not in ignored
    }
