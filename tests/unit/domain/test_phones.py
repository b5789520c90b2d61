"""French phone numbers compare equal however they are written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_streams.domain.phones import PhoneNumber, contains_phone, normalise_phone, same_phone


@pytest.mark.parametrize(
    "raw",
    [
        "01 23 45 67 89",
        "0123456789",
        "01.23.45.67.89",
        "01-23-45-67-89",
        "01\u00a023\u00a045\u00a067\u00a089",
        "+33 1 23 45 67 89",
        "+33123456789",
        "+33 (0)1 23 45 67 89",
        "+33 01 23 45 67 89",
        "0033 1 23 45 67 89",
        "0033 (0)1.23.45.67.89",
        "(+33) 1 23 45 67 89",
        "01 23 45 67 89 poste 12",
        "01 23 45 67 89 ext. 12",
    ],
)
def test_metropolitan_forms_share_one_comparison_form(raw: str) -> None:
    assert normalise_phone(raw) == "+33123456789"


@pytest.mark.parametrize(
    ("national", "international", "expected"),
    [
        ("0262 12 34 56", "+262 262 12 34 56", "+262262123456"),  # Réunion fixed
        ("0692 12 34 56", "+262 692 12 34 56", "+262692123456"),  # Réunion mobile
        ("0269 61 23 45", "+262 269 61 23 45", "+262269612345"),  # Mayotte fixed
        ("0639 12 34 56", "+262 639 12 34 56", "+262639123456"),  # Mayotte mobile
        ("0590 12 34 56", "+590 590 12 34 56", "+590590123456"),  # Guadeloupe
        ("0690 12 34 56", "00590 690 12 34 56", "+590690123456"),
        ("0594 12 34 56", "+594 594 12 34 56", "+594594123456"),  # Guyane
        ("0596 12 34 56", "+596 (0)596 12 34 56", "+596596123456"),  # Martinique
        ("0508 41 23 45", "+508 41 23 45", "+508412345"),  # Saint-Pierre-et-Miquelon
        ("0590 12 34 56", "+33 590 12 34 56", "+590590123456"),  # overseas written as +33
        ("0692 12 34 56", "+33 6 92 12 34 56", "+262692123456"),
    ],
)
def test_overseas_departments_national_and_international_forms_agree(
    national: str, international: str, expected: str
) -> None:
    assert normalise_phone(national) == expected
    assert normalise_phone(international) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+687 25 12 34", "+687251234"),  # Nouvelle-Calédonie: 6 digits, no trunk 0
        ("+689 87 12 34 56", "+68987123456"),  # Polynésie: 8 digits
        ("+269 773 12 34", "+2697731234"),  # Comoros / Mayotte's former code
        ("00687 25 12 34", "+687251234"),
        ("+44 20 7946 0958", "+442079460958"),  # any other country is kept as written
        ("+33 012345678", "+33012345678"),  # malformed French: kept, not reinterpreted
    ],
)
def test_other_country_codes_are_kept(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3949", "3949"),  # short service number: compared by digits
        ("25 12 34", "251234"),  # no country: not guessed
        ("612345678", "612345678"),  # leading zero lost: not guessed either
    ],
)
def test_unrecognised_numbers_compare_by_digits(raw: str, expected: str) -> None:
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "   ", "n/a", "appeler le standard", True, 1.5, []])
def test_no_number_gives_none(raw: object) -> None:
    assert normalise_phone(raw) is None


def test_phone_number_keeps_the_display_form_and_compares_by_number() -> None:
    typed = PhoneNumber.parse(" 06 12 34 56 78 ")
    other = PhoneNumber.parse("+33 6 12 34 56 78")
    assert typed is not None and other is not None
    assert typed.display == "06 12 34 56 78"
    assert str(other) == "+33 6 12 34 56 78"
    assert typed == other
    assert len({typed, other}) == 1
    assert typed.is_international
    assert typed != PhoneNumber.parse("06 12 34 56 79")
    assert PhoneNumber.parse("n/a") is None


def test_same_phone_and_contains_phone() -> None:
    assert same_phone("01 23 45 67 89", "+33123456789")
    assert not same_phone(None, None)  # two missing numbers are not "the same number"
    assert not same_phone("01 23 45 67 89", "01 23 45 67 88")
    altior_phones = ["+33 1 23 45 67 89", PhoneNumber.parse("06 12 34 56 78")]
    assert contains_phone(altior_phones, "0612345678")
    assert contains_phone(altior_phones, PhoneNumber.parse("0123456789"))
    assert not contains_phone(altior_phones, "0999999999")
    assert not contains_phone(altior_phones, "")


subscribers = st.text(alphabet="0123456789", min_size=8, max_size=8)
first_digits = st.sampled_from("123456789")
spacers = st.sampled_from([" ", ".", "-", "", "\u00a0"])


@given(first_digits, subscribers, spacers)
def test_every_written_form_of_a_national_number_agrees(first: str, rest: str, spacer: str) -> None:
    national = "0" + first + rest
    pairs = [national[i : i + 2] for i in range(0, 10, 2)]
    forms = [
        spacer.join(pairs),
        "+33 " + first + spacer + spacer.join(pairs)[2 + len(spacer) :],
        "0033" + first + rest,
        "+33 (0)" + first + rest,
    ]
    normalised = {normalise_phone(form) for form in forms}
    assert len(normalised) == 1
    value = normalised.pop()
    assert value is not None and value.startswith("+") and value[1:].isdigit()
