"""Per-field conflict resolution: last writer wins by source timestamp, ties to Sellsy."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync_streams.pipeline.rules import TIE_WINNER, FieldWin, SideView, resolve_conflict
from sync_streams.pipeline.state import field_hashes
from tests.unit.pipeline.factories import at

BASE = {"name": "Dupont SARL", "email": "a@dupont.fr", "phone": "01 23 45 67 89"}


def view(fields: dict[str, Any], version: float | None, base: dict[str, Any] = BASE) -> SideView:
    return SideView(
        fields=fields, version=None if version is None else at(version), base=field_hashes(base)
    )


def test_nothing_changed_nothing_to_write() -> None:
    result = resolve_conflict(view(BASE, 10), view(BASE, 12))
    assert result.merged == BASE
    assert not result.conflict
    assert result.changes_for_sellsy == {} and result.changes_for_altior == {}


def test_one_side_changed_one_field_it_goes_to_the_other() -> None:
    sellsy = {**BASE, "email": "b@dupont.fr"}
    result = resolve_conflict(view(sellsy, 10), view(BASE, 50))  # Altior newer, but unchanged
    assert result.changes_for_altior == {"email": "b@dupont.fr"}
    assert result.changes_for_sellsy == {}
    assert result.why == {"email": FieldWin.ONLY_SELLSY_CHANGED}
    assert not result.conflict


def test_both_changed_different_fields_both_changes_survive() -> None:
    sellsy = {**BASE, "email": "b@dupont.fr"}
    altior = {**BASE, "phone": "01 99 99 99 99"}
    result = resolve_conflict(view(sellsy, 10), view(altior, 20))
    assert result.merged == {**BASE, "email": "b@dupont.fr", "phone": "01 99 99 99 99"}
    assert result.changes_for_altior == {"email": "b@dupont.fr"}
    assert result.changes_for_sellsy == {"phone": "01 99 99 99 99"}
    assert not result.conflict


def test_both_changed_the_same_field_newer_record_wins_and_it_counts() -> None:
    sellsy = {**BASE, "name": "Dupont & Fils"}
    altior = {**BASE, "name": "DUPONT SARL"}
    newer_altior = resolve_conflict(view(sellsy, 10), view(altior, 20))
    assert newer_altior.merged["name"] == "DUPONT SARL"
    assert newer_altior.winners == {"name": "altior"}
    assert newer_altior.why == {"name": FieldWin.NEWER}
    assert newer_altior.conflict and newer_altior.conflicting_fields == ["name"]
    assert newer_altior.changes_for_sellsy == {"name": "DUPONT SARL"}
    newer_sellsy = resolve_conflict(view(sellsy, 30), view(altior, 20))
    assert newer_sellsy.merged["name"] == "Dupont & Fils"


def test_equal_timestamps_go_to_sellsy() -> None:
    sellsy = {**BASE, "name": "Dupont & Fils"}
    altior = {**BASE, "name": "DUPONT SARL"}
    result = resolve_conflict(view(sellsy, 10), view(altior, 10))
    assert TIE_WINNER == "sellsy"
    assert result.winners == {"name": "sellsy"}
    assert result.why == {"name": FieldWin.TIE}
    unknown_time = resolve_conflict(view(sellsy, 10), view(altior, None))
    assert unknown_time.winners == {"name": "sellsy"}
    assert resolve_conflict(view(sellsy, 10), view(altior, 10), tie_winner="altior").winners == {
        "name": "altior"
    }


def test_prefer_overrides_timestamps_for_init_jobs() -> None:
    sellsy = {**BASE, "name": "Dupont & Fils"}
    altior = {**BASE, "name": "DUPONT SARL"}
    result = resolve_conflict(view(sellsy, 10), view(altior, 99), prefer="sellsy")
    assert result.winners == {"name": "sellsy"}
    assert result.why == {"name": FieldWin.PREFERRED}
    assert result.conflict


def test_same_value_written_differently_is_no_difference() -> None:
    sellsy = {**BASE, "name": "  Dupont  SARL "}
    result = resolve_conflict(view(sellsy, 10), view(BASE, 20))
    assert result.changes_for_altior == {} and result.changes_for_sellsy == {}


def test_diverged_fields_nobody_touched_are_left_alone() -> None:
    # e.g. the Altior -> Sellsy flow was off when Altior changed the phone
    sellsy_base = BASE
    altior_base = {**BASE, "phone": "01 99 99 99 99"}
    sellsy = {**BASE, "email": "b@dupont.fr"}
    result = resolve_conflict(view(sellsy, 10, sellsy_base), view(altior_base, 20, altior_base))
    assert result.divergent == ["phone"]
    assert "phone" not in result.changes_for_sellsy and "phone" not in result.changes_for_altior
    assert result.changes_for_altior == {"email": "b@dupont.fr"}


def test_first_sync_of_matched_records_fills_gaps_without_calling_it_conflict() -> None:
    # No base yet (records linked by SIRET at init): a value on one side only is taken.
    sellsy = {"name": "Dupont SARL", "email": "a@dupont.fr", "phone": None}
    altior = {"name": "Dupont SARL", "email": None, "phone": "01 23 45 67 89"}
    result = resolve_conflict(view(sellsy, 10, {}), view(altior, 20, {}))
    assert result.changes_for_altior == {"email": "a@dupont.fr"}
    assert result.changes_for_sellsy == {"phone": "01 23 45 67 89"}
    assert not result.conflict


def test_a_field_emptied_on_one_side_is_a_change() -> None:
    sellsy = {**BASE, "phone": None}
    result = resolve_conflict(view(sellsy, 10), view(BASE, 5))
    assert result.changes_for_altior == {"phone": None}


values = st.sampled_from(["a", "b", "c", None])
field_names = st.sampled_from(["name", "email", "phone", "website"])
records = st.dictionaries(field_names, values, max_size=4)
versions = st.one_of(st.none(), st.integers(0, 5).map(float))


@given(records, records, records, records, versions, versions)
def test_merge_properties(
    base_s: dict[str, Any],
    base_a: dict[str, Any],
    sellsy: dict[str, Any],
    altior: dict[str, Any],
    v_s: float | None,
    v_a: float | None,
) -> None:
    result = resolve_conflict(view(sellsy, v_s, base_s), view(altior, v_a, base_a))
    # every merged value comes from one side; applying the changes makes the sides agree
    for name, value in result.merged.items():
        assert value in (sellsy.get(name), altior.get(name))
    patched_s = {**sellsy, **result.changes_for_sellsy}
    patched_a = {**altior, **result.changes_for_altior}
    for name in result.merged:
        assert patched_s.get(name) == patched_a.get(name) or (
            patched_s.get(name) in (None, "") and patched_a.get(name) in (None, "")
        )
    # a side never receives a field it alone changed
    for name in result.changes_for_sellsy:
        assert result.winners[name] == "altior"
    assert result.conflict == bool(result.conflicting_fields)
    # deterministic, and symmetric when the tie rule is mirrored
    again = resolve_conflict(view(sellsy, v_s, base_s), view(altior, v_a, base_a))
    assert again == result
    mirrored = resolve_conflict(
        view(altior, v_a, base_a), view(sellsy, v_s, base_s), tie_winner="altior"
    )
    assert mirrored.changes_for_sellsy == result.changes_for_altior
    assert mirrored.changes_for_altior == result.changes_for_sellsy
