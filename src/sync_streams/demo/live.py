"""The live phase: init (when available), then scripted edits, narrated as they flow.

One loop, one tick per poll of the Kafka feed: new change events and dead letters,
new worker calls in both call logs, init output, the next edit when it is due, and
a check that no child died.  It ends on the stop event (Ctrl-C) or the deadline.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import httpx
import yaml

from sync_streams.demo import sample
from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.calls import altior_write, sellsy_write
from sync_streams.demo.edits import EDITS, EditContext
from sync_streams.demo.feed import KafkaFeed
from sync_streams.demo.narrator import Narrator
from sync_streams.demo.processes import Child, Children
from sync_streams.demo.seeding import AltiorSeeded, SellsySeeded
from sync_streams.demo.sellsy_desk import SandboxCallError, SellsyDesk
from sync_streams.demo.summary import WorkerFigures, worker_figures
from sync_streams.domain.siret import SiretMatch, match_by_siret
from sync_streams.kafka.declarations import Topology

if TYPE_CHECKING:
    from sync_streams.demo.run import DemoOptions

SETTLE_SECONDS = 8.0
"""Quiet time after start (or after init) before the first edit, so causes stay apart."""
INIT_WAIT = 120.0
"""Longest wait for init before the live edits start anyway."""
TAIL_MARGIN = 10.0
"""Time kept after the last edit of a timed run, beyond one poll interval, for it to
reach the other side."""


def siret_matches(sellsy: SellsySeeded, altior: AltiorSeeded) -> list[SiretMatch]:
    """The seeded (Sellsy company, Altior third party) pairs an init should link by SIRET."""
    report = match_by_siret(
        [
            (sellsy.ids[c.key], c.body.get("legal_france", {}).get("siret"))
            for c in sample.SELLSY_COMPANIES
        ],
        [(altior.ids[t.key], t.body.get("siret")) for t in sample.ALTIOR.third_parties],
    )
    return report.matched


def _tenant_settings(tenant_path: Path) -> tuple[tuple[str, str], float]:
    """The external reference (codification, key) and the poll interval of the tenant."""
    data = yaml.safe_load(tenant_path.read_text(encoding="utf-8"))
    ref = data["altior"]["external_reference"]
    return (str(ref["codification"]), str(ref["key"])), float(data.get("poll_interval_seconds", 30))


class LivePhase:
    def __init__(
        self,
        out: TextIO,
        *,
        options: DemoOptions,
        broker: str,
        topology: Topology,
        children: Children,
        sellsy: SellsyDesk,
        altior: AltiorDesk,
        sellsy_seed: SellsySeeded,
        altior_seed: AltiorSeeded,
        tenant: str,
        tenant_path: Path,
        stop: asyncio.Event,
        child_env: dict[str, str],
        worker_url: str,
    ) -> None:
        self.out, self.options, self.children = out, options, children
        self.sellsy, self.altior = sellsy, altior
        self.sellsy_seed, self.altior_seed = sellsy_seed, altior_seed
        self.tenant, self.stop = tenant, stop
        self.child_env = child_env
        """Environment of the sync's own commands (secrets, topic prefix, broker)."""
        self.feed = KafkaFeed(
            broker,
            [
                topology.name("changes.sellsy"),
                topology.name("changes.altior"),
                topology.name("changes.bulk"),
            ],
            topology.name("deadletter"),
            {topic.full_name: topic.partitions for topic in topology.topics},
        )
        self.matches = siret_matches(sellsy_seed, altior_seed)
        reference, self.poll_interval = _tenant_settings(tenant_path)
        self.narrator = Narrator(
            out,
            sellsy=sellsy,
            altior=altior,
            reference=reference,
            siret_pairs=[(int(m.source_id), int(m.target_id)) for m in self.matches],
        )
        self._learn_seed()
        self.marks = {"sellsy": 0, "altior": 0}
        self.init: Child | None = None
        self.init_offset = 0
        self.edits = list(EDITS)
        self.next_edit_at: float | None = None
        self.lookup_warned = False
        self.worker_url = worker_url
        self.init_started = 0.0

    def _learn_seed(self) -> None:
        n = self.narrator
        groups = (sample.SELLSY_COMPANIES, sample.SELLSY_INDIVIDUALS, sample.SELLSY_CONTACTS)
        for group in groups:
            for item in group:
                kind = self.sellsy_seed.kinds[item.key]
                ref = ("sellsy", kind, self.sellsy_seed.ids[item.key])
                body = item.body
                n.remember(ref, body.get("name") or f"{body.get('first_name')} {body['last_name']}")
                n.known_ids.setdefault(kind, set()).add(ref[2])
        for tp in sample.ALTIOR.third_parties:
            body = tp.body
            name = body.get("name") or f"{body.get('first_name')} {body.get('last_name')}"
            n.remember(("altior", "third_party", self.altior_seed.ids[tp.key]), name)
        for opportunity in sample.SELLSY_OPPORTUNITIES:
            oid = self.sellsy_seed.opportunities[opportunity.name]
            n.remember(("sellsy", "opportunity", oid), opportunity.name)
            n.known_ids.setdefault("opportunity", set()).add(oid)

    def say(self, lane: str, text: str) -> None:
        self.narrator.say(datetime.now(UTC), lane, text)

    async def run(self, init_command: list[str] | None) -> None:
        started = time.monotonic()
        deadline = started + self.options.duration if self.options.duration else None
        await self.feed.start()
        try:
            self._start_init(init_command)
            self.say(
                "live",
                "live sync running; Ctrl-C stops the demo and prints the summary"
                if deadline is None
                else f"live sync running for {self.options.duration:.0f} s",
            )
            while not self.stop.is_set() and (deadline is None or time.monotonic() < deadline):
                await self._tick(deadline)
            await self._tick(deadline, final=True)
        finally:
            await self.feed.stop()

    def _start_init(self, command: list[str] | None) -> None:
        if command is None:
            self.say(
                "init",
                "`sync-streams init` is not available in this build: skipping the "
                "initial thirdPartyAll job, going on with live sync only",
            )
            return
        self.say("init", f"sync-streams init --tenant {self.tenant} --job thirdPartyAll")
        self.init = self.children.start("init", command, env=self.child_env)
        self.init.exit_expected = True
        self.init_started = time.monotonic()

    async def _tick(self, deadline: float | None, *, final: bool = False) -> None:
        batch = await self.feed.poll(timeout_ms=100 if final else 700)
        self.narrator.on_changes(batch.changes)
        for letter in batch.dead_letters:
            self.narrator.on_dead_letter(letter)
        try:
            await self._calls()
        except (SandboxCallError, httpx.HTTPError) as exc:
            if not self.lookup_warned:
                self.say("note", f"could not read a call log or look a record up: {exc}")
                self.lookup_warned = True
        self._init_progress()
        self.narrator.on_worker_figures(await self._figures())
        if final:
            return
        self.children.check()
        await self._maybe_edit(deadline)

    async def _figures(self) -> WorkerFigures:
        try:
            response = await self.sellsy.http.get(f"{self.worker_url}/metrics", timeout=5.0)
        except httpx.HTTPError:
            return WorkerFigures()
        return worker_figures(response.text if response.is_success else None, self.tenant)

    async def _calls(self) -> None:
        """The worker's new calls on both sides, told in time order (cause before effect)."""
        sellsy_rows, self.marks["sellsy"] = await self.sellsy.calls(
            self.sellsy_seed.account_id, self.sellsy_seed.worker_client_id, self.marks["sellsy"]
        )
        altior_rows, self.marks["altior"] = await self.altior.calls(
            self.altior_seed.tenant_id, self.altior_seed.worker_key_id, self.marks["altior"]
        )
        self.narrator.count_calls("sellsy", sellsy_rows)
        self.narrator.count_calls("altior", altior_rows)
        writes = [w for w in map(sellsy_write, sellsy_rows) if w is not None]
        writes += [w for w in map(altior_write, altior_rows) if w is not None]
        for write in sorted(writes, key=lambda w: w.at):
            if write.system == "sellsy":
                await self.narrator.on_sellsy_write(write)
            else:
                await self.narrator.on_altior_write(write)

    def _init_progress(self) -> None:
        if self.init is None:
            return
        try:
            with self.init.log_path.open("rb") as log:
                log.seek(self.init_offset)
                chunk = log.read()
        except OSError:
            return
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.init_offset += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            if line.strip():
                self.say("init", line.strip())
        if not self.init.alive() and not chunk[len(complete) :]:
            self.say("init", f"finished (exit code {self.init.process.returncode})")
            self.init = None

    async def _maybe_edit(self, deadline: float | None) -> None:
        init_running = self.init is not None and time.monotonic() - self.init_started < INIT_WAIT
        if not self.edits or init_running:
            return
        now = time.monotonic()
        if self.next_edit_at is None:
            self.next_edit_at = now + SETTLE_SECONDS
            return
        if now < self.next_edit_at:
            return
        edit = self.edits.pop(0)
        context = EditContext(
            self.sellsy, self.altior, self.sellsy_seed, self.altior_seed, self.narrator
        )
        try:
            await edit(context)
        except (SandboxCallError, httpx.HTTPError) as exc:
            self.say("demo edit", f"failed: {exc}")
        interval = self.options.edit_interval
        if deadline is not None and self.edits:
            room = deadline - time.monotonic() - self.poll_interval - TAIL_MARGIN
            interval = min(interval, max(1.0, room / len(self.edits)))
        self.next_edit_at = time.monotonic() + interval
