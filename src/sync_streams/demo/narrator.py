"""The running commentary: one line per thing the viewer should notice.

Sources: change events and dead letters read from Kafka (what the pollers saw and
what failed), and the worker's write calls in the sandboxes' call logs (what the
sync did).  Names come from the seed, the events' snapshots and the write bodies;
ids the logs do not show (a new record's id) are looked up with the demo's own
credentials.  Every write is also counted in the ledger's ``Tally``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TextIO

from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.calls import Write, changed_fields, display_name, sellsy_ref
from sync_streams.demo.ledger import EXPORT, IMPORT, Ledger, Ref, label
from sync_streams.demo.sellsy_desk import SellsyDesk
from sync_streams.demo.summary import WorkerFigures
from sync_streams.domain.events import ChangeEvent, DeadLetter
from sync_streams.pipeline.mapping.references import reference_value

ENTITY_KIND = {"altior_contact": "contact"}
ALTIOR_KIND_OF = {"company": "third_party", "individual": "third_party", "contact": "contact",
                  "opportunity": "affaire"}  # fmt: skip
COLLAPSE_AT = 6
ECHO_NOTE = "  (echo of the sync's own write)"


class Narrator(Ledger):
    def __init__(
        self,
        out: TextIO,
        *,
        sellsy: SellsyDesk,
        altior: AltiorDesk,
        reference: tuple[str, str],
        siret_pairs: Iterable[tuple[int, int]] = (),
    ) -> None:
        super().__init__(out, siret_pairs)
        self.sellsy, self.altior = sellsy, altior
        self.codification, self.ref_key = reference
        self.seen_events: set[str] = set()
        self.figures: WorkerFigures | None = None

    # -- Kafka ------------------------------------------------------------------------------
    def on_changes(self, events: list[ChangeEvent]) -> None:
        groups: dict[tuple[str, str], list[ChangeEvent]] = {}
        for event in events:
            if event.event_id in self.seen_events:
                continue  # the same content observed again (overlapping poll windows)
            self.seen_events.add(event.event_id)
            groups.setdefault((event.system, event.origin), []).append(event)
            self.tally.changes[event.system] += 1
        for (system, origin), batch in groups.items():
            lane = system.capitalize()
            verb = "read by init" if origin == "init" else "changed"
            told = [(event, *self._learn(event)) for event in batch]
            self.tally.echoes[system] += sum(1 for _e, _r, echo in told if echo)
            if len(batch) <= COLLAPSE_AT:
                for event, ref, echo in told:
                    note = ECHO_NOTE if echo else ""
                    self.say(event.observed_at, lane, f"{self.label(ref)} {verb}{note}")
                continue
            kinds = Counter(ref[1] for _e, ref, _echo in told)
            parts = ", ".join(f"{k.replace('_', ' ')} ×{n}" for k, n in kinds.most_common())
            echoes = sum(1 for _e, _r, echo in told if echo)
            tail = f"; {echoes} are echoes of the sync's own writes" if echoes else ""
            self.say(batch[-1].observed_at, lane, f"{len(batch)} records {verb} ({parts}{tail})")

    def _learn(self, event: ChangeEvent) -> tuple[Ref, bool]:
        kind = ENTITY_KIND.get(event.entity, event.entity)
        ref: Ref = (event.system, kind, int(event.source_id) if event.source_id.isdigit() else 0)
        self.remember(ref, display_name(event.snapshot))
        if event.system == "altior":
            sellsy_id = sellsy_ref(event.snapshot, self.codification, self.ref_key)
            sellsy_kind = self.sellsy_kind(ref, event.snapshot)
            if sellsy_id and sellsy_id.isdigit():
                self.link(("sellsy", sellsy_kind, int(sellsy_id)), ref)
        return ref, self.is_echo(ref, event.observed_at)

    def on_dead_letter(self, letter: DeadLetter) -> None:
        system = letter.system or "?"
        self.tally.dead_lettered[IMPORT if system == "sellsy" else EXPORT] += 1
        kind = ENTITY_KIND.get(letter.entity or "", letter.entity or "record")
        source = letter.source_id or ""
        what = self.label((system, kind, int(source))) if source.isdigit() else f"{kind} {source}"
        where = f"read from {system.capitalize()}, stage {letter.stage}"
        self.say(letter.failed_at, "dead letter", f"{what.strip()} ({where}): {letter.reason}")

    # -- worker metrics ----------------------------------------------------------------------
    def on_worker_figures(self, figures: WorkerFigures) -> None:
        """What only the worker knows: events its filter left out, conflicts it resolved."""
        previous, self.figures = self.figures, figures
        if not figures.available or previous is None or not previous.available:
            return
        now = datetime.now(UTC)
        for direction in (IMPORT, EXPORT):
            left_out = figures.filtered[direction] - previous.filtered[direction]
            if left_out > 0:
                self.say(now, direction, f"{left_out} change(s) left out by the filter "
                         '(not flagged "Synchronisation Altior")')  # fmt: skip
            conflicts = figures.conflicts[direction] - previous.conflicts[direction]
            if conflicts > 0:
                self.say(now, direction, f"{conflicts} conflict(s): changed on both sides since "
                         "the last sync, resolved by the documented rule")  # fmt: skip

    # -- call logs ---------------------------------------------------------------------------
    def count_calls(self, system: str, rows: list[dict[str, object]]) -> None:
        self.tally.calls[system] += len(rows)
        self.tally.rate_limited[system] += sum(1 for r in rows if r.get("status") == 429)

    async def on_altior_write(self, write: Write) -> None:
        kind = write.kind
        target: Ref = ("altior", kind, write.record_id or 0)
        sellsy_id = sellsy_ref(write.body, self.codification, self.ref_key)
        source: Ref | None = None
        if sellsy_id and sellsy_id.isdigit():
            source = ("sellsy", self.sellsy_kind(target, write.body), int(sellsy_id))
            self.remember(source, display_name(write.body))
        if not write.ok:
            self.tally.refused[IMPORT] += 1
            subject = self.label(source) if source else f"{kind.replace('_', ' ')}"
            self.say(write.at, IMPORT, f"{subject} refused by Altior (HTTP {write.status})")
        elif write.action == "create":
            await self._altior_created(write, source)
        elif write.action == "update" and write.record_id is not None:
            self._altior_updated(write, target, source)
        else:
            self.tally.updated[IMPORT] += 1
            detail = f" ({write.detail})" if write.detail else ""
            self.say(write.at, IMPORT, f"{self.label(target)}: {write.action}{detail} in Altior")

    async def _altior_created(self, write: Write, source: Ref | None) -> None:
        self.tally.created[IMPORT] += 1
        what = write.kind.replace("_", " ")
        if source is None:
            name = display_name(write.body) or ""
            self.say(write.at, IMPORT, f'{what} "{name}" created in Altior')
            return
        value = reference_value(source[2], individual=source[1] == "individual")
        found = await self.altior.by_sellsy_id(
            write.kind, value, codification=self.codification, key=self.ref_key
        )
        where = ""
        if found:
            altior: Ref = ("altior", write.kind, int(found["id"]))
            self.sellsy_kind(altior, found)
            self.remember(altior, display_name(found))
            self.link(source, altior)
            self.written(altior, write.at)
            where = f" ({what} {found['id']})"
        self.say(write.at, IMPORT, f"{self.label(source)} created in Altior{where}")

    def _altior_updated(self, write: Write, altior: Ref, source: Ref | None) -> None:
        """An update.  A body holding only the link is not told: the link that follows an
        export create was told by the create, a SIRET match by ``tell_pair``."""
        self.written(altior, write.at)
        self.tell_pair(write.at, altior)
        fields = changed_fields(write.body)
        if source is not None:
            self.link(source, altior)
            if fields == ["link"]:
                self.tally.links += 1
                return
        source = self.links.get(altior)
        self.tally.updated[IMPORT] += 1
        subject = self.label(source) if source else self.label(altior)
        where = f" ({self.label(altior)})" if source else ""
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
        self.written(target, write.at)
        self.tell_pair(write.at, target)
        if write.action == "link":
            self.tally.links += 1
            contact = self.label(("sellsy", "contact", int(write.detail or 0)))
            self.say(write.at, EXPORT, f"{contact} linked to {self.label(target)} in Sellsy")
            return
        source = self.links.get(target)
        subject = self.label(source) if source else self.label(target)
        where = f" ({self.label(target)})" if source else ""
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
        self.remember(target, display_name(record))
        self.written(target, write.at)
        source = self.links.get(target) or self.altior_named(
            ALTIOR_KIND_OF.get(write.kind, write.kind), display_name(record)
        )
        if source is None:
            self.say(write.at, EXPORT, f"{self.label(target)} created in Sellsy")
            return
        self.link(target, source)
        self.say(write.at, EXPORT, f"{self.label(source)} created in Sellsy ({self.label(target)})")


__all__ = ["EXPORT", "IMPORT", "Narrator", "label"]
