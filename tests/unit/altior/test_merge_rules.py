"""The contract's PATCH merge rules, as the sandbox implements them (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.sandboxes.altior.merge import (
    apply_changes,
    merge_channels,
    merge_refs,
    same_content,
)


def ch(kind: str, value: str | None) -> dict[str, Any]:
    return {"type": kind, "value": value}


STORED = [ch("Fixe", "A"), ch("Fixe", "B"), ch("Fax", "F")]


def test_sending_the_main_fixe_keeps_the_second_fixe() -> None:
    assert merge_channels(STORED, [ch("Fixe", "C")]) == [
        ch("Fixe", "C"),
        ch("Fixe", "B"),
        ch("Fax", "F"),
    ]


def test_null_ends_a_type_at_its_position() -> None:
    assert merge_channels(STORED, [ch("Fixe", "C"), ch("Fixe", None)]) == [
        ch("Fixe", "C"),
        ch("Fax", "F"),
    ]
    assert merge_channels(STORED, [ch("Fax", None)]) == [ch("Fixe", "A"), ch("Fixe", "B")]


def test_new_types_are_appended_and_untouched_types_kept() -> None:
    assert merge_channels(STORED, [ch("Portable", "P")]) == [*STORED, ch("Portable", "P")]
    assert merge_channels(STORED, []) == STORED


def test_duplicates_collapse_to_the_first() -> None:
    assert merge_channels(STORED, [ch("Fixe", "B")]) == [ch("Fixe", "B"), ch("Fax", "F")]


@pytest.mark.parametrize(
    "sent",
    [
        [ch("Fixe", "C")],
        [ch("Fixe", "C"), ch("Fixe", None)],
        [ch("Fixe", "B")],
        [ch("Fax", None), ch("Portable", "P")],
    ],
)
def test_every_channel_update_is_idempotent(sent: list[dict[str, Any]]) -> None:
    once = merge_channels(STORED, sent)
    assert merge_channels(once, sent) == once


def test_external_references_merge_by_codification_and_key() -> None:
    stored = [
        {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "1"},
        {"codification": "EXTERNAL", "key": "OTHER", "name": "Autre", "value": "x"},
    ]
    replaced = merge_refs(
        stored, [{"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "2"}]
    )
    assert [r["value"] for r in replaced] == ["2", "x"]
    removed = merge_refs(stored, [{"codification": "EXTERNAL", "key": "SELLSY", "value": None}])
    assert [r["key"] for r in removed] == ["OTHER"]


def test_custom_fields_merge_by_name_and_null_clears() -> None:
    record: dict[str, Any] = {
        "id": 1,
        "custom_fields": {"Workflow": "Ventes", "Etape": "Proposition"},
    }
    merged = apply_changes(record, {"custom_fields": {"Etape": "Gagné", "Workflow": None}})
    assert merged["custom_fields"] == {"Etape": "Gagné"}
    assert record["custom_fields"]["Workflow"] == "Ventes"  # input untouched


def test_a_write_that_changes_nothing_is_detected() -> None:
    record = {"id": 1, "name": "X", "phones": STORED, "updated_at": "t1", "updated_by": 3}
    assert same_content(
        record, {**apply_changes(record, {"phones": [ch("Fixe", "A")]}), "updated_by": 4}
    )
    assert not same_content(record, apply_changes(record, {"name": "Y"}))
