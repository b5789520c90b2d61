"""What the narrator knows about records: names, links between the two sides, kinds,
the sync's recent writes (to recognise echoes), and the counts for the summary.

A record is a ``Ref``: ``(system, kind, id)``, e.g. ``("sellsy", "company", 17)`` or
``("altior", "third_party", 412)``.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

IMPORT, EXPORT = "Sellsy → Altior", "Altior → Sellsy"
SELLSY_KIND_OF = {"moral": "company", "physique": "individual"}
ECHO_WINDOW = timedelta(seconds=90)
"""A change seen this soon after the sync wrote the record is taken for its echo
(pollers run every poll_interval_seconds, 30 s by default)."""

Ref = tuple[str, str, int]  # system, kind, id


def label(ref: Ref, name: str | None) -> str:
    text = f"{ref[1].replace('_', ' ')} {ref[2]}"
    return f'{text} "{name}"' if name else text


def name_key(name: str | None) -> frozenset[str]:
    """Words of a name, case- and accent-folded: "VASSEUR Claire" == "Claire Vasseur"."""
    folded = unicodedata.normalize("NFKD", (name or "").casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return frozenset(plain.split())


@dataclass
class Tally:
    """What the narrator saw, for the summary; directions are IMPORT and EXPORT."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    echoes: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    rate_limited: Counter[str] = field(default_factory=Counter)
    links: int = 0


class Ledger:
    def __init__(self, out: TextIO, siret_pairs: Iterable[tuple[int, int]] = ()) -> None:
        self.out = out
        self.names: dict[Ref, str] = {}
        self.links: dict[Ref, Ref] = {}
        self.recent: dict[Ref, datetime] = {}
        self.known_ids: dict[str, set[int]] = {}
        """Sellsy ids that exist (seeded, created by the demo, or already reported)."""
        self.third_party_kinds: dict[int, str] = {}
        """Altior third-party id -> Sellsy kind (company for moral, individual for physique)."""
        pairs = [(("sellsy", "company", s), ("altior", "third_party", a)) for s, a in siret_pairs]
        self.pairs: dict[Ref, Ref] = {**dict(pairs), **{a: s for s, a in pairs}}
        """Records sharing a valid SIRET with one record of the other side (init links them)."""
        self.told_pairs: set[Ref] = set()
        self.tally = Tally()
        self._shown: datetime | None = None

    def say(self, at: datetime, lane: str, text: str) -> None:
        """One line; times never go backwards (sources are read a moment apart)."""
        shown = at if self._shown is None or at > self._shown else self._shown
        self._shown = shown
        self.out.write(f"{shown.astimezone().strftime('%H:%M:%S')}  {lane:<16} {text}\n")
        self.out.flush()

    def remember(self, ref: Ref, name: str | None) -> None:
        if name:
            self.names[ref] = name

    def link(self, sellsy: Ref, altior: Ref) -> None:
        self.links[sellsy], self.links[altior] = altior, sellsy

    def label(self, ref: Ref) -> str:
        return label(ref, self.names.get(ref))

    def edited(self, ref: Ref) -> None:
        """A person changed ``ref``: its next change event is no echo of the sync."""
        self.recent.pop(ref, None)

    def written(self, ref: Ref, at: datetime) -> None:
        self.recent[ref] = at

    def is_echo(self, ref: Ref, at: datetime) -> bool:
        written = self.recent.get(ref)
        return written is not None and abs(at - written) < ECHO_WINDOW

    def sellsy_kind(self, altior: Ref, body: dict[str, Any] | None = None) -> str:
        """The Sellsy kind an Altior record corresponds to (learning it from ``body``)."""
        if altior[1] == "affaire":
            return "opportunity"
        if altior[1] != "third_party":
            return altior[1]
        kind = SELLSY_KIND_OF.get(str((body or {}).get("kind")))
        if kind is not None:
            self.third_party_kinds[altior[2]] = kind
            return kind
        return self.third_party_kinds.get(altior[2], "company")

    def altior_named(self, kind: str, name: str | None) -> Ref | None:
        """The not yet linked Altior record of ``kind`` whose name has the same words."""
        wanted = name_key(name)
        for ref, known in self.names.items():
            free = ref[0] == "altior" and ref[1] == kind and ref not in self.links
            if free and wanted and name_key(known) == wanted:
                return ref
        return None

    def tell_pair(self, at: datetime, ref: Ref) -> None:
        """First write touching a SIRET pair: say the two records were linked, not duplicated."""
        other = self.pairs.get(ref)
        if other is None or ref in self.told_pairs:
            return
        self.told_pairs.update((ref, other))
        sellsy, altior = (ref, other) if ref[0] == "sellsy" else (other, ref)
        self.link(sellsy, altior)
        self.say(at, "SIRET match", f"{self.label(sellsy)} ↔ {self.label(altior)}: "
                 "same SIRET, linked instead of duplicated")  # fmt: skip
