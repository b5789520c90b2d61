"""``sync-streams dlq list|requeue``: what failed for good, and feeding it back.

Dead letters hold tenant, stage, reason and the original change event (never a
secret: none travels on Kafka).  ``requeue`` re-publishes the original events of
one tenant to their change topic; run it once the cause is fixed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from sync_streams.config.service import ServiceSettings
from sync_streams.errors import FatalError
from sync_streams.kafka.declarations import Topology, load_topology
from sync_streams.ops.deadletters import (
    LetterFilter,
    latest,
    plan_requeue,
    read_dead_letters,
    requeue,
    table,
)
from sync_streams.ops.timespec import TimeSpecError, parse_since


def add_kafka_options(parser: argparse.ArgumentParser) -> None:
    """``--broker``, ``--prefix``, ``--settings``: which cluster and which topics."""
    parser.add_argument(
        "--broker", default=None, help="kafka://HOST:PORT (default: SYNC_STREAMS_BROKER/settings)"
    )
    parser.add_argument(
        "--prefix", default=None, help="topic prefix (default: SYNC_STREAMS_TOPIC_PREFIX)"
    )
    parser.add_argument(
        "--settings", metavar="FILE", default=None, help="service settings YAML (broker...)"
    )


def kafka_target(args: argparse.Namespace) -> tuple[str, Topology]:
    """The broker and the topic names the options designate."""
    broker: str = args.broker or ServiceSettings.load(args.settings).broker
    return broker, load_topology(prefix=args.prefix)


def since_of(args: argparse.Namespace) -> Any:
    """``--since`` parsed, or None; FatalError with the expected forms when invalid."""
    if args.since is None:
        return None
    try:
        return parse_since(args.since)
    except TimeSpecError as exc:
        raise FatalError(f"--since: {exc}") from None


def _list(args: argparse.Namespace) -> int:
    broker, topology = kafka_target(args)
    wanted = LetterFilter(tenant=args.tenant, since=since_of(args))
    scan = asyncio.run(read_dead_letters(broker, topology, wanted))
    shown = latest(scan.letters, args.limit)
    for problem in scan.unreadable:
        print(f"unreadable: {problem}", file=sys.stderr)
    if args.json:
        items = [
            {"partition": s.partition, "offset": s.offset, **s.letter.to_json_value()}
            for s in shown
        ]
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    if shown:
        for line in table(s.letter for s in shown):
            print(line)
    more = f" (the {len(shown)} most recent)" if len(shown) < len(scan.letters) else ""
    print(
        f"{len(scan.letters)} dead letter(s) match{more}; {scan.scanned} scanned on "
        f"{topology.name('deadletter')}",
        file=sys.stderr,
    )
    return 0


def _requeue(args: argparse.Namespace) -> int:
    broker, topology = kafka_target(args)
    wanted = LetterFilter(tenant=args.tenant, since=since_of(args), event_id=args.event_id)
    scan = asyncio.run(read_dead_letters(broker, topology, wanted))
    if args.event_id and not scan.letters:
        print(f"no dead letter of tenant {args.tenant} for event {args.event_id}", file=sys.stderr)
        return 1
    plan = plan_requeue(args.tenant, scan.letters)
    report = asyncio.run(requeue(broker, topology, plan, dry_run=args.dry_run))
    verb = "would requeue" if args.dry_run else "requeued"
    where = ", ".join(f"{n} to {topic}" for topic, n in sorted(report.published.items()))
    print(
        f"tenant {args.tenant}: {plan.matched} dead letter(s) matched; {verb} "
        f"{len(plan.events)} event(s){': ' + where if where else ''}"
    )
    if plan.copies:
        print(f"{plan.copies} dead letter(s) were further failures of an event counted above")
    if report.requeued_before:
        print(
            f"{report.requeued_before} of these event(s) had already been requeued since they "
            "last failed (a second copy is harmless: dedupe drops what was applied)"
        )
    if plan.skipped:
        print(f"{len(plan.skipped)} dead letter(s) cannot be requeued:")
        for line in plan.skipped:
            print(f"  {line}")
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dlq", help="list dead letters, requeue their original events"
    )
    commands = parser.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)

    listing = commands.add_parser(
        "list", help="dead letters: time, tenant, stage, field, reason, event id"
    )
    add_kafka_options(listing)
    listing.add_argument("--tenant", metavar="ID", help="only this tenant (reads its partition)")
    listing.add_argument("--since", metavar="TIME", help="2026-11-01T10:00 (UTC), 1h, 2d...")
    listing.add_argument(
        "--limit", type=int, default=50, metavar="N", help="the N most recent (0: all; 50)"
    )
    listing.add_argument("--json", action="store_true", help="JSON, whole dead letters")
    listing.set_defaults(func=_list)

    again = commands.add_parser(
        "requeue", help="re-publish one tenant's dead-lettered events to their change topic"
    )
    add_kafka_options(again)
    again.add_argument("--tenant", metavar="ID", required=True)
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--event-id", metavar="ID", help="the dead letter's event id")
    which.add_argument("--all", action="store_true", help="every retained dead letter")
    again.add_argument("--since", metavar="TIME", help="only dead letters since TIME")
    again.add_argument("--dry-run", action="store_true", help="say what would be requeued")
    again.set_defaults(func=_requeue)
