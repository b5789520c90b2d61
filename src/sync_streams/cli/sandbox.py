"""``sync-streams sandbox sellsy|altior``: the stand-alone fake APIs.

Each sandbox package owns its own arguments (``sandboxes/<name>/cli.py``); this
module only mounts them, so production code never imports a sandbox.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

SANDBOXES = ("sellsy", "altior")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox", help="run a sandbox API server (Sellsy or Altior) for demos and tests"
    )
    sandbox_parsers = parser.add_subparsers(dest="sandbox", metavar="SYSTEM", required=True)
    for name in SANDBOXES:
        module = importlib.import_module(f"sync_streams.sandboxes.{name}.cli")
        module.register(sandbox_parsers)
