"""``sync-streams sandbox sellsy --port PORT --db FILE [--host H] [--seed FILE]``."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from sync_streams.sandboxes.sellsy.server import serve_forever


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sellsy",
        help="fake Sellsy API v2 (OAuth2, companies, contacts, opportunities, custom fields)",
        description="Serve a Sellsy API v2 sandbox; state lives in --db and survives restarts. "
        "Admin endpoints under /_admin (see docs/sellsy-sandbox.md).",
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port (0 = any free port)")
    parser.add_argument("--db", required=True, help="SQLite file holding the sandbox state")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--seed",
        default=None,
        help="JSON seed file applied when the database has no account yet",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    asyncio.run(serve_forever(args.db, args.host, args.port, args.seed))
    return 0
