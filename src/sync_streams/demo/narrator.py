"""The running commentary: one line per thing the viewer should notice.

Sources: change events and dead letters read from Kafka (what the pollers saw and
what failed), and the worker's write calls in the sandboxes' call logs (what the
sync did).  Names come from the seed, the events' snapshots and the write bodies;
ids the logs do not show (a new record's id) are looked up with the demo's own
credentials.  Every write is also counted in a ``Tally`` for the summary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TextIO

from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.calls import Write, changed_fields, display_name, sellsy_ref
from sync_streams.demo.sellsy_desk import SellsyDesk
from sync_streams.domain.events import ChangeEvent, DeadLetter

IMPORT, EXPORT = "Sellsy → Altior", "Altior → Sellsy"
ENTITY_KIND = {"altior_contact": "contact"}
SELLSY_KIND_OF = {"moral": "company", "physique": "individual"}
ALTIOR_KIND_OF = {
    "company": "third_party",
    "individual": "third_party",
    "contact": "contact",
    "opportunity": "affaire",
}
ECHO_WINDOW = timedelta(seconds=60)
COLLAPSE_AT = 6

Ref = tuple[str, str, int]  # system, kind, id


def clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def label(ref: Ref, name: str | None) -> str:
    text = f"{ref[1].replace('_', ' ')} {ref[2]}"
    return f'{text} "{name}"' if name else text


@dataclass
class Tally:
    """What the narrator saw, for the summary; directions are IMPORT and EXPORT."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    changes: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    rate_limited: Counter[str] = field(default_factory=Counter)
    siret_matches: int = 0
    links: int = 0


