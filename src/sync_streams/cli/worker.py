"""``sync-streams worker``: run one worker of the shared service.

Faust's worker installs the signal handlers: SIGTERM and SIGINT stop the
agents, flush the producer, commit offsets and leave the consumer group before
the process exits (graceful drain), so a rolling restart loses nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "worker", help="run a worker: agents, pollers of its partitions, web/metrics port"
    )
    parser.add_argument("--settings", type=Path, default=None, help="service settings YAML")
    parser.add_argument("--broker", default=None, help="kafka://HOST:PORT (SYNC_STREAMS_BROKER)")
    parser.add_argument("--app-id", dest="app_id", default=None, help="consumer group / app id")
    parser.add_argument("--web-host", dest="web_host", default=None, help="web/metrics address")
    parser.add_argument("--web-port", dest="web_port", type=int, default=None, help="web port")
    parser.add_argument("--data-dir", dest="data_dir", type=Path, default=None, help="state dir")
    parser.add_argument("--tenants", dest="tenants_dir", type=Path, default=None, help="tenant dir")
    parser.add_argument("--log-level", dest="log_level", default=None, help="INFO, DEBUG, ...")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import faust

    from sync_streams.app import create_worker
    from sync_streams.config import load_tenants
    from sync_streams.config.service import ServiceSettings
    from sync_streams.runtime.registry import TenantRegistry

    settings = ServiceSettings.load(
        args.settings,
        broker=args.broker,
        app_id=args.app_id,
        web_host=args.web_host,
        web_port=args.web_port,
        data_dir=args.data_dir,
        tenants_dir=args.tenants_dir,
        log_level=args.log_level,
    )
    registry = TenantRegistry()
    if settings.tenants_dir.is_dir():
        for config in load_tenants([settings.tenants_dir], service=settings).values():
            registry.add(config)
    print(f"worker {settings.app_id}: {len(registry.ids())} tenant(s) from {settings.tenants_dir}")
    app, _runtime = create_worker(settings, tenants=registry)
    worker = faust.Worker(app, loglevel=settings.log_level.lower())
    worker.execute_from_commandline()
    return 0
