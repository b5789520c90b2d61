"""Measurements of both sides, before and after: record counts and SIRET pairs.

Taken with the demo's own credentials, so they cost the worker nothing but a
little of the Sellsy account's shared quota.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.sellsy_desk import SellsyDesk
from sync_streams.domain.siret import normalise_siret

SELLSY_KINDS = ("company", "individual", "contact", "opportunity")
ALTIOR_KINDS = ("third_party", "contact", "affaire")


async def counts(sellsy: SellsyDesk, altior: AltiorDesk) -> dict[str, dict[str, int]]:
    """``{"sellsy": {"company": 20, ...}, "altior": {"third_party": 10, ...}}``."""
    return {
        "sellsy": {kind: await sellsy.count(kind) for kind in SELLSY_KINDS},
        "altior": {kind: await altior.count(kind) for kind in ALTIOR_KINDS},
    }


async def single_siret_pairs(sellsy: SellsyDesk, altior: AltiorDesk, sirets: Iterable[str]) -> int:
    """How many of ``sirets`` (normalised) are held by exactly one record on each side.

    For the SIRETs an init should match, that is the visible proof of "linked, not
    duplicated": a duplicate would be a second record with the same SIRET.
    """
    sellsy_held = Counter(
        normalise_siret((c.get("legal_france") or {}).get("siret"))
        for c in await sellsy.list_all("company")
    )
    altior_held = Counter(
        normalise_siret(t.get("siret")) for t in await altior.list_all("third_party")
    )
    return sum(1 for s in set(sirets) if sellsy_held[s] == 1 and altior_held[s] == 1)
