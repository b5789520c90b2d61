"""``sync-streams local-kafka start|stop|status``: a real broker without Docker."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sync_streams.local.kafka import AlreadyRunning, LocalKafka
from sync_streams.local.maven import KAFKA_VERSION

DEFAULT_DIR = Path("var/kafka")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "local-kafka",
        help="run a single-node Apache Kafka (KRaft) from Maven Central jars, no Docker",
    )
    sub = parser.add_subparsers(dest="local_kafka_command", metavar="ACTION", required=True)
    start = sub.add_parser("start", help="fetch jars if needed, format storage, start, wait")
    start.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="state folder (var/kafka)")
    start.add_argument("--port", type=int, default=9092, help="client port on 127.0.0.1")
    start.add_argument("--version", default=KAFKA_VERSION, help="Apache Kafka release")
    start.set_defaults(func=_start)
    for name, func in (("stop", _stop), ("status", _status)):
        p = sub.add_parser(name, help=f"{name} the broker of --dir")
        p.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="state folder (var/kafka)")
        p.set_defaults(func=func)


def _start(args: argparse.Namespace) -> int:
    kafka = LocalKafka(args.dir, version=args.version)
    try:
        info = kafka.start(args.port)
    except AlreadyRunning as exc:
        print(str(exc))
        return 0
    print(f"Kafka {args.version} is running (pid {info.pid}); logs in {kafka.log_file}")
    print(f"bootstrap: {info.bootstrap}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    if LocalKafka(args.dir).stop():
        print(f"stopped the Kafka broker of {args.dir}")
    else:
        print(f"no Kafka broker runs from {args.dir}")
    return 0


def _status(args: argparse.Namespace) -> int:
    info = LocalKafka(args.dir).info()
    if info is None:
        print(f"not running ({args.dir})")
        return 3
    print(f"running: pid {info.pid}, bootstrap {info.bootstrap}")
    return 0
