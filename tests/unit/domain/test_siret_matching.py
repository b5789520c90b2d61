"""Matching records of two systems on SIRET: link, report, never merge a doubt."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync_streams.domain.siret import (
    AmbiguousSiret,
    InvalidSiret,
    SiretMatch,
    SiretMatchReport,
    match_by_siret,
)

A = "73282932000074"
B = "35600000000048"
C = "35600000049837"
D = "55210055400013"  # a valid SIRET (Luhn)


def test_same_siret_written_differently_is_a_match() -> None:
    report = match_by_siret([(1, "732 829 320 00074")], [("T-9", "732.829.320.00074")])
    assert report.matched == [SiretMatch(siret=A, source_id="1", target_id="T-9")]
    assert report.ambiguous == []
    assert report.unmatched_sources == [] and report.unmatched_targets == []


def test_two_targets_with_one_siret_are_ambiguous_and_not_linked() -> None:
    report = match_by_siret([("s1", A)], [("t1", A), ("t2", "732 829 320 00074")])
    assert report.matched == []
    assert report.ambiguous == [AmbiguousSiret(siret=A, source_ids=["s1"], target_ids=["t1", "t2"])]


def test_two_sources_with_one_siret_are_ambiguous_too() -> None:
    report = match_by_siret([("s1", A), ("s2", A)], [("t1", A)])
    assert report.matched == []
    assert report.ambiguous[0].source_ids == ["s1", "s2"]


def test_invalid_sirets_never_match_even_when_identical() -> None:
    report = match_by_siret([("s1", "73282932000075")], [("t1", "73282932000075")])
    assert report.matched == []
    assert report.invalid_sources == [InvalidSiret(id="s1", raw="73282932000075")]
    assert report.invalid_targets == [InvalidSiret(id="t1", raw="73282932000075")]


def test_missing_sirets_are_listed_apart_from_invalid_ones() -> None:
    report = match_by_siret([("s1", None), ("s2", ""), ("s3", " - ")], [("t1", None)])
    assert report.no_siret_sources == ["s1", "s2", "s3"]
    assert report.no_siret_targets == ["t1"]
    assert report.invalid_sources == []


def test_same_siren_different_establishments_do_not_match() -> None:
    report = match_by_siret([("s1", B)], [("t1", C)])  # both La Poste, other establishments
    assert report.matched == []
    assert report.unmatched_sources == ["s1"]
    assert report.unmatched_targets == ["t1"]


def test_a_repeated_id_counts_once_first_occurrence_wins() -> None:
    report = match_by_siret([("s1", A), ("s1", D)], [("t1", A), ("t2", D)])
    assert report.matched == [SiretMatch(siret=A, source_id="s1", target_id="t1")]
    assert report.unmatched_targets == ["t2"]


def test_mixed_batch_in_order_of_appearance() -> None:
    report = match_by_siret(
        [("s1", D), ("s2", A), ("s3", "bad"), ("s4", B)],
        [("t1", A), ("t2", D), ("t3", B), ("t4", B), ("t5", C)],
    )
    assert [m.source_id for m in report.matched] == ["s1", "s2"]
    assert [a.siret for a in report.ambiguous] == [B]
    assert report.unmatched_targets == ["t5"]
    assert report.invalid_sources == [InvalidSiret(id="s3", raw="bad")]


def _ids(report: SiretMatchReport, side: str) -> list[str]:
    """Every id of one side, wherever the report put it."""
    if side == "source":
        return (
            [m.source_id for m in report.matched]
            + [i for a in report.ambiguous for i in a.source_ids]
            + report.unmatched_sources
            + [i.id for i in report.invalid_sources]
            + report.no_siret_sources
        )
    return (
        [m.target_id for m in report.matched]
        + [i for a in report.ambiguous for i in a.target_ids]
        + report.unmatched_targets
        + [i.id for i in report.invalid_targets]
        + report.no_siret_targets
    )


raw_sirets = st.sampled_from([A, B, C, D, "732 829 320 00074", "123", "", None, "73282932000075"])
records = st.lists(st.tuples(st.integers(0, 30).map(str), raw_sirets), max_size=25)


@given(records, records)
def test_every_record_lands_in_exactly_one_place(
    sources: list[tuple[str, object]], targets: list[tuple[str, object]]
) -> None:
    report = match_by_siret(sources, targets)
    for side, given_records in (("source", sources), ("target", targets)):
        listed = _ids(report, side)
        assert sorted(listed) == sorted({record_id for record_id, _ in given_records})


@given(records, records)
def test_a_record_is_matched_at_most_once_and_only_on_a_unique_siret(
    sources: list[tuple[str, object]], targets: list[tuple[str, object]]
) -> None:
    report = match_by_siret(sources, targets)
    matched_sirets = [m.siret for m in report.matched]
    assert len(matched_sirets) == len(set(matched_sirets))
    assert not set(matched_sirets) & {a.siret for a in report.ambiguous}
