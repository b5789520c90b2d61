"""``sync-streams replay``: re-feed one tenant's retained change events.

Only that tenant's events are read and re-published, though the topics are
shared; the sync's state rules make it safe to run at any time.  Progress goes to
stderr, the summary to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sync_streams.cli.dlq import add_kafka_options, kafka_target, since_of
from sync_streams.domain.events import KNOWN_ENTITIES
from sync_streams.ops.replay import ReplayReport, ReplaySelection, TopicProgress, replay
from sync_streams.ops.timespec import show


def horizon(progress: TopicProgress) -> str:
    """How far back this partition lets a replay go."""
    if progress.retained_since is None:
        return "no message retained"
    if progress.first_offset > 0:
        return f"retention keeps messages since {show(progress.retained_since)}"
    return f"oldest message {show(progress.retained_since)} (retention dropped none yet)"


def _progress(progress: TopicProgress) -> None:
    where = f"{progress.topic}[{progress.partition}]"
    if progress.scanned == 0 and not progress.done:
        print(f"{where}: {horizon(progress)}; {progress.to_scan} message(s) to scan",
              file=sys.stderr)  # fmt: skip
        return
    state = "done" if progress.done else "..."
    print(
        f"{where}: scanned {progress.scanned}/{progress.to_scan}, "
        f"replayed {progress.replayed} {state}",
        file=sys.stderr,
    )


def summary(report: ReplayReport) -> list[str]:
    """What the operator reads at the end."""
    selection = report.selection
    verb = "would replay" if report.dry_run else "replayed"
    forced = " (forced: dedupe bypassed)" if report.force else ""
    lines = [
        f"tenant {selection.tenant} since {show(selection.since)}: {verb} "
        f"{report.replayed} event(s) of {report.scanned} message(s) scanned{forced}"
    ]
    for t in report.topics:
        lines.append(
            f"  {t.topic}[{t.partition}]: {t.replayed} replayed, {t.markers} cursor marker(s) "
            f"skipped, {t.other_tenants} of other tenants, {t.filtered} filtered out, "
            f"{t.unreadable} unreadable"
        )
    for t in report.beyond_retention():
        lines.append(
            f"note: {t.topic}[{t.partition}]: {horizon(t)}: older changes cannot be "
            "replayed; run an init job to resynchronise further back"
        )
    return lines


def _replay(args: argparse.Namespace) -> int:
    broker, topology = kafka_target(args)
    if args.entity is not None and args.entity not in KNOWN_ENTITIES:
        known = ", ".join(sorted(KNOWN_ENTITIES))
        print(f"warning: entity {args.entity!r} is not one in use ({known})", file=sys.stderr)
    selection = ReplaySelection(
        tenant=args.tenant,
        since=since_of(args),
        entity=args.entity,
        direction=args.direction,
        record=args.record,
    )
    report = asyncio.run(
        replay(
            broker,
            topology,
            selection,
            force=args.force,
            dry_run=args.dry_run,
            on_progress=_progress,
        )
    )
    for line in summary(report):
        print(line)
    return 0


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replay", help="re-feed one tenant's retained change events through the sync"
    )
    add_kafka_options(parser)
    parser.add_argument("--tenant", metavar="ID", required=True)
    parser.add_argument(
        "--since", metavar="TIME", required=True, help="2026-11-01T10:00 (UTC), 6h, 2d..."
    )
    parser.add_argument("--entity", metavar="E", help="only this entity (company, contact...)")
    parser.add_argument(
        "--direction",
        choices=("import", "export"),
        help="import: Sellsy -> Altior events; export: Altior -> Sellsy events",
    )
    parser.add_argument(
        "--record",
        metavar="ID",
        help="only this record (its id in the system the events come from; with --force, "
        "re-creates its twin when that was deleted)",
    )
    parser.add_argument("--force", action="store_true", help="re-apply even what dedupe would drop")
    parser.add_argument("--dry-run", action="store_true", help="count, publish nothing")
    parser.set_defaults(func=_replay)
