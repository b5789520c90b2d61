"""P2 toward Sellsy: API calls per record an init exports, and per Altior change synced.

One tenant, both third-party flows on, Sellsy at its documented 5 requests/s (the
worker paces itself to it).  Altior holds ``--records`` third parties with channels
(one in five a natural person, the others companies with a SIRET); Sellsy already
holds the same company for ``--matched`` of them, under the same SIRET, so the
initial load's SIRET matching links those and creates the others in Sellsy.

* Init: every call the worker makes with its own credentials (both sandboxes' call
  logs, token calls excluded), from start until each Altior third party carries its
  Sellsy id, over the records (target <= 1.2).  Printed per kind of call.
* Steady state: ``--changes`` renames of companies in Altior, one at a time, each
  waited for in Sellsy; the worker's calls that are not polls (the rule of ``freshness.py``) over
  the export changes applied (target <= 1.1; the limit is 1.0).

    python bench/export_calls.py [--quick] [--records 300] [--matched 0.2] [--changes 30]

Prints its conditions and figures; asserts nothing; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import (
    BenchTenant,
    Sandboxes,
    add_tenant,
    close_tenants,
    company,
    conditions_header,
    emit_figure,
    kafka_broker,
    metric,
    running_worker,
    sandboxes,
    siret,
)
from e2e_import import show_calls, worker_calls
from freshness import call_counts

from sync_streams.altior.writes import ThirdPartyUpdate

TENANT = "bench-export"


def altior_third_party(n: int) -> dict[str, Any]:
    """An Altior third party as a user keyed it: channels, a SIRET for companies."""
    person = n % 5 == 0
    body: dict[str, Any] = {
        "kind": "physique" if person else "moral",
        "name": f"Martin Élodie {n}" if person else f"Société Lyonnaise n°{n}",
        "establishment": "ACME Lyon",
        "emails": [{"type": "Principal", "value": f"contact{n}@exemple.fr"}],
        "phones": [{"type": "Fixe", "value": f"04 78 {n % 100:02d} {n % 97:02d} 00"}],
    }
    if person:
        body |= {"first_name": "Élodie", "last_name": f"Martin {n}"}
    else:
        body["siret"] = siret(n)
    return body


async def seed(boxes: Sandboxes, tenant: BenchTenant, records: int, matched: float) -> list[int]:
    """The Altior third parties, and the Sellsy twins of the matched share."""
    bodies = [altior_third_party(n) for n in range(1, records + 1)]
    made = await boxes.altior.seed(tenant.worker_altior_key, {"third_parties": bodies})
    companies = [n for n in range(1, records + 1) if n % 5]
    twins = companies[: round(len(companies) * matched)]
    if twins:
        await boxes.sellsy.seed(tenant.sellsy_account, companies=[company(n) for n in twins])
    print(
        f"  seeded  : {records} Altior third parties ({records - len(companies)} natural "
        f"persons); {len(twins)} of the companies also in Sellsy under the same SIRET",
        flush=True,
    )
    ids: list[int] = made["third_parties"]
    return ids


async def linked(tenant: BenchTenant) -> dict[int, str]:
    """Altior third party id -> the Sellsy id it carries (read with the driver's key)."""
    found: dict[int, str] = {}
    async for page in tenant.altior.third_party_pages(limit=200):
        for item in page.items:
            value = item.external_value()
            if value:
                found[item.id] = value
    return found


async def wait_until(predicate: Any, limit: float, what: str, step: float = 1.0) -> float:
    started = time.monotonic()
    while not await predicate():
        if time.monotonic() - started > limit:
            raise TimeoutError(f"{what} not reached in {limit:.0f} s")
        await asyncio.sleep(step)
    return time.monotonic() - started


async def main(args: argparse.Namespace) -> None:
    load = conditions_header("P2 toward Sellsy: calls per exported record and per change")
    tmp = Path(tempfile.mkdtemp(prefix="bench-export-"))
    prefix = f"bex{uuid.uuid4().hex[:8]}"
    tenant: BenchTenant | None = None
    try:
        async with kafka_broker(tmp) as bootstrap, sandboxes(tmp / "sandboxes") as boxes:
            tenant = await add_tenant(boxes, tmp / "tenants", TENANT, poll_interval_seconds=5)
            ids = await seed(boxes, tenant, args.records, args.matched)
            async with running_worker(bootstrap, prefix, tmp, [tenant], ready_timeout=600) as (
                _app,
                runtime,
            ):

                async def all_linked() -> bool:
                    return set(ids) <= set(await linked(tenant))  # type: ignore[arg-type]

                took = await wait_until(all_linked, args.wait, "every third party linked")
                init_calls = await worker_calls(boxes, tenant)
                print(f"  init    : every third party linked {took:.0f} s after ready", flush=True)
                await asyncio.sleep(12)  # the echoes of the init's writes pass
                _, marks = await call_counts(boxes, [tenant], {})

                def applied() -> float:
                    return metric(
                        runtime,
                        "sync_streams_events_total",
                        tenant=TENANT,
                        direction="export",
                        outcome="applied",
                    )

                before = applied()
                companies = [i for n, i in enumerate(ids, start=1) if n % 5]
                edited = companies[: args.changes]
                started = time.monotonic()
                for n, altior_id in enumerate(edited):
                    name = f"Renommée {n} {uuid.uuid4().hex[:6]}"
                    await tenant.altior.update_third_party(
                        altior_id, ThirdPartyUpdate.model_validate({"name": name})
                    )

                    async def arrived(count: float = before + n + 1) -> bool:
                        # the worker's own count: reading Sellsy here would spend the
                        # account's quota beside the worker's (Sellsy's is per account)
                        return applied() >= count

                    await wait_until(arrived, args.wait, f"edit {n} in Sellsy", step=0.2)
                window = time.monotonic() - started
                await asyncio.sleep(12)  # the echoes of the last writes
                busy, _ = await call_counts(boxes, [tenant], marks)
                changes = applied() - before
                twins = await linked(tenant)  # after the count: the driver's reads share
                names = {await sellsy_name(tenant, twins[i]) for i in edited}  # the quota
        cond = (
            f"{args.records} Altior third parties ({args.matched:.0%} of the companies matched "
            f"by SIRET), Sellsy at 5 req/s, 5 s polls; {load.summary()}"
        )
        per_record = show_calls("during the init", init_calls, args.records)
        renamed = all(name and name.startswith("Renommée") for name in names)
        sync_calls = busy["sellsy sync"] + busy["altior sync"]
        detail = ", ".join(
            f"{k} {v}"
            for k, v in sorted(busy.items())
            if k.split()[-1] not in ("poll", "sync", "429")
        )
        print(
            f"  changes : {len(edited)} Altior edits in {window:.0f} s, {changes:.0f} export "
            f"changes applied; worker calls: sync {sync_calls} ({detail}), polls "
            f"{busy['sellsy poll'] + busy['altior poll']}, 429s {busy['429']}; Sellsy holds "
            f"the new names: {'yes' if renamed else 'NO'}"
        )
        emit_figure(
            "P2 toward Sellsy: calls per record during an init with SIRET matching",
            f"{per_record:.2f}", "<= 1.2", cond, met=per_record <= 1.2,
        )  # fmt: skip
        if changes:
            emit_figure(
                "P2 toward Sellsy: worker calls (polls excluded) per synced change",
                f"{sync_calls / changes:.2f} ({detail})",
                "<= 1.1 (limit 1.0)", cond, met=sync_calls / changes <= 1.1,
            )  # fmt: skip
    finally:
        if tenant is not None:
            await close_tenants([tenant])
        shutil.rmtree(tmp, ignore_errors=True)


async def sellsy_name(tenant: BenchTenant, sellsy_id: str) -> str | None:
    """The name Sellsy holds for a company."""
    return (await tenant.sellsy.get_company(int(sellsy_id))).name


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 records, 10 edits")
    parser.add_argument("--records", type=int, default=300, help="Altior third parties")
    parser.add_argument(
        "--matched", type=float, default=0.2, help="share of the companies already in Sellsy"
    )
    parser.add_argument("--changes", type=int, default=30, help="Altior edits, one at a time")
    parser.add_argument("--wait", type=float, default=900.0, help="give up after (s)")
    args = parser.parse_args()
    if args.quick:
        args.records, args.changes = min(args.records, 100), min(args.changes, 10)
    return args


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
