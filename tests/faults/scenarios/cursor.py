"""Scenario 8, cursor edges: the two edges of the pollers' cursor, on both sides.

A poll lists the records updated at or after its cursor, the start of the previous
listing minus a 30 s look-back (``pollers/cursor.py``).  Two edges must lose nothing:

(a) **ties**: many records sharing the cursor's exact timestamp, on the Sellsy side more
    than a page of them (Sellsy pages hold 100).  They are seeded the moment a
    poll has ended, stamped with the bound the next poll sends (Sellsy receives whole
    seconds: its bound is the cursor rounded down; Altior the cursor to the
    microsecond), so that next poll is the only one whose window holds them.  Every
    one must reach the other side *through the polls* (change events of origin
    ``poll``), not wait for the reconciliation;
(b) **late records**: records created and renamed while the sandboxes'
    ``late_visibility_seconds`` fault hides them from listings for longer than the
    look-back can absorb, so they show with a stamp the cursor has passed.  No poll can
    see them (``late records a poll saw`` must stay 0, else the edge was not reached);
    the periodic reconciliation pass (``SYNC_STREAMS_RECONCILE_INTERVAL_SECONDS``,
    set here to 20 s) must sync them.  With the pass off
    (``SYNC_STREAMS_FAULTS_RECONCILE_SECONDS=0``) they are lost: the scenario can fail.

Runs an in-process worker (2 s polls) on one tenant: companies and legal-person third
parties, as the other scenarios.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from sync_streams.pollers.poller import Poller
from tests.faults.changes import Sightings, metric_total, sightings
from tests.faults.context import POLL_INTERVAL, Context, converge
from tests.faults.outcome import RunResult
from tests.faults.probes import altior_of, worker_calls
from tests.faults.workload import Workload
from tests.support.stack import Stack, Tenant

NAME = "8 cursor edges"
RECONCILE_SECONDS = float(os.environ.get("SYNC_STREAMS_FAULTS_RECONCILE_SECONDS", "20"))
"""The workers' reconciliation period here (0 switches the pass off: the late records
must then be lost, which proves the scenario can fail)."""
LOOKBACK = 30.0
LATE_SECONDS = 50.0
"""Longer than the look-back plus a poll interval, with a margin: no poll's window
still holds the stamp of a late write when it shows."""
SELLSY_TIES = 110
"""Above one Sellsy page (100)."""
ALTIOR_TIES = 30
"""Below a page of the Altior client (200): each costs a Sellsy create (about one a
second at Sellsy's 5 calls/s), so a page boundary would need minutes; the sandbox's
contract test splits Altior ties across pages (tests/integration/faults)."""
LATE_CREATES = 3
LATE_RENAMES = 3
ATTEMPTS = 3
PASSES = "sync_streams_reconcile_passes_total"


@contextlib.contextmanager
def reconcile_every(seconds: float) -> Iterator[None]:
    """The reconciliation period a worker started inside reads from its settings."""
    name = "SYNC_STREAMS_RECONCILE_INTERVAL_SECONDS"
    before = os.environ.get(name)
    os.environ[name] = f"{seconds:g}"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def live_poller(stack: Stack, tenant: str, system: str, entity: str) -> Poller:
    """The in-process worker's running poller of one entity."""
    assert stack.runtime is not None and stack.runtime.sync is not None
    spec = stack.runtime.sync.scheduler.spec((tenant, system, entity, "poll"))
    if spec is None or not isinstance(spec.poller, Poller):
        raise AssertionError(f"no poller of {tenant} {system}/{entity}")
    return spec.poller


async def poll_ended(poller: Poller, limit: float = 60.0) -> datetime:
    """Wait for the poller's cursor to move (a poll just ended); the new cursor."""
    before = poller.current_cursor()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        now = poller.current_cursor()
        if now is not None and now != before:
            return now
        await asyncio.sleep(0.01)
    raise AssertionError(f"no poll of {poller.source.system}/{poller.source.entity} ended")


def _at(call: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(call["at"]).replace("Z", "+00:00"))


async def next_listing(
    stack: Stack, tenant: Tenant, system: str, after: datetime, since: datetime
) -> datetime | None:
    """When the poll following a cursor change began listing (the sandboxes' clocks):
    Altior's is the listing sent with ``updated_since`` = the new cursor; Sellsy's log
    keeps no body, so it is the first search of companies after ``after``."""
    calls = await worker_calls(stack, tenant)
    if system == "altior":
        starts = [
            _at(c)
            for c in calls.altior
            if str(c["path"]).endswith("/third-parties")
            and _since(c) == since
            and "cursor" not in parse_qs(str(c.get("query") or ""))
        ]
    else:
        searches = [c for c in calls.sellsy if str(c["path"]).endswith("/companies/search")]
        starts = [_at(c) for c in searches if _at(c) > after]
    return min(starts, default=None)


def _since(call: dict[str, Any]) -> datetime | None:
    values = parse_qs(str(call.get("query") or "")).get("updated_since")
    return datetime.fromisoformat(values[0].replace("Z", "+00:00")) if values else None


@dataclass
class Edge:
    """Ties planted on one side: the bound they share and whether it was the edge."""

    system: str
    stamp: datetime
    tokens: list[str]
    clean: bool
    """The poll after the one that had just ended began listing once the seed was
    committed: it was the first (and only) poll able to see them."""

    def describe(self) -> str:
        where = "the next poll's bound" if self.clean else "a poll began meanwhile: planted again"
        return (
            f"ties: {len(self.tokens)} {self.system} records at {self.stamp.isoformat()} ({where})"
        )


async def plant_ties(
    stack: Stack,
    tenant: Tenant,
    system: str,
    entity: str,
    bound: Callable[[datetime], datetime],
    plant: Callable[[datetime], Awaitable[list[str]]],
) -> Edge:
    """Seed the ties right after a poll ended, stamped with the next poll's bound."""
    poller = live_poller(stack, tenant.id, system, entity)
    cursor = await poll_ended(poller)
    ended = datetime.now(UTC)
    stamp = bound(cursor)
    tokens = await plant(stamp)
    planted = datetime.now(UTC)
    untouched = poller.current_cursor() == cursor  # no whole poll ran meanwhile
    await poll_ended(poller)  # the next poll has listed them (or not)
    began = await next_listing(stack, tenant, system, ended, cursor)
    return Edge(system, stamp, tokens, untouched and began is not None and began > planted)


def sellsy_bound(cursor: datetime) -> datetime:
    """What the Sellsy poll sends for this cursor: whole seconds, rounded down."""
    return cursor.replace(microsecond=0)


def altior_bound(cursor: datetime) -> datetime:
    return cursor


@dataclass
class Late:
    """Writes made under late visibility: token -> (side, record id, name written)."""

    written_at: float = 0.0
    records: dict[str, tuple[str, int, str]] = field(default_factory=dict)


async def late_writes(ctx: Context, stack: Stack, tenant: Tenant, work: Workload) -> Late:
    """Creates and renames on both sides that show in listings only ``LATE_SECONDS`` later."""
    altior = altior_of(stack, tenant)
    older = sorted(t for t in work.expected if t not in work.excluded)
    renamed = ctx.rng.sample(older, min(2 * LATE_RENAMES, len(older)))
    late = Late(written_at=time.monotonic())
    await stack.sellsy_sandbox.set_faults(
        tenant.sellsy_account, late_visibility_seconds=LATE_SECONDS
    )
    await altior.set_faults(tenant.altior_key, late_visibility_seconds=LATE_SECONDS)
    try:
        created = await work.add_sellsy(LATE_CREATES) + await work.add_altior(LATE_CREATES)
        for token in renamed:
            await work.rename(token)
    finally:
        await stack.sellsy_sandbox.set_faults(tenant.sellsy_account)
        await altior.set_faults(tenant.altior_key)
    for token in [*created, *renamed]:
        side = "sellsy" if token in work.sellsy_ids else "altior"
        ids = work.sellsy_ids if side == "sellsy" else work.altior_ids
        late.records[token] = (side, ids[token], work.expected[token])
    return late


def ties_missed(edges: list[Edge], work: Workload, seen: Sightings) -> list[str]:
    """Ties at the edge that no poll published (only the reconciliation, or nothing)."""
    missed = []
    for edge in edges:
        ids = work.sellsy_ids if edge.system == "sellsy" else work.altior_ids
        if edge.clean:
            missed += [t for t in edge.tokens if not seen.seen_by("poll", edge.system, ids[t])]
    return missed


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("cursor") as stack:
        tenant = await stack.add_tenant("acme-prod", company_filter_field=None)
        work = Workload(stack, tenant, "acme", ctx.rng)
        await work.seed(ctx.records)
        started = time.monotonic()
        with reconcile_every(RECONCILE_SECONDS):
            await stack.start_worker()
        loaded, _ = await converge([work], started, ctx.limit)
        live_since = datetime.now(UTC)  # the initial load's full listings came before
        passes_before = metric_total(stack, PASSES, tenant=tenant.id, system="altior")

        # (a) ties: one side at a time, each right after a poll of that side
        edges: list[Edge] = []
        sides = (
            ("sellsy", "company", sellsy_bound,
             lambda stamp: work.add_sellsy(SELLSY_TIES, updated_at=stamp.isoformat())),
            ("altior", "third_party", altior_bound,
             lambda stamp: work.add_altior(ALTIOR_TIES, updated_at=stamp.isoformat())),
        )  # fmt: skip
        for system, entity, bound, plant in sides:
            for _ in range(ATTEMPTS):
                edge = await plant_ties(stack, tenant, system, entity, bound, plant)
                edges.append(edge)
                if edge.clean:
                    break
        ties_planted = time.monotonic()
        tied, _ = await converge([work], ties_planted, ctx.limit)

        # (b) late records, written once the ties are synced
        late = await late_writes(ctx, stack, tenant, work)
        recovered, _ = await converge([work], late.written_at, ctx.limit)
        await asyncio.sleep(3 * POLL_INTERVAL)  # late redeliveries and echoes
        final = await work.audit()
        seen = await sightings(stack, tenant.id)
        calls = await worker_calls(stack, tenant)
        letters = await stack.dead_letters()

        missed = ties_missed(edges, work, seen)
        firsts = {t: seen.first(side, rid, name) for t, (side, rid, name) in late.records.items()}
        polled_late = [t for t, first in firsts.items() if first and first.origin == "poll"]
        by_pass = [t for t, first in firsts.items() if first and first.origin == "reconcile"]
        passes = metric_total(stack, PASSES, tenant=tenant.id)
        pass_calls = [c for c in calls.altior if c["method"] == "GET"
                      and str(c["path"]).endswith(("/third-parties", "/contacts", "/affaires"))
                      and not {"updated_since", "external_key"} & set(parse_qs(str(c["query"])))
                      and _at(c) >= live_since]  # fmt: skip
        altior_passes = metric_total(stack, PASSES, tenant=tenant.id, system="altior")
        altior_passes -= passes_before
        off_edge = [e for e in edges if not e.clean]
        recovered_changes = metric_total(
            stack, "sync_streams_reconcile_recovered_total", tenant=tenant.id
        )

        def took(seconds: float | None) -> str:
            return "NO" if seconds is None else f"{seconds:.0f} s"

        return RunResult(
            records=work.records,
            duplicates=final.duplicates,
            lost=final.lost,
            dead_letters=len(letters),
            converge_seconds=None if recovered is None else time.monotonic() - started,
            calls_per_record=calls.total / max(1, work.records),
            checks={
                "ties the polls missed": len(missed),
                "late records a poll saw": len(polled_late),
                "edges not reached": len(off_edge) if len(off_edge) >= ATTEMPTS else 0,
            },
            notes=[
                f"reconciliation every {RECONCILE_SECONDS:g} s; look-back {LOOKBACK:g} s; "
                f"initial load converged in {took(loaded)}",
                *(e.describe() for e in edges),
                f"ties synced {took(tied)} after planting; missed by the polls: {missed[:5]}",
                f"{len(late.records)} late writes ({LATE_CREATES} creates and "
                f"{LATE_RENAMES} renames per side, visible after {LATE_SECONDS:g} s) synced "
                f"{took(recovered)} after writing; first read by a poll: {polled_late}; "
                f"by the reconciliation: {len(by_pass)}",
                f"reconciliation: {passes:.0f} passes in all; after the initial load "
                f"{altior_passes:.0f} of Altior entities made {len(pass_calls)} list calls; "
                f"recovered {recovered_changes:.0f} changes",
                final.summary(),
                *(f"dead letter: {d.stage} {d.field} {d.reason[:120]}" for d in letters[:5]),
            ],
        )
