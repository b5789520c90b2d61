"""French phone numbers: one comparison form, the typed form kept for display.

The two systems hold the same number written differently ("01 23 45 67 89",
"+33 1 23 45 67 89", "0033 (0)1.23.45.67.89"); comparing raw strings would make the
sync rewrite phones forever or add duplicates.  Numbers are compared by an E.164-like
form (``+33123456789``); what the user typed is what gets written.

Overseas departments have their own country codes but also 10-digit national numbers
in the French plan (0262 … is Réunion, 0690 … a Guadeloupe mobile); both forms map to
the same comparison form.  Numbers we do not recognise compare by their digits, so two
identical oddities still match and nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

FRANCE = "33"

OVERSEAS_CODES: dict[str, str] = {
    "262": "Réunion, Mayotte",
    "269": "Mayotte (former code, Comoros)",
    "508": "Saint-Pierre-et-Miquelon",
    "590": "Guadeloupe, Saint-Martin, Saint-Barthélemy",
    "594": "Guyane",
    "596": "Martinique",
    "681": "Wallis-et-Futuna",
    "687": "Nouvelle-Calédonie",
    "689": "Polynésie française",
}
"""Country codes of French overseas territories (for reference and display)."""

_NATIONAL_OVERSEAS: dict[str, str] = {
    "0262": "262",
    "0263": "262",
    "0269": "262",
    "0639": "262",
    "0692": "262",
    "0693": "262",
    "0590": "590",
    "0690": "590",
    "0691": "590",
    "0594": "594",
    "0694": "594",
    "0596": "596",
    "0696": "596",
    "0697": "596",
}
"""National prefixes (10-digit French plan) of the overseas departments -> country code."""

_SPM_NATIONAL = "0508"  # Saint-Pierre-et-Miquelon: 0508 + 6 digits = +508 + 6 digits

_TRUNK_CODES = frozenset({"33", "262", "590", "594", "596"})
"""Codes whose subscriber numbers are 9 digits; a stray national 0 after them is dropped."""

_EXTENSION = re.compile(r"(?i)\s*(?:poste|ext\.?|extension|x|#)\s*\d{1,6}\s*$")
_TRUNK_HINT = re.compile(r"\(\s*0\s*\)")
_SEPARATORS = frozenset(".-/()\u2010\u2011\u2012\u2013\u2014\u2212")


def _digits(text: str) -> tuple[bool, str] | None:
    """(has leading '+', digits) of a typed number, or None if it holds other signs."""
    text = _TRUNK_HINT.sub("", _EXTENSION.sub("", text))
    plus = False
    kept: list[str] = []
    for char in text:
        if "0" <= char <= "9":
            kept.append(char)
        elif char == "+" and not kept and not plus:
            plus = True  # "+33 …" or "(+33) …": a '+' before any digit
        elif not (char.isspace() or char in _SEPARATORS):
            return None
    return (plus, "".join(kept)) if kept else None


def _international(rest: str) -> str:
    """Comparison form of digits that follow '+' or '00'."""
    for code in sorted(_TRUNK_CODES, key=len, reverse=True):
        subscriber = rest[len(code) :]
        if rest.startswith(code) and len(subscriber) == 10 and subscriber.startswith("0"):
            rest = code + subscriber[1:]
            break
    if rest.startswith(FRANCE) and len(rest) == 11 and rest[2] != "0":
        # "+33 590 …" is how many write a Guadeloupe number: the French plan gives
        # 0590 … to Guadeloupe, so +33 followed by an overseas prefix is that number.
        return _national("0" + rest[2:])
    return f"+{rest}"


def _national(digits: str) -> str:
    """Comparison form of a number written without country code."""
    if len(digits) != 10 or not digits.startswith("0") or digits[1] == "0":
        return digits  # not a French national number: compare as typed (digits only)
    if digits.startswith(_SPM_NATIONAL):
        return f"+508{digits[4:]}"
    code = _NATIONAL_OVERSEAS.get(digits[:4], FRANCE)
    return f"+{code}{digits[1:]}"


def normalise_phone(raw: object) -> str | None:
    """Comparison form of a phone number, or None when there is no number in ``raw``.

    ``+<digits>`` when the country is known (written ``+``, ``00`` or a French
    national number, overseas included); the bare digits otherwise.  Extensions
    ("poste 12") and the "(0)" trunk hint are ignored; letters make it None.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        raw = str(raw)
    if not isinstance(raw, str):
        return None
    parsed = _digits(raw)
    if parsed is None:
        return None
    plus, digits = parsed
    if plus:
        return _international(digits)
    if digits.startswith("00") and len(digits) > 4:
        return _international(digits[2:])
    return _national(digits)


class PhoneNumber(BaseModel):
    """A phone as typed (``display``) with its comparison form (``normalised``).

    Two numbers are equal when their comparison forms are: ``0123456789`` equals
    ``+33 1 23 45 67 89``.  Hash follows equality, so sets of phones deduplicate.
    """

    model_config = ConfigDict(frozen=True)

    display: str
    normalised: str

    @classmethod
    def parse(cls, raw: object) -> PhoneNumber | None:
        """The number in ``raw`` (display form = ``raw`` stripped), or None."""
        normalised = normalise_phone(raw)
        if normalised is None:
            return None
        return cls(display=str(raw).strip(), normalised=normalised)

    @property
    def is_international(self) -> bool:
        """True when the country is known (comparison form starts with '+')."""
        return self.normalised.startswith("+")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PhoneNumber):
            return self.normalised == other.normalised
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.normalised)

    def __str__(self) -> str:
        return self.display


def same_phone(left: Any, right: Any) -> bool:
    """True when both hold a number and the numbers are the same one."""
    a, b = _comparison_form(left), _comparison_form(right)
    return a is not None and a == b


def _comparison_form(value: Any) -> str | None:
    return value.normalised if isinstance(value, PhoneNumber) else normalise_phone(value)


def contains_phone(phones: Iterable[Any], candidate: Any) -> bool:
    """True when ``candidate`` is one of ``phones`` (raw values or PhoneNumber, mixed)."""
    wanted = _comparison_form(candidate)
    return wanted is not None and any(_comparison_form(phone) == wanted for phone in phones)
