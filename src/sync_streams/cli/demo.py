"""``sync-streams demo``: the whole product on one machine, narrated (``make demo``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="local Kafka, both sandboxes with French sample data, a worker syncing the "
        "example tenant, live edits narrated, then a summary",
        description="Run the demo until Ctrl-C (or --duration seconds), then print a summary "
        "and stop everything it started. Logs of each process go to DIR/logs/.",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop after this many seconds (default: run until Ctrl-C)",
    )
    parser.add_argument(
        "--dir",
        dest="directory",
        type=Path,
        default=Path("var/demo"),
        help="working directory: sandboxes, tenant file, logs (var/demo)",
    )
    parser.add_argument(
        "--kafka-port",
        dest="kafka_port",
        type=int,
        default=9092,
        help="port of the demo's local Kafka broker (9092)",
    )
    parser.add_argument(
        "--broker",
        default=None,
        metavar="kafka://HOST:PORT",
        help="use this running broker instead of starting a local one",
    )
    parser.add_argument(
        "--keep", action="store_true", help="leave the local Kafka broker running afterwards"
    )
    parser.add_argument(
        "--edit-interval",
        dest="edit_interval",
        type=float,
        default=6.0,
        metavar="SECONDS",
        help="time between the scripted live edits (6)",
    )
    parser.set_defaults(func=_run)  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    from sync_streams.demo.run import DemoOptions, run_demo

    if args.duration is not None and args.duration <= 0:
        print("error: --duration must be a positive number of seconds", file=sys.stderr)
        return 2
    options = DemoOptions(
        directory=args.directory,
        duration=args.duration,
        kafka_port=args.kafka_port,
        broker=args.broker,
        keep=args.keep,
        edit_interval=args.edit_interval,
    )
    try:
        return asyncio.run(run_demo(options, sys.stdout))
    except asyncio.CancelledError:
        print("demo interrupted; everything it started has been stopped", file=sys.stderr)
        return 130
