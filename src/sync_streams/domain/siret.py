"""SIRET normalisation, validation and matching.

A SIRET is an *establishment* key (SIREN 9 digits + NIC 5 digits); several SIRETs
share one SIREN, so records are matched on the full SIRET only, never on the SIREN.
Values arrive typed by hand ("732 829 320 00074", "732.829.320.00074"), so they are
reduced to digits before checking; anything that is not a valid SIRET after that is
treated as absent: an invalid value never links two records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict

SIRET_LENGTH = 14
SIREN_LENGTH = 9
LA_POSTE_SIREN = "356000000"
"""La Poste's establishments do not follow the Luhn key: their digit sum is a multiple of 5."""

_SEPARATORS = frozenset(".-_/\u2010\u2011\u2012\u2013\u2014\u2212")
_DIGITS = frozenset("0123456789")


def digits_only(raw: object) -> str | None:
    """The digits of ``raw`` once separators are removed, or None if anything else is there.

    Separators are whitespace of any kind (including no-break spaces), dots, dashes,
    underscores and slashes.  A letter or any other sign makes the value unusable:
    guessing what "SIRET: 732..." meant is how wrong links happen.
    """
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw) if isinstance(raw, int) else raw
    if not isinstance(text, str):
        return None
    kept: list[str] = []
    for char in text:
        if char in _DIGITS:
            kept.append(char)
        elif not (char.isspace() or char in _SEPARATORS):
            return None
    return "".join(kept) or None


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only) passes the Luhn checksum."""
    if not digits or not set(digits) <= _DIGITS:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_valid_siren(digits: str) -> bool:
    """A SIREN: 9 ASCII digits, Luhn-valid, not the all-zero placeholder."""
    return (
        len(digits) == SIREN_LENGTH
        and set(digits) <= _DIGITS
        and digits != "0" * SIREN_LENGTH
        and luhn_valid(digits)
    )


def is_valid_siret(digits: str) -> bool:
    """A SIRET given as 14 ASCII digits: valid SIREN and valid key.

    The key is Luhn over the 14 digits, except for La Poste (SIREN 356000000), whose
    establishments are valid when their digit sum is a multiple of 5 (its head office
    also passes Luhn, so either test accepts it).
    """
    if len(digits) != SIRET_LENGTH or not set(digits) <= _DIGITS:
        return False
    if not is_valid_siren(digits[:SIREN_LENGTH]):
        return False
    if luhn_valid(digits):
        return True
    return digits.startswith(LA_POSTE_SIREN) and sum(int(c) for c in digits) % 5 == 0


def normalise_siret(raw: object) -> str | None:
    """The 14-digit SIRET in ``raw``, or None when it is missing or invalid.

    None is the only answer for anything unusable, so callers cannot match on it by
    mistake.  Integers are accepted as written (a lost leading zero is not restored).
    """
    digits = digits_only(raw)
    if digits is None or not is_valid_siret(digits):
        return None
    return digits


def siren_of(raw: object) -> str | None:
    """The SIREN (first 9 digits) of a valid SIRET, or None."""
    siret = normalise_siret(raw)
    return siret[:SIREN_LENGTH] if siret else None


def format_siret(siret: str) -> str:
    """Display form ``732 829 320 00074`` of a normalised SIRET (for reports)."""
    return f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"


# --- matching ------------------------------------------------------------------------


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class SiretMatch(_Report):
    """One source record and one target record sharing a valid SIRET: link them."""

    siret: str
    source_id: str
    target_id: str


class AmbiguousSiret(_Report):
    """A SIRET shared by more than one record on a side: reported, never merged."""

    siret: str
    source_ids: list[str]
    target_ids: list[str]


class InvalidSiret(_Report):
    """A record whose SIRET field holds something that is not a valid SIRET."""

    id: str
    raw: str


class SiretMatchReport(_Report):
    """Everything ``match_by_siret`` found, each record in exactly one list."""

    matched: list[SiretMatch]
    ambiguous: list[AmbiguousSiret]
    unmatched_sources: list[str]
    unmatched_targets: list[str]
    invalid_sources: list[InvalidSiret]
    invalid_targets: list[InvalidSiret]
    no_siret_sources: list[str]
    no_siret_targets: list[str]


class _Side:
    """Records of one side grouped by normalised SIRET, in order of first appearance."""

    def __init__(self, records: Iterable[tuple[str | int, Any]]) -> None:
        self.by_siret: dict[str, list[str]] = {}
        self.invalid: list[InvalidSiret] = []
        self.missing: list[str] = []
        seen: set[str] = set()
        for raw_id, raw_siret in records:
            record_id = str(raw_id)
            if record_id in seen:
                continue  # the first occurrence of an id wins: one record, one place
            seen.add(record_id)
            siret = normalise_siret(raw_siret)
            if siret is not None:
                self.by_siret.setdefault(siret, []).append(record_id)
            elif _blank(raw_siret):
                self.missing.append(record_id)
            else:
                self.invalid.append(InvalidSiret(id=record_id, raw=str(raw_siret)))


def _blank(raw: object) -> bool:
    """Nothing typed at all: None, empty, or only spaces and separators ("-", "  ")."""
    if raw is None:
        return True
    return isinstance(raw, str) and all(c.isspace() or c in _SEPARATORS for c in raw)


def match_by_siret(
    sources: Iterable[tuple[str | int, Any]],
    targets: Iterable[tuple[str | int, Any]],
) -> SiretMatchReport:
    """Pair source and target records by normalised valid SIRET.

    ``sources`` and ``targets`` are ``(id, raw_siret)`` pairs (ids are compared as
    strings).  A SIRET held by exactly one source and one target is a match.  A SIRET
    held by one or more records on both sides but by more than one on either side is
    ambiguous: none of those records is linked, so a human decides.  A SIRET found on
    one side only leaves its records unmatched (they will be created).  Missing and
    invalid SIRETs never match.
    """
    source_side = _Side(sources)
    target_side = _Side(targets)
    matched: list[SiretMatch] = []
    ambiguous: list[AmbiguousSiret] = []
    unmatched_sources: list[str] = []
    for siret, source_ids in source_side.by_siret.items():
        target_ids = target_side.by_siret.get(siret)
        if not target_ids:
            unmatched_sources.extend(source_ids)
        elif len(source_ids) == 1 and len(target_ids) == 1:
            matched.append(
                SiretMatch(siret=siret, source_id=source_ids[0], target_id=target_ids[0])
            )
        else:
            ambiguous.append(
                AmbiguousSiret(siret=siret, source_ids=source_ids, target_ids=target_ids)
            )
    unmatched_targets = [
        target_id
        for siret, target_ids in target_side.by_siret.items()
        if siret not in source_side.by_siret
        for target_id in target_ids
    ]
    return SiretMatchReport(
        matched=matched,
        ambiguous=ambiguous,
        unmatched_sources=unmatched_sources,
        unmatched_targets=unmatched_targets,
        invalid_sources=source_side.invalid,
        invalid_targets=target_side.invalid,
        no_siret_sources=source_side.missing,
        no_siret_targets=target_side.missing,
    )
