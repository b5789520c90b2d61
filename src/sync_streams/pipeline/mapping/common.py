"""The common field sets and how two values of a field are compared.

Each synced kind has one *common* form, a flat dict of plain JSON values that both
systems map to and from.  Values keep the spelling a user typed (that is what gets
written), but they are *compared* by meaning: phones by ``normalise_phone``, emails
without case, SIRETs by their digits, pipeline and step names without case or
accents, flags (``archived``) by whether they are set (null is no).  Comparing by
meaning is what keeps the two systems from rewriting each other's spelling forever;
keeping the spelling is what keeps users' data theirs.

* ``comparable(fields)`` is the form the content hash is computed over, so a mere
  re-spelling produces no event;
* ``align(fields, reference)`` takes the reference's spelling for every field that
  means the same, so ``resolve_conflict`` (which compares exact values) sees no
  difference where there is none;
* ``changed_fields(wanted, current)`` is what a writer must send.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, Final, Literal

from sync_streams.domain.hashing import normalise_text
from sync_streams.domain.phones import normalise_phone
from sync_streams.domain.siret import digits_only
from sync_streams.pipeline.mapping.reading import cents

ThirdPartyKind = Literal["company", "person"]

COMPANY_FIELDS: Final = (
    "name",
    "siret",
    "email",
    "phone",
    "mobile",
    "fax",
    "website",
    "archived",
)
"""A legal person (Sellsy company, Altior ``moral``)."""
PERSON_FIELDS: Final = (
    "civility",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mobile",
    "fax",
    "website",
    "archived",
)
"""A natural person (Sellsy individual, Altior ``physique``): no SIRET, no free name."""
CONTACT_FIELDS: Final = (
    "civility",
    "first_name",
    "last_name",
    "position",
    "email",
    "phone",
    "mobile",
    "fax",
    "website",
    "archived",
)
DEAL_FIELDS: Final = ("name", "amount", "currency", "status", "pipeline", "step")
"""No ``archived``: Sellsy opportunities and Altior affaires have no archive flag."""

FLAG_FIELDS: Final = ("archived",)
"""Yes/no fields: a record that says nothing (missing, null) means no."""
FIELD_DEFAULTS: Final[dict[str, Any]] = {field: False for field in FLAG_FIELDS}
"""What a field holds when a record says nothing of it, and so what a per-field base
recorded before the field was synchronised (an upgrade) held."""

PHONE_FIELDS: Final = ("phone", "mobile", "fax")
"""Common phone fields, in the order their Altior type lists are filled."""
SELLSY_PHONE_KEYS: Final = {"phone": "phone_number", "mobile": "mobile_number", "fax": "fax_number"}

SELLSY_ENTITY_OF_KIND: Final[dict[str, str]] = {"company": "company", "person": "individual"}
ALTIOR_KIND_OF: Final[dict[str, str]] = {"company": "moral", "person": "physique"}
KIND_OF_ALTIOR: Final[dict[str, str]] = {"moral": "company", "physique": "person"}


def third_party_fields(kind: str) -> tuple[str, ...]:
    """The synced fields of a third party of ``kind`` (none for an unknown kind)."""
    if kind == "company":
        return COMPANY_FIELDS
    if kind == "person":
        return PERSON_FIELDS
    return ()


def sellsy_entity_for(kind: str) -> str | None:
    """Sellsy resource of a common third-party kind: company, individual, or None."""
    return SELLSY_ENTITY_OF_KIND.get(kind)


def name_key(name: str) -> str:
    """A pipeline, step or type name compared without case, accents or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", normalise_text(name))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold()


def same_name(left: str | None, right: str | None) -> bool:
    if left is None or right is None:
        return left is right
    return name_key(left) == name_key(right)


def siret_value(raw: str | None) -> str | None:
    """Common form of a SIRET: its digits when it holds only digits and separators
    (valid or not), else the text as written.  Only valid ones are ever matched."""
    if raw is None:
        return None
    digits = digits_only(raw)
    return digits if digits is not None else raw


def comparison_key(field: str, value: Any) -> Any:
    """What ``value`` of common ``field`` is compared (and hashed) by."""
    if field in FLAG_FIELDS and (value is None or isinstance(value, bool)):
        # unset is absent: a record that is not archived hashes as it did before
        # ``archived`` was synchronised, so the upgrade produces no event
        return True if value else None
    if value is None:
        return None
    if field == "amount":
        return cents(value) or value
    if not isinstance(value, str):
        return value
    if field in PHONE_FIELDS:
        return normalise_phone(value) or normalise_text(value)
    if field == "email":
        return normalise_text(value).casefold()
    if field in ("pipeline", "step", "currency"):
        return name_key(value)
    return normalise_text(value) or None


def same_value(field: str, left: Any, right: Any) -> bool:
    """True when two values of common ``field`` mean the same."""
    return bool(comparison_key(field, left) == comparison_key(field, right))


def comparable(fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` by meaning: the form content hashes are computed over."""
    return {name: comparison_key(name, value) for name, value in fields.items()}


def align(fields: Mapping[str, Any], reference: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with ``reference``'s spelling wherever both mean the same.

    Apply to one side's common fields against the other side's before
    ``resolve_conflict``: equal-meaning values then compare equal and nothing is
    rewritten just to change its spelling.
    """
    aligned = dict(fields)
    for name, value in fields.items():
        if name in reference and same_value(name, value, reference[name]):
            aligned[name] = reference[name]
    return aligned


def changed_fields(wanted: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of ``wanted`` whose meaning differs from ``current``'s."""
    return {
        name: value
        for name, value in wanted.items()
        if not same_value(name, value, current.get(name))
    }
