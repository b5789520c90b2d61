"""Scenario 10, archive and delete: archive flags follow a record to its twin; a hard
delete is reported, never propagated nor undone.

One tenant syncs every third-party kind both ways (companies and legal persons,
individuals and natural persons, contacts), some records archived from birth.  Then,
while the worker runs:

1. users archive synced records on either side (Sellsy ``is_archived`` through ``PUT``,
   Altior ``archived`` through ``PATCH``), some on the side they were born on, some on
   their twin's side, and un-archive the records archived from birth (which had no twin:
   an archived record gets none, until it is un-archived);
2. they un-archive half of those archived in step 1 on one side, half on the other;
3. they hard-delete Sellsy records (a company born in Sellsy, the Sellsy twin of a
   legal person born in Altior, an individual, a contact; Altior has no delete) and
   then edit each survivor in Altior.

Proves, from both sandboxes' databases: every record once on each side it must be on,
at its last version, its archive flag equal on both sides and to what its users did
last (``archive flags differing``); each deleted Sellsy record stays deleted
(``deleted re-created``) while its Altior twin keeps its edit, unarchived; and every
delete is reported, by side and entity, in the worker's ``/metrics``
(``sync_streams_deleted_twins_total``), its ``/status`` JSON (``deleted_twins``) and
``sync-streams status --json`` (``deletes misreported``: the sum of the gaps).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import httpx

from tests.faults.changes import metric_by, metric_total
from tests.faults.context import POLL_INTERVAL, Context
from tests.faults.outcome import RunResult
from tests.faults.probes import worker_calls
from tests.faults.twins import Twin, TwinAudit, Twins
from tests.support.stack import PARTITIONS, Stack

NAME = "10 archive and delete"
DELETED = "sync_streams_deleted_twins_total"
STEP_LIMIT = 90.0
"""Seconds each step after the initial load may take to settle (a few polls suffice)."""


async def settle(twins: Twins, started: float, limit: float) -> tuple[float | None, TwinAudit]:
    """Audit until clean: seconds since ``started`` (None after ``limit``) and the audit."""
    while True:
        audit = await twins.audit()
        if audit.clean:
            return time.monotonic() - started, audit
        if time.monotonic() - started > limit:
            return None, audit
        await asyncio.sleep(2.0)


def _pick(candidates: Sequence[Twin], used: set[str], paired: set[str]) -> list[Twin]:
    """The first record of ``candidates`` synced and not archived, not used yet (none when
    none is: a kind that never synced is counted lost by the audit, not edited)."""
    for twin in candidates:
        if twin.token not in used and twin.token in paired and not twin.archived:
            used.add(twin.token)
            return [twin]
    return []


async def _status_command(ctx: Context, stack: Stack, url: str) -> dict[str, Any]:
    """``sync-streams status --worker URL --json``, as an operator runs it."""
    env = {**os.environ, "SYNC_STREAMS_TOPIC_PARTITIONS": str(PARTITIONS)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sync_streams", "status", "--worker", url, "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    out, _ = await process.communicate()
    ctx.outputs[f"sync-streams status --json ({stack.prefix})"] = out
    try:
        answer: dict[str, Any] = json.loads(out)
    except ValueError:
        return {}
    return answer


def _deleted_in(tenants: list[dict[str, Any]], tenant: str) -> dict[str, int]:
    for item in tenants:
        if item.get("tenant") == tenant:
            return {str(k): int(v) for k, v in (item.get("deleted_twins") or {}).items()}
    return {}


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("archive") as stack:
        tenant = await stack.add_tenant(
            "acme-prod", company_filter_field=None, contact_filter_field=None
        )
        twins = Twins(stack, tenant, "acme")
        people = max(2, ctx.records // 10)
        companies = max(5, (ctx.records - 3 * people) // 2)
        await twins.seed_sellsy(companies, people, people, archived=1)
        await twins.seed_altior(companies, people, archived=1)
        started = time.monotonic()
        await stack.start_worker()
        loaded, first = await settle(twins, started, ctx.limit)
        step_limit = min(ctx.limit, STEP_LIMIT)

        # 1. archive on either side; un-archive the records archived from birth
        used: set[str] = set()
        paired = await twins.paired()
        linked = {t.token for t in twins.of("company", "sellsy")[:people]}  # they hold contacts
        sellsy_companies = [t for t in twins.of("company", "sellsy") if t.token not in linked]
        altior_companies = twins.of("company", "altior")
        archived = [
            (twin, side)
            for candidates, side in (
                (sellsy_companies, "sellsy"),
                (sellsy_companies, "altior"),
                (altior_companies, "altior"),
                (altior_companies, "sellsy"),
                (twins.of("individual", "sellsy"), "sellsy"),
                (twins.of("contact", "sellsy"), "sellsy"),
                (twins.of("contact", "altior"), "altior"),
            )
            for twin in _pick(candidates, used, paired)
        ]
        born_archived = [t for t in twins.records.values() if t.archived]
        for twin, side in archived:
            await twins.set_archived(twin, side, True)
        for twin in born_archived:
            await twins.set_archived(twin, twin.born, False)
        step = time.monotonic()
        archived_in, _ = await settle(twins, step, step_limit)

        # 2. un-archive half on the side they were archived on, half on the other
        for index, (twin, side) in enumerate(archived):
            if index % 2 == 0:
                other = "altior" if side == "sellsy" else "sellsy"
                await twins.set_archived(twin, side if index % 4 == 0 else other, False)
        step = time.monotonic()
        unarchived_in, _ = await settle(twins, step, step_limit)

        # 3. hard deletes in Sellsy, then an edit of each survivor in Altior
        paired = await twins.paired()
        deleted = [
            twin
            for candidates in (
                sellsy_companies,
                altior_companies,
                twins.of("individual", "sellsy"),
                twins.of("contact", "sellsy"),
            )
            for twin in _pick(candidates, used, paired)
        ]
        for twin in deleted:
            await twins.delete_in_sellsy(twin)
        for twin in deleted:
            await twins.rename(twin, "altior")
        step = time.monotonic()
        want = len(deleted)
        while metric_total(stack, DELETED, tenant=tenant.id) < want:  # the survivors' edits
            if time.monotonic() - step > step_limit:
                break
            await asyncio.sleep(0.5)
        deleted_in, _ = await settle(twins, step, step_limit)
        await asyncio.sleep(5 * POLL_INTERVAL)  # more polls: nothing re-created later
        final = await twins.audit()

        assert stack.runtime is not None
        url = f"http://127.0.0.1:{stack.runtime.settings.web_port}"
        async with httpx.AsyncClient(timeout=10.0) as client:
            answer = await client.get(url + "/status")
            ctx.outputs[f"GET /status ({stack.prefix})"] = answer.content
            status = _deleted_in(answer.json().get("tenants", []), tenant.id)
        command = _deleted_in(
            (await _status_command(ctx, stack, url)).get("tenants", []), tenant.id
        )
        expected: dict[str, int] = {}
        for twin in deleted:
            expected[twin.kind] = expected.get(twin.kind, 0) + 1
        metrics = {
            kind: int(metric_total(stack, DELETED, tenant=tenant.id, system="sellsy", entity=kind))
            for kind in ("company", "individual", "contact")
        }
        others = int(metric_total(stack, DELETED, tenant=tenant.id)) - sum(metrics.values())
        misreported = sum(abs(metrics[k] - expected.get(k, 0)) for k in metrics) + abs(others)
        for reported in (status, command):
            misreported += abs(reported.get("sellsy", 0) - want)
            misreported += sum(v for k, v in reported.items() if k != "sellsy")
        calls = await worker_calls(stack, tenant)
        letters = await stack.dead_letters()
        by = ("direction", "outcome")
        counted = metric_by(stack, "sync_streams_events_total", by, tenant=tenant.id)
        outcomes = ", ".join(f"{k} {v:.0f}" for k, v in counted.items())
        steps = (("initial load", loaded), ("archives", archived_in),
                 ("un-archives", unarchived_in), ("deletes", deleted_in))  # fmt: skip
        return RunResult(
            records=len(twins.records),
            duplicates=len(final.duplicates) + len(final.recreated),
            lost=len(final.lost),
            dead_letters=len(letters),
            converge_seconds=None
            if None in (loaded, archived_in, unarchived_in, deleted_in)
            else time.monotonic() - started,
            calls_per_record=calls.total / max(1, len(twins.records)),
            checks={
                "archive flags differing": len(final.flags),
                "deleted re-created": len(final.recreated),
                "deletes misreported": misreported,
            },
            notes=[
                f"{len(twins.records)} records: {companies} companies and {people} contacts "
                f"per side (one company archived from birth per side), {people} individuals",
                "converged: "
                + ", ".join(f"{name} {'NO' if s is None else f'{s:.0f} s'}" for name, s in steps),
                f"archived {[f'{t.token}@{side}' for t, side in archived]}; un-archived from "
                f"birth {[t.token for t in born_archived]}",
                f"deleted in Sellsy {[t.token for t in deleted]}, then edited in Altior; "
                f"reported: metrics {metrics} (other {others}), /status {status}, "
                f"status --json {command}; expected {expected}",
                f"after the initial load: {first.summary()}; final: {final.summary()}",
                f"events by direction/outcome: {outcomes}",
                *(f"dead letter: {d.stage} {d.field} {d.reason[:120]}" for d in letters[:5]),
            ],
        )
