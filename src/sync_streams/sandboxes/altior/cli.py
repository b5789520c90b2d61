"""``sync-streams sandbox altior --port PORT --db FILE [--host H] [--seed FILE]``."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.altior.app import make_app
from sync_streams.sandboxes.altior.seed import load_seed


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "altior",
        help="run the Altior ERP sandbox (the project's Altior contract, docs/altior-api.md)",
        description="Serve the Altior contract under /api/v1 and the sandbox admin surface "
        "under /_admin (see docs/altior-sandbox.md). State lives in --db and survives restarts.",
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port (0 = any free port)")
    parser.add_argument("--db", required=True, help="SQLite file holding the sandbox state")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--seed",
        default=None,
        help="YAML/JSON seed file: default reference data and start-up tenants "
        "(default: the packaged default_seed.yaml)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        seed = load_seed(args.seed)
    except (OSError, ValueError) as exc:
        print(f"error: seed file: {exc}")
        return 2
    app = make_app(args.db, seed)
    print(f"Altior sandbox on http://{args.host}:{args.port}/api/v1 (admin: /_admin), db {args.db}")
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0
