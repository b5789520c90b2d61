"""Content hashes change with synced content and with nothing else."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from sync_streams.domain.hashing import (
    ABSENT,
    canonical_json,
    canonical_value,
    content_hash,
    normalise_text,
    select_fields,
    value_hash,
)

RECORD = {
    "name": "Société Générale",
    "siret": "55210055400013",
    "phones": ["01 23 45 67 89", None],
    "amount": 1500.0,
    "legal_france": {"siret": "x", "vat": None},
    "empty": "",
}


def test_golden_value_is_stable_across_runs_and_versions() -> None:
    # Pinned: if this changes, every stored hash changes and every record resyncs once.
    assert canonical_json(RECORD) == (
        '{"amount":1500,"legal_france":{"siret":"x"},'
        '"name":"Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale",'
        '"phones":["01 23 45 67 89",null],"siret":"55210055400013"}'
    )
    assert content_hash(RECORD) == (
        "173a474eb99066d35090b41e843e05dc558a8a982f305cfac8c18ca6ae8604c5"
    )
    expected = hashlib.sha256(canonical_json(RECORD).encode("ascii")).hexdigest()
    assert content_hash(RECORD) == expected


def test_key_order_does_not_matter_at_any_depth() -> None:
    a = {"a": 1, "b": {"x": 1, "y": 2}}
    b = {"b": {"y": 2, "x": 1}, "a": 1}
    assert content_hash(a) == content_hash(b)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"name": "Dupont", "email": None}, {"name": "Dupont"}),
        ({"name": "Dupont", "email": ""}, {"name": "Dupont"}),
        ({"name": "Dupont", "email": "   "}, {"name": "Dupont"}),
        ({"name": "Dupont", "tags": []}, {"name": "Dupont"}),
        ({"name": "Dupont", "legal": {}}, {"name": "Dupont"}),
        ({"name": "Dupont", "legal": {"vat": None}}, {"name": "Dupont"}),
        ({"name": " Dupont "}, {"name": "Dupont"}),
        ({"name": "Jean  Dupont"}, {"name": "Jean Dupont"}),
        ({"name": "Jean\u00a0Dupont"}, {"name": "Jean Dupont"}),
        ({"name": "Jean\tDupont\n"}, {"name": "Jean Dupont"}),
        ({"name": unicodedata.normalize("NFD", "Hélène")}, {"name": "Hélène"}),
        ({"amount": 1500.0}, {"amount": 1500}),
        ({"amount": Decimal("1500.00")}, {"amount": 1500}),
        ({"amount": Decimal("12.50")}, {"amount": 12.5}),
        ({"tags": ("a", "b")}, {"tags": ["a", "b"]}),
        ({"tags": {"b", "a"}}, {"tags": {"a", "b"}}),
        (
            {"at": datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))},
            {"at": datetime(2024, 5, 1, 10, 0, tzinfo=UTC)},
        ),
    ],
)
def test_same_content_written_differently_hashes_alike(
    left: dict[str, object], right: dict[str, object]
) -> None:
    assert content_hash(left) == content_hash(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"name": "Dupont"}, {"name": "DUPONT"}),  # case is a real change
        ({"name": "Hélène"}, {"name": "Helene"}),  # so are accents
        ({"name": "Dupont"}, {"name": "Dupond"}),
        ({"phones": ["a", "b"]}, {"phones": ["b", "a"]}),  # list order is kept
        ({"phones": ["a", None]}, {"phones": ["a"]}),
        ({"flag": True}, {"flag": 1}),
        ({"flag": False}, {"flag": None}),
        ({"amount": 0}, {"amount": None}),
        ({"id": "12"}, {"id": 12}),
    ],
)
def test_real_changes_change_the_hash(left: dict[str, object], right: dict[str, object]) -> None:
    assert content_hash(left) != content_hash(right)


def test_only_the_synced_fields_count() -> None:
    before = {"name": "Dupont", "updated_at": "2024-01-01", "legal_france": {"siret": "1"}}
    after = {"name": "Dupont", "updated_at": "2024-02-01", "legal_france": {"siret": "1"}}
    fields = ["name", "legal_france.siret"]
    assert content_hash(before, fields) == content_hash(after, fields)
    assert content_hash(before) != content_hash(after)
    changed = {**after, "legal_france": {"siret": "2"}}
    assert content_hash(before, fields) != content_hash(changed, fields)


def test_select_fields_follows_dotted_paths_and_tolerates_gaps() -> None:
    record = {"a": {"b": {"c": 1}}, "x": "not a mapping"}
    assert select_fields(record, ["a.b.c", "a.z", "x.y", "missing"]) == {
        "a.b.c": 1,
        "a.z": None,
        "x.y": None,
        "missing": None,
    }
    # a field that disappears hashes like a field that is null
    assert content_hash({"a": 1}, ["a", "b"]) == content_hash({"a": 1, "b": None}, ["a", "b"])


def test_other_value_kinds() -> None:
    class Colour(Enum):
        RED = "red"

    class Model(BaseModel):
        name: str
        note: str | None = None

    assert canonical_value(Colour.RED) == "red"
    assert canonical_value(date(2024, 1, 2)) == "2024-01-02"
    assert canonical_value(datetime(2024, 1, 2, 3, 4)) == "2024-01-02T03:04:00"
    assert canonical_value(Model(name=" A ")) == {"name": "A"}
    assert canonical_value(None) is ABSENT
    assert canonical_json({"a": None}) == "{}"
    assert canonical_value({1: "x"}) == {"1": "x"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_non_finite_numbers_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        content_hash({"x": value})


def test_objects_without_stable_text_are_refused() -> None:
    with pytest.raises(TypeError, match="object"):
        content_hash({"x": object()})


def test_value_hash_treats_absent_values_alike() -> None:
    assert value_hash(None) == value_hash("") == value_hash("  ") == value_hash([])
    assert value_hash("Dupont") == value_hash(" Dupont")
    assert value_hash("Dupont") != value_hash(None)
    assert value_hash(["a", None]) != value_hash(["a"])


def test_normalise_text() -> None:
    assert normalise_text("  a \u00a0\u202f b\n") == "a b"


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=15,
)
records = st.dictionaries(st.text(max_size=6), json_values, max_size=6)


@given(records, st.randoms(use_true_random=False))
def test_hash_ignores_insertion_order(record: dict[str, object], rnd: object) -> None:
    items = list(record.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    assert content_hash(dict(items)) == content_hash(record)


@given(records)
def test_hash_is_64_hex_and_canonical_json_is_a_fixed_point(record: dict[str, object]) -> None:
    import json

    digest = content_hash(record)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    reparsed = json.loads(canonical_json(record))
    assert canonical_json(reparsed) == canonical_json(record)
