"""SIRET normalisation and validation: what integrators type, what INSEE issues."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sync_streams.domain.siret import (
    digits_only,
    format_siret,
    is_valid_siren,
    is_valid_siret,
    luhn_valid,
    normalise_siret,
    siren_of,
)

APPLE_FRANCE = "73282932000074"  # a real, Luhn-valid SIRET
LA_POSTE_HEAD_OFFICE = "35600000000048"  # La Poste, passes Luhn
LA_POSTE_BRANCH = "35600000049837"  # La Poste: fails Luhn, digit sum 45 (multiple of 5)


def luhn_key(prefix: str) -> str:
    """The digit that makes ``prefix + digit`` Luhn-valid."""
    return next(d for d in "0123456789" if luhn_valid(prefix + d))


def make_siret(siren_body: str, nic_body: str) -> str:
    """A valid SIRET from 8 SIREN digits and 4 NIC digits (keys computed)."""
    siren = siren_body + luhn_key(siren_body)
    return siren + nic_body + luhn_key(siren + nic_body)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (APPLE_FRANCE, APPLE_FRANCE),
        ("732 829 320 00074", APPLE_FRANCE),
        ("732.829.320.00074", APPLE_FRANCE),
        ("732-829-320-00074", APPLE_FRANCE),
        ("732\u00a0829\u00a0320\u00a000074", APPLE_FRANCE),  # no-break spaces (Word, Excel)
        ("732\u202f829\u202f320\u202f00074", APPLE_FRANCE),  # narrow no-break spaces
        ("  73282932000074\n", APPLE_FRANCE),
        ("732 829 320 000 74", APPLE_FRANCE),
        (73282932000074, APPLE_FRANCE),
        (LA_POSTE_HEAD_OFFICE, LA_POSTE_HEAD_OFFICE),
        ("356 000 000 49837", LA_POSTE_BRANCH),
    ],
)
def test_valid_sirets_are_normalised_to_14_digits(raw: object, expected: str) -> None:
    assert normalise_siret(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "73282932000075",  # Luhn key wrong
        "73282932000047",  # two digits swapped
        "7328293200007",  # 13 digits
        "732829320000740",  # 15 digits
        "732829320",  # a SIREN is not a SIRET
        "",
        "   ",
        "-",
        None,
        "00000000000000",  # placeholder: Luhn-valid but not an establishment
        "7328293200007A",
        "FR73282932000074",
        "SIRET 73282932000074",
        "７３２８２９３２０００７４",  # full-width digits are not what INSEE issues
        "35600000049838",  # La Poste, digit sum not a multiple of 5 and not Luhn
        True,
        12.5,
        ["73282932000074"],
    ],
)
def test_invalid_or_missing_sirets_give_none(raw: object) -> None:
    assert normalise_siret(raw) is None


def test_la_poste_exception_needs_the_la_poste_siren() -> None:
    # Same digit sum rule on another SIREN does not make a SIRET valid.
    other = "73282932049835"
    assert sum(map(int, other)) % 5 == 0 and not luhn_valid(other)
    assert normalise_siret(other) is None
    assert sum(map(int, LA_POSTE_BRANCH)) % 5 == 0 and not luhn_valid(LA_POSTE_BRANCH)
    assert is_valid_siret(LA_POSTE_BRANCH)


def test_siret_whose_siren_fails_luhn_is_invalid_even_if_the_whole_passes() -> None:
    siren = "732829321"  # Luhn-invalid SIREN
    assert not is_valid_siren(siren)
    siret = siren + "0007" + luhn_key(siren + "0007")
    assert luhn_valid(siret)
    assert normalise_siret(siret) is None


def test_siren_extraction_and_display() -> None:
    assert siren_of("732 829 320 00074") == "732829320"
    assert siren_of("73282932000075") is None
    assert format_siret(APPLE_FRANCE) == "732 829 320 00074"


def test_digits_only_refuses_letters_and_keeps_separators_out() -> None:
    assert digits_only("1.2-3 4/5_6") == "123456"
    assert digits_only("12a") is None
    assert digits_only("") is None
    assert digits_only(None) is None


sirens = st.text(alphabet="0123456789", min_size=8, max_size=8)
nics = st.text(alphabet="0123456789", min_size=4, max_size=4)
separators = st.sampled_from([" ", ".", "-", "\u00a0", "\u202f", "  ", "\t"])


@given(sirens, nics, st.lists(st.tuples(st.integers(0, 14), separators), max_size=6))
def test_separators_anywhere_do_not_change_the_value(
    siren_body: str, nic_body: str, inserts: list[tuple[int, str]]
) -> None:
    siret = make_siret(siren_body, nic_body)
    assume(siret[:9] != "000000000")
    typed = siret
    for position, separator in sorted(inserts, reverse=True):
        typed = typed[:position] + separator + typed[position:]
    assert normalise_siret(typed) == siret


@given(sirens, nics, st.integers(0, 13), st.integers(1, 9))
def test_any_single_digit_typo_is_caught(
    siren_body: str, nic_body: str, position: int, shift: int
) -> None:
    siret = make_siret(siren_body, nic_body)
    typo = siret[:position] + str((int(siret[position]) + shift) % 10) + siret[position + 1 :]
    assume(not typo.startswith("356000000"))  # La Poste has its own, weaker key
    assert normalise_siret(typo) is None


@given(st.text(max_size=30))
def test_whatever_is_typed_the_answer_is_a_valid_siret_or_none(text: str) -> None:
    result = normalise_siret(text)
    assert result is None or (len(result) == 14 and result.isascii() and is_valid_siret(result))