class Narrator:
    def __init__(
        self,
        out: TextIO,
        *,
        sellsy: SellsyDesk,
        altior: AltiorDesk,
        reference: tuple[str, str],
        siret_pairs: Iterable[tuple[int, int]] = (),
    ) -> None:
        self.out = out
        self.sellsy, self.altior = sellsy, altior
        self.codification, self.ref_key = reference
        self.siret_pairs = set(siret_pairs)
        """(Sellsy company id, Altior third-party id) pairs sharing a valid SIRET."""
        self.names: dict[Ref, str] = {}
        self.links: dict[Ref, Ref] = {}
        self.recent: dict[Ref, datetime] = {}
        self.known_ids: dict[str, set[int]] = {}
        self.tally = Tally()

    # -- plumbing ----------------------------------------------------------------------------
    def say(self, at: datetime, lane: str, text: str) -> None:
        self.out.write(f"{clock(at)}  {lane:<16} {text}\n")
        self.out.flush()

    def remember(self, ref: Ref, name: str | None) -> None:
        if name:
            self.names[ref] = name

    def link(self, sellsy: Ref, altior: Ref) -> None:
        self.links[sellsy], self.links[altior] = altior, sellsy

    def _label(self, ref: Ref) -> str:
        return label(ref, self.names.get(ref))

    # -- Kafka ------------------------------------------------------------------------------
    def on_changes(self, events: list[ChangeEvent]) -> None:
        groups: dict[tuple[str, str], list[ChangeEvent]] = {}
        for event in events:
            groups.setdefault((event.system, event.origin), []).append(event)
            self.tally.changes[event.system] += 1
        for (system, origin), batch in groups.items():
            lane = system.capitalize()
            verb = "read by init" if origin == "init" else "changed"
            if len(batch) > COLLAPSE_AT:
                kinds = Counter(ENTITY_KIND.get(e.entity, e.entity) for e in batch)
                parts = ", ".join(f"{k.replace('_', ' ')} ×{n}" for k, n in kinds.most_common())
                self._learn_all(batch)
                self.say(batch[-1].observed_at, lane, f"{len(batch)} records {verb} ({parts})")
                continue
            for event in batch:
                ref = self._learn(event)
                echo = self._is_echo(ref, event.observed_at)
                note = "  (the sync's own write, seen again: echo)" if echo else ""
                self.say(event.observed_at, lane, f"{self._label(ref)} {verb}{note}")

    def _learn_all(self, events: list[ChangeEvent]) -> None:
        for event in events:
            self._learn(event)

    def _learn(self, event: ChangeEvent) -> Ref:
        kind = ENTITY_KIND.get(event.entity, event.entity)
        ref: Ref = (event.system, kind, int(event.source_id) if event.source_id.isdigit() else 0)
        self.remember(ref, display_name(event.snapshot))
        if event.system == "altior":
            sellsy_id = sellsy_ref(event.snapshot, self.codification, self.ref_key)
            sellsy_kind = SELLSY_KIND_OF.get(str(event.snapshot.get("kind")), kind)
            if sellsy_id and sellsy_id.isdigit():
                self.link(
                    ("sellsy", "opportunity" if kind == "affaire" else sellsy_kind, int(sellsy_id)),
                    ref,
                )
        return ref

    def _is_echo(self, ref: Ref, at: datetime) -> bool:
        written = self.recent.get(ref)
        return written is not None and abs(at - written) < ECHO_WINDOW

    def on_dead_letter(self, letter: DeadLetter) -> None:
        direction = IMPORT if letter.system == "sellsy" else EXPORT
        self.tally.dead_lettered[direction] += 1
        kind = ENTITY_KIND.get(letter.entity or "", letter.entity or "record")
        source = letter.source_id or "?"
        what = (
            label((letter.system or "", kind, 0), None)
            if not source.isdigit()
            else (self._label((letter.system or "", kind, int(source))))
        )
        where = f"{(letter.system or '?').capitalize()}, stage {letter.stage}"
        self.say(letter.failed_at, "dead letter", f"{what} ({where}): {letter.reason}")

    # -- call logs ---------------------------------------------------------------------------
    def count_calls(self, system: str, rows: list[dict[str, Any]]) -> None:
        self.tally.calls[system] += len(rows)
        self.tally.rate_limited[system] += sum(1 for r in rows if r.get("status") == 429)

    async def on_altior_write(self, write: Write) -> None:
        kind = write.kind
        sellsy_kind = SELLSY_KIND_OF.get(str((write.body or {}).get("kind")), kind)
        if kind == "affaire":
            sellsy_kind = "opportunity"
        sellsy_id = sellsy_ref(write.body, self.codification, self.ref_key)
        name = display_name(write.body)
        if not write.ok:
            self.tally.refused[IMPORT] += 1
            subject = (
                self._label(("sellsy", sellsy_kind, int(sellsy_id)))
                if (sellsy_id and sellsy_id.isdigit())
                else f"{kind.replace('_', ' ')} {name or ''}"
            )
            self.say(write.at, IMPORT, f"{subject} refused by Altior (HTTP {write.status})")
            return
        if write.action == "create":
            await self._altior_created(write, sellsy_kind, sellsy_id, name)
        elif write.action == "update" and write.record_id is not None:
            self._altior_updated(write, sellsy_kind, sellsy_id)
        else:
            target = self._label(("altior", kind, write.record_id or 0))
            self.tally.updated[IMPORT] += 1
            detail = f" ({write.detail})" if write.detail else ""
            self.say(write.at, IMPORT, f"{target}: {write.action}{detail} in Altior")

    async def _altior_created(
        self, write: Write, sellsy_kind: str, sellsy_id: str | None, name: str | None
    ) -> None:
        self.tally.created[IMPORT] += 1
        if not sellsy_id or not sellsy_id.isdigit():
            self.say(
                write.at, IMPORT, f"{write.kind.replace('_', ' ')} {name or ''} created in Altior"
            )
            return
        source: Ref = ("sellsy", sellsy_kind, int(sellsy_id))
        self.remember(source, name)
        found = await self.altior.by_sellsy_id(
            write.kind, sellsy_id, codification=self.codification, key=self.ref_key
        )
        target = f"({write.kind.replace('_', ' ')} {found['id']})" if found else ""
        if found:
            altior: Ref = ("altior", write.kind, int(found["id"]))
            self.remember(altior, display_name(found))
            self.link(source, altior)
            self.recent[altior] = write.at
        self.say(write.at, IMPORT, f"{self._label(source)} created in Altior {target}".rstrip())

    def _altior_updated(self, write: Write, sellsy_kind: str, sellsy_id: str | None) -> None:
        assert write.record_id is not None
        altior: Ref = ("altior", write.kind, write.record_id)
        self.recent[altior] = write.at
        fields = changed_fields(write.body)
        source = self.links.get(altior)
        if sellsy_id and sellsy_id.isdigit():
            source = ("sellsy", sellsy_kind, int(sellsy_id))
            newly_linked = self.links.get(source) != altior
            self.link(source, altior)
            if newly_linked and (int(sellsy_id), write.record_id) in self.siret_pairs:
                self.tally.siret_matches += 1
                rest = [f for f in fields if f != "link"]
                extra = f", then updated: {', '.join(rest)}" if rest else ""
                self.say(
                    write.at,
                    "SIRET match",
                    f"{self._label(source)} ↔ {self._label(altior)} linked, not duplicated{extra}",
                )
                return
            if fields == ["link"]:
                self.tally.links += 1
                self.say(write.at, "link", f"{self._label(altior)} ↔ {self._label(source)}")
                return
        self.tally.updated[IMPORT] += 1
        subject = self._label(source) if source else self._label(altior)
        where = f" ({self._label(altior)})" if source else ""
        self.say(write.at, IMPORT, f"{subject} updated in Altior{where}: {', '.join(fields)}")

    async def on_sellsy_write(self, write: Write) -> None:
        if not write.ok:
            self.tally.refused[EXPORT] += 1
            what = f"{write.kind} {write.record_id or ''}".strip()
            self.say(write.at, EXPORT, f"{what} refused by Sellsy (HTTP {write.status})")
            return
        if write.action == "create":
            await self._sellsy_created(write)
            return
        target: Ref = ("sellsy", write.kind, write.record_id or 0)
        self.recent[target] = write.at
        source = self.links.get(target)
        subject = self._label(source) if source else self._label(target)
        where = f" ({self._label(target)})" if source else ""
        if write.action == "link":
            self.tally.links += 1
            contact = self._label(("sellsy", "contact", int(write.detail or 0)))
            self.say(write.at, EXPORT, f"{contact} linked to {self._label(target)} in Sellsy")
            return
        self.tally.updated[EXPORT] += 1
        what = "flag set" if write.action == "flag" else "updated"
        self.say(write.at, EXPORT, f"{subject} {what} in Sellsy{where}")

    async def _sellsy_created(self, write: Write) -> None:
        self.tally.created[EXPORT] += 1
        known = self.known_ids.setdefault(write.kind, set())
        new = [r for r in await self.sellsy.newest(write.kind) if int(r["id"]) not in known]
        if not new:
            self.say(write.at, EXPORT, f"{write.kind} created in Sellsy")
            return
        record = min(new, key=lambda r: int(r["id"]))
        known.add(int(record["id"]))
        target: Ref = ("sellsy", write.kind, int(record["id"]))
        name = display_name(record)
        self.remember(target, name)
        self.recent[target] = write.at
        source = self._altior_named(ALTIOR_KIND_OF.get(write.kind, write.kind), name)
        if source is not None:
            self.link(target, source)
            self.say(
                write.at, EXPORT, f"{self._label(source)} created in Sellsy ({self._label(target)})"
            )
        else:
            self.say(write.at, EXPORT, f"{self._label(target)} created in Sellsy")

    def _altior_named(self, kind: str, name: str | None) -> Ref | None:
        """The Altior record the new Sellsy one came from: same kind and name, not linked."""
        for ref, known in self.names.items():
            if ref[0] == "altior" and ref[1] == kind and known == name and ref not in self.links:
                return ref
        return None
