"""Listing throughput of the Altior client against the Altior sandbox.

Seeds N third parties (default 10,000) through the sandbox's admin surface, then
lists them all with ``AltiorClient.third_party_pages`` at several page sizes, and
once with raw HTTP (no decoding) to separate server cost from client decoding.
Prints figures and the conditions they were measured under; asserts nothing.

    python bench/altior_listing.py [--records 10000] [--page-sizes 50,100,200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from pydantic import SecretStr

from sync_streams.altior import AltiorClient
from sync_streams.altior.client import DEFAULT_PER_SECOND
from sync_streams.http import QuotaPacer
from sync_streams.sandboxes.altior.app import make_app
from sync_streams.sandboxes.altior.seed import load_seed

PHONE_TYPES = ("Fixe", "Fax", "Portable")


def third_party(n: int) -> dict[str, Any]:
    """A realistic record: typed channels, a SIRET-shaped value, a Sellsy reference."""
    return {
        "kind": "moral" if n % 5 else "physique",
        "name": f"Société Lyonnaise n°{n}",
        "last_name": f"Martin{n}",
        "first_name": "Élodie",
        "establishment": "ACME Lyon" if n % 2 else "ACME Paris",
        "siret": f"{n:014d}",
        "emails": [{"type": "Principal", "value": f"contact{n}@exemple.fr"}],
        "phones": [
            {"type": PHONE_TYPES[n % 3], "value": f"04 78 {n % 100:02d} {n % 97:02d} 00"},
            {"type": "Portable", "value": f"06 12 {n % 100:02d} 34 56"},
        ],
        "urls": [{"type": "Site web", "value": f"https://www.societe{n}.fr"}],
        "external_references": [{"codification": "EXTERNAL", "key": "SELLSY", "value": str(n)}],
    }


async def seed(admin: httpx.AsyncClient, tenant_id: int, count: int, batch: int) -> float:
    started = time.perf_counter()
    for first in range(0, count, batch):
        records = [third_party(n) for n in range(first, min(count, first + batch))]
        response = await admin.post(
            f"/_admin/tenants/{tenant_id}/records", json={"third_parties": records}
        )
        response.raise_for_status()
    return time.perf_counter() - started


async def list_with_client(base_url: str, key: str, page_size: int) -> dict[str, float]:
    pacer = QuotaPacer(None)  # measure the API, not a quota
    async with AltiorClient(base_url, SecretStr(key), pacer=pacer, page_size=page_size) as client:
        started = time.perf_counter()
        records = pages = errors = 0
        async for page in client.third_party_pages():
            pages += 1
            records += len(page.items)
            errors += len(page.errors)
        elapsed = time.perf_counter() - started
    return {"records": records, "pages": pages, "errors": errors, "seconds": elapsed}


async def list_raw(api_url: str, key: str, page_size: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=api_url, headers={"X-Api-Key": key}) as http:
        started = time.perf_counter()
        records = pages = 0
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": page_size}
            if cursor:
                params["cursor"] = cursor
            body = (await http.get("/third-parties", params=params)).json()
            pages += 1
            records += len(body["items"])
            cursor = body["next_cursor"]
            if not body["has_more"]:
                break
        elapsed = time.perf_counter() - started
    return {"records": records, "pages": pages, "errors": 0, "seconds": elapsed}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="altior-bench-") as tmp:
        db = Path(args.db) if args.db else Path(tmp) / "altior.db"
        runner = web.AppRunner(
            make_app(db, {"reference": load_seed()["reference"]}), access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = getattr(site, "_server", None)
        port = server.sockets[0].getsockname()[1] if server is not None else 0
        base_url = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=600) as admin:
                tenant = (await admin.post("/_admin/tenants", json={"name": "bench"})).json()
                seeding = await seed(admin, tenant["tenant_id"], args.records, args.batch)
            print("Altior listing benchmark")
            print(
                f"  conditions: {args.records} third parties (2 phones, 1 email, 1 URL, 1 "
                f"external reference each); sandbox in-process on 127.0.0.1, same event loop "
                f"as the client; SQLite {sqlite3.sqlite_version} WAL at {db}; call log on; "
                f"no quota, no faults, no pacing; Python {platform.python_version()}, "
                f"{os.cpu_count()} CPU(s), {platform.machine()}"
            )
            print(
                f"  seeding via /_admin in batches of {args.batch}: {seeding:.2f} s "
                f"({args.records / seeding:,.0f} records/s)"
            )
            print(
                f"  {'mode':<16}{'page':>6}{'pages':>7}{'records':>9}{'seconds':>9}"
                f"{'records/s':>11}{'ms/page':>9}"
            )
            for page_size in args.page_sizes:
                for mode, run in (("AltiorClient", list_with_client), ("raw httpx", list_raw)):
                    url = base_url if mode == "AltiorClient" else base_url + "/api/v1"
                    result = await run(url, tenant["api_key"], page_size)
                    assert result["records"] == args.records and result["errors"] == 0
                    print(
                        f"  {mode:<16}{page_size:>6}{result['pages']:>7.0f}"
                        f"{result['records']:>9.0f}{result['seconds']:>9.2f}"
                        f"{result['records'] / result['seconds']:>11,.0f}"
                        f"{1000 * result['seconds'] / result['pages']:>9.1f}"
                    )
            print(
                f"  note: AltiorClient's default pacer ({DEFAULT_PER_SECOND:.0f} calls/s) caps a "
                f"listing at {DEFAULT_PER_SECOND * 200:,.0f} records/s with 200-record pages"
            )
        finally:
            await runner.cleanup()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000, help="records per seeding call")
    parser.add_argument(
        "--page-sizes", type=lambda s: [int(x) for x in s.split(",")], default=[50, 100, 200]
    )
    parser.add_argument("--db", default=None, help="SQLite file (default: a temporary one)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
