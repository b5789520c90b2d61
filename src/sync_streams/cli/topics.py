"""``sync-streams topics list|apply``: topics as code."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from sync_streams.kafka.declarations import load_topology


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "topics", help="list the declared Kafka topics, or create them on a cluster"
    )
    sub = parser.add_subparsers(dest="topics_command", metavar="ACTION", required=True)
    for name, help_text in (
        ("list", "print the declared topics with their key, value and settings"),
        ("apply", "create missing topics and report drift (never deletes or alters)"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--dir", type=Path, default=None, help="declarations folder (./topics)")
        p.add_argument("--prefix", default=None, help="topic name prefix (sync-streams)")
        p.add_argument("--partitions", type=int, default=None, help="override default partitions")
        p.add_argument("--replication", type=int, default=None, help="override replication")
        if name == "apply":
            p.add_argument("--broker", required=True, help="kafka://HOST:PORT")
            p.add_argument(
                "--fail-on-drift", action="store_true", help="exit 1 when a topic drifted"
            )
        p.set_defaults(func=_apply if name == "apply" else _list)


def _topology(args: argparse.Namespace) -> Any:
    return load_topology(
        args.dir, prefix=args.prefix, partitions=args.partitions, replication=args.replication
    )


def _list(args: argparse.Namespace) -> int:
    for topic in _topology(args).topics:
        spec = topic.spec
        print(
            f"{topic.full_name}\n  {spec.purpose}\n  key: {spec.key}\n  value: {spec.value}\n"
            f"  partitions={topic.partitions} replication={topic.replication} "
            f"cleanup.policy={spec.cleanup_policy} retention.ms={spec.retention_ms}"
        )
    return 0


def _apply(args: argparse.Namespace) -> int:
    from sync_streams.kafka.admin import apply_topology

    report = asyncio.run(apply_topology(args.broker, _topology(args)))
    for line in report.lines():
        print(line)
    if report.drifts:
        print(f"{len(report.drifts)} drift(s): nothing was changed; see docs/operations.md")
        return 1 if args.fail_on_drift else 0
    return 0
