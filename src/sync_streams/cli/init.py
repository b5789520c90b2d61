"""``sync-streams init --tenant ID --job thirdPartyAll|opportunityAll``: the form's initial loads.

Runs the scan in this process (with the tenant's credentials from the environment)
and publishes through Kafka, so the workers apply it with the live sync's rules.
Safe to run again at any time; ``--dry-run`` only scans and reports SIRET matches
(and the ambiguous ones a human must settle).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

JOBS = ("thirdPartyAll", "opportunityAll")
FLOW_OF_JOB = {"thirdPartyAll": "third_parties", "opportunityAll": "deals"}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init", help="run an initialisation job (thirdPartyAll, opportunityAll) for one tenant"
    )
    parser.add_argument("--tenant", required=True, help="tenant id")
    parser.add_argument("--job", required=True, choices=JOBS, help="job of the connector form")
    parser.add_argument("--settings", type=Path, default=None, help="service settings YAML")
    parser.add_argument("--broker", default=None, help="kafka://HOST:PORT")
    parser.add_argument(
        "--tenants", dest="tenants_dir", type=Path, default=None, help="folder of tenant files"
    )
    parser.add_argument("--prefix", default=None, help="topic prefix (sync-streams)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="scan and match only; publish nothing; list ambiguous SIRETs",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    return asyncio.run(_main(args))


async def _main(args: argparse.Namespace) -> int:
    from sync_streams.config import ServiceSettings, load_tenants
    from sync_streams.domain.events import DeadLetter
    from sync_streams.jobs.deals import DealsInitReport, run_opportunity_all
    from sync_streams.jobs.third_parties import InitReport, run_third_party_all
    from sync_streams.kafka.declarations import load_topology
    from sync_streams.kafka.publisher import ProducerPublisher
    from sync_streams.pollers.poller import BadRecord
    from sync_streams.runtime.registry import TenantRegistry

    settings = ServiceSettings.load(args.settings, broker=args.broker, tenants_dir=args.tenants_dir)
    configs = load_tenants([settings.tenants_dir], service=settings)
    if args.tenant not in configs:
        print(f"error: no tenant {args.tenant!r} in {settings.tenants_dir}", file=sys.stderr)
        return 2
    registry = TenantRegistry()
    runtime = registry.add(configs[args.tenant])
    topology = load_topology(prefix=args.prefix, partitions=settings.topic_partitions)
    publisher = ProducerPublisher(settings.broker, settings.topic_partitions)

    def progress(report: InitReport | DealsInitReport) -> None:
        print(f"[{args.tenant}] {report.line()}", flush=True)

    flow = FLOW_OF_JOB[args.job]
    try:
        await runtime.prepare()
        if runtime.disabled.get(flow):
            print(f"error: {flow} flow disabled: {runtime.disabled[flow]}", file=sys.stderr)
            return 1
        if args.dry_run:
            publisher = _DryRun()  # type: ignore[assignment]
        else:
            await publisher.start()

        async def on_bad(bad: BadRecord) -> None:
            if args.dry_run:
                print(f"unreadable record: {bad.error}")
                return
            letter = DeadLetter.for_error(
                bad.error, tenant=args.tenant, stage="init", original=bad.raw, failed_at=_now()
            )
            await publisher.send_and_wait(
                topology.name("deadletter"), letter.tenant.encode(), letter.to_bytes()
            )

        if args.job == "opportunityAll":
            deals = await run_opportunity_all(
                runtime, publisher, topology, on_bad=on_bad, progress=progress
            )
        else:
            report = await run_third_party_all(
                runtime, publisher, topology, on_bad=on_bad, progress=progress
            )
    finally:
        if not args.dry_run:
            await publisher.stop()
        await registry.aclose()
    if args.job == "opportunityAll":
        verb = "would publish" if args.dry_run else "published"
        print(f"[{args.tenant}] opportunityAll done: {verb} {deals.published} opportunities")
        return 0
    for amb in report.ambiguous:
        print(
            f"AMBIGUOUS SIRET {amb.siret}: Sellsy {', '.join(amb.sellsy_ids) or '-'} / "
            f"Altior {', '.join(amb.altior_ids) or '-'} (left out, not merged)"
        )
    for invalid in report.invalid_siret:
        print(f"invalid SIRET (never matched): {invalid}")
    verb = "would publish" if args.dry_run else "published"
    print(
        f"[{args.tenant}] thirdPartyAll done: {verb} {report.published} records, "
        f"{report.matched} SIRET matches, {len(report.ambiguous)} ambiguous"
    )
    return 0


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


class _DryRun:
    """Publishes nothing; acknowledges at once."""

    async def send(self, topic: str, key: bytes, value: bytes) -> Any:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    async def send_and_wait(self, topic: str, key: bytes, value: bytes) -> None:
        return None
