"""``sync-streams status``: per tenant and flow, is it syncing, and how well.

Each worker serves the tenants of its Kafka partitions and answers ``/status``
on its web port for every tenant it knows; this command asks every worker given
with ``--worker``, merges their answers (``observability.status.merge``) and
prints one block per tenant.  Exit code 0 when every flow of every tenant runs,
is paused by an operator or is off in its tenant file; 1 when a flow is disabled
or still starting, a tenant is not started or served by none of the workers
asked, or a worker does not answer; 2 for ``--tenant`` unknown to every worker.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from sync_streams.observability.status import TenantStatus, WorkerStatus, merge

DEFAULT_WORKER = "http://127.0.0.1:6066"

SKIPPED = ("filtered", "duplicate", "echo", "stale")
"""Outcomes of changes dropped on purpose, shown as one column."""


@dataclass
class Answer:
    """What one worker said (``report``), or why it said nothing (``error``)."""

    url: str
    report: WorkerStatus | None = None
    error: str | None = None


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status",
        help="state of each tenant and flow, last polls, last-hour counts (asks the workers)",
        description=(
            "Ask each worker's /status and print, per tenant and flow: state (and why a "
            "flow is disabled), last successful poll per entity, events of the last hour, "
            "p95 sync lag over the last hour, failures, dead letters, conflicts, ambiguous "
            "SIRETs. Exit code 0 when every flow runs, is paused or is off; 1 otherwise "
            "or when a worker does not answer."
        ),
    )
    parser.add_argument(
        "--worker",
        action="append",
        metavar="URL",
        help=f"a worker's web address; repeat for every worker (default {DEFAULT_WORKER})",
    )
    parser.add_argument("--tenant", metavar="ID", help="only this tenant")
    parser.add_argument("--json", action="store_true", help="print the merged status as JSON")
    parser.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help="per worker (default 5)"
    )
    parser.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    urls = [u.rstrip("/") for u in (args.worker or [DEFAULT_WORKER])]
    answers = asyncio.run(fetch_all(urls, tenant=args.tenant, per_worker=args.timeout))
    tenants = merge((a.url, a.report) for a in answers if a.report is not None)
    problems = {t.tenant: tenant_problems(t) for t in tenants}
    if args.json:
        print(json.dumps(_json(answers, tenants, problems), ensure_ascii=False, indent=2))
    else:
        for line in render(answers, tenants, problems):
            print(line)
    if args.tenant and not tenants:
        print(f"tenant {args.tenant}: unknown to the workers that answered", file=sys.stderr)
    return exit_code(answers, problems, wanted=args.tenant)


def exit_code(answers: list[Answer], problems: dict[str, list[str]], *, wanted: str | None) -> int:
    """0: all is well; 1: a worker is silent or a tenant needs someone; 2: unknown tenant."""
    silent = any(a.report is None for a in answers)
    if wanted is not None and not problems and not silent:
        return 2
    return 1 if silent or any(problems.values()) else 0


async def fetch_all(urls: list[str], *, tenant: str | None, per_worker: float) -> list[Answer]:
    async with httpx.AsyncClient(timeout=per_worker) as client:
        return list(await asyncio.gather(*(fetch(client, url, tenant) for url in urls)))


async def fetch(client: httpx.AsyncClient, url: str, tenant: str | None) -> Answer:
    params = {"tenant": tenant} if tenant else None
    try:
        response = await client.get(f"{url}/status", params=params)
    except httpx.HTTPError as exc:
        return Answer(url, error=f"no answer ({type(exc).__name__}: {exc})".replace(": )", ")"))
    if response.status_code != 200:
        return Answer(url, error=f"HTTP {response.status_code} on /status")
    try:
        return Answer(url, report=WorkerStatus.model_validate_json(response.content))
    except ValidationError:
        return Answer(url, error="/status did not answer a sync-streams status")


def tenant_problems(status: TenantStatus) -> list[str]:
    """Why a merged tenant needs someone (the exit code is 1 when any)."""
    found = status.problems()
    if status.started and not status.served_by:
        found.append("served by none of the workers asked (list every worker with --worker)")
    return found


def render(
    answers: list[Answer], tenants: list[TenantStatus], problems: dict[str, list[str]]
) -> list[str]:
    lines = ["workers"]
    for answer in answers:
        if answer.report is None:
            lines.append(f"  {answer.url}  UNREACHABLE: {answer.error}")
            continue
        report = answer.report
        serves = [t.tenant for t in report.tenants if t.served]
        lines.append(
            f"  {answer.url}  {'ready' if report.ready else 'NOT READY (rebalancing)'}"
            f"  partitions {_join(map(str, report.partitions))}  serves {_join(serves)}"
        )
    for status in tenants:
        lines.append("")
        lines += _tenant_lines(status, problems.get(status.tenant, []))
    return lines


def _tenant_lines(status: TenantStatus, problems: list[str]) -> list[str]:
    served = f"served by {_join(status.served_by)}" if status.served_by else "served by no worker"
    head = f"tenant {status.tenant}  {served}" + ("  PAUSED" if status.paused else "")
    lines = [head]
    if not status.started:
        lines += [f"  ! {p}" for p in problems]
        return lines
    rows = [
        [
            "flow",
            "direction",
            "state",
            "applied",
            "skipped",
            "waiting",
            "held",
            "failed",
            "dead-lettered",
            "lag p95",
        ]
    ]
    for flow in status.flows:
        for d in flow.directions:
            hour = d.last_hour
            rows.append(
                [
                    flow.flow,
                    d.direction,
                    d.state,
                    str(hour.get("applied", 0)),
                    str(sum(hour.get(o, 0) for o in SKIPPED)),
                    str(hour.get("waiting", 0)),
                    str(hour.get("held", 0)),
                    str(hour.get("failed", 0)),
                    str(hour.get("dead_lettered", 0)),
                    _seconds(d.lag.p95_seconds),
                ]
            )
    lines.append("  events of the last hour:")
    lines += ["    " + line for line in _table(rows)]
    for flow in status.flows:
        if flow.state == "disabled":
            lines.append(f"  {flow.flow} DISABLED: {flow.reason or 'see the worker log'}")
    if status.pollers:
        lines.append("  polls:")
        poll_rows = [["poller", "flow", "last success", "failures"]]
        for p in status.pollers:
            when = "never"
            if p.last_success is not None:
                when = f"{p.last_success:%Y-%m-%d %H:%M:%S} UTC ({_ago(p.age_seconds)})"
            poll_rows.append([f"{p.system}/{p.entity}", p.flow, when, str(p.failures)])
        lines += ["    " + line for line in _table(poll_rows)]
    dead = sum(status.dead_letters.values())
    by_stage = ", ".join(f"{k} {v}" for k, v in sorted(status.dead_letters.items()))
    lines.append(
        f"  since start: dead letters {dead}{f' ({by_stage})' if by_stage else ''}, "
        f"conflicts {sum(status.conflicts.values())}, "
        f"ambiguous SIRETs {status.siret_ambiguous}, SIRET matches {status.siret_matched}, "
        f"deleted twins {sum(status.deleted_twins.values())}, "
        f"recovered by reconciliation {status.reconcile_recovered}"
    )
    lines += [f"  warning: {w}" for w in status.warnings]
    lines += [f"  configuration not applied: {p}" for p in status.configuration_problems]
    lines += [f"  ! {p}" for p in problems if "disabled:" not in p]
    return lines


def _json(
    answers: list[Answer], tenants: list[TenantStatus], problems: dict[str, list[str]]
) -> dict[str, Any]:
    workers = [
        {
            "url": a.url,
            "reachable": a.report is not None,
            "error": a.error,
            "ready": a.report.ready if a.report else None,
            "partitions": a.report.partitions if a.report else [],
            "serves": [t.tenant for t in a.report.tenants if t.served] if a.report else [],
        }
        for a in answers
    ]
    items = [
        {**t.model_dump(mode="json", exclude={"served"}), "problems": problems[t.tenant]}
        for t in tenants
    ]
    ok = all(a.report is not None for a in answers) and not any(problems.values())
    return {"ok": ok, "workers": workers, "tenants": items}


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _join(items: Any) -> str:
    return ", ".join(items) or "-"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def _ago(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"
