"""Names and civilities, shared by third parties (natural persons) and contacts.

Common civility is the *Altior abbreviation* the configuration gives: Sellsy ``ms``
and ``mrs`` both become ``Mme`` with the defaults, and ``Mme`` written back to a
Sellsy record whose civility already reads ``Mme`` changes nothing.  A value one
side cannot hold (a Sellsy civility added after this code, an Altior abbreviation
no Sellsy value maps to) is carried as written and never sent to that side.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

from sync_streams.config.third_parties import SELLSY_CIVILITIES, ThirdPartiesMapping
from sync_streams.pipeline.mapping.reading import text


class Skip(Enum):
    """A value the target cannot represent: leave the target's field alone."""

    SKIP = "skip"


SKIP: Final = Skip.SKIP


def sellsy_civility(record: Mapping[str, Any], mapping: ThirdPartiesMapping) -> str | None:
    """Common civility of a Sellsy record (``mr|mrs|ms`` -> configured abbreviation)."""
    raw = text(record, "civility")
    if raw is None:
        return None
    return mapping.civility.to_altior(raw.lower()) or raw


def civility_for_sellsy(value: Any, mapping: ThirdPartiesMapping) -> str | Skip | None:
    """Sellsy civility to write for common ``value`` (first of mr, mrs, ms mapping to it)."""
    if value is None:
        return None
    return mapping.civility.to_sellsy(value) or SKIP


def civility_for_altior(value: Any, mapping: ThirdPartiesMapping) -> str | Skip | None:
    """Altior abbreviation to write: only the configured ones (Altior refuses others)."""
    if value is None:
        return None
    known = {getattr(mapping.civility, name) for name in SELLSY_CIVILITIES}
    return value if value in known else SKIP
