"""``python -m sync_streams.sandboxes.sellsy --port P --db FILE`` (same as the CLI)."""

from __future__ import annotations

import argparse
import sys

from sync_streams.sandboxes.sellsy.cli import register


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync_streams.sandboxes.sellsy")
    sub = parser.add_subparsers(dest="sandbox", required=True)
    register(sub)
    args = parser.parse_args(["sellsy", *(sys.argv[1:] if argv is None else argv)])
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
