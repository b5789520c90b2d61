"""A hard delete end to end (fault matrix scenario 10, delete): real Kafka, both
sandboxes over HTTP, a real worker.

What a user checks: a Sellsy company deleted by hand is not re-created when its Altior
twin changes, the Altior record stays as it is, the delete is counted and shown as the
tenant's problem; and an operator's forced replay of the survivor re-creates the twin
and syncs the pair again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import ThirdPartyCreate, ThirdPartyUpdate
from sync_streams.cli import main
from sync_streams.errors import NotFoundError
from sync_streams.observability.status import worker_status
from tests.support.stack import sync_stack, wait_for

pytestmark = pytest.mark.integration


async def test_a_deleted_twin_is_reported_not_recreated_until_an_operator_replays_it(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        runtime = await stack.start_worker()
        made = await acme.altior.create_third_party(
            ThirdPartyCreate.model_validate(
                {"kind": "moral", "name": "Menuiserie Lefèvre", "establishment_id": 1}
            )
        )

        async def sellsy_id() -> int | None:
            refs = (await acme.altior.get_third_party(made.id)).external_references
            return int(refs[0].value) if refs else None

        await wait_for(sellsy_id, "Altior third party in Sellsy")
        first = await sellsy_id()
        assert first is not None
        await acme.sellsy._session.call("DELETE", f"/companies/{first}")  # a user deletes it

        await acme.altior.update_third_party(made.id, ThirdPartyUpdate(name="Lefèvre SA"))

        def deleted() -> float:
            return stack.metric(
                "sync_streams_deleted_twins_total",
                tenant="acme-prod",
                system="sellsy",
                entity="company",
            )

        async def reported() -> bool:
            return deleted() == 1

        await wait_for(reported, "the delete reported")
        await asyncio.sleep(4 * stack.poll_interval)  # more polls: still nothing re-created
        with pytest.raises(NotFoundError):
            await acme.sellsy.get_company(first)
        assert await sellsy_id() == first  # a re-created twin would be referenced instead
        assert await acme.sellsy.find_companies(references=[f"ALTIOR-{made.id}"]) == []
        survivor = await acme.altior.get_third_party(made.id)
        assert survivor.name == "Lefèvre SA" and not survivor.archived
        assert deleted() == 1
        report = worker_status(
            metrics=runtime.metrics,
            registry=runtime.tenants,
            problems={},
            assigned={0},
            partitions=1,
            ready=True,
        )
        [tenant] = report.tenants
        assert tenant.deleted_twins == {"sellsy": 1}
        assert any("deleted in sellsy" in problem for problem in tenant.problems())

        # the operator re-creates it from the survivor
        args = ["replay", "--broker", kafka_url, "--prefix", unique_prefix]
        args += ["--tenant", "acme-prod", "--since", "1h", "--direction", "export"]
        args += ["--entity", "third_party", "--record", str(made.id), "--force"]
        assert await asyncio.to_thread(main, args) == 0

        async def recreated() -> Any:
            current = await sellsy_id()
            return current if current not in (None, first) else None

        await wait_for(recreated, "the twin re-created")
        again = await acme.sellsy.get_company(int(await recreated()))
        assert again.name == "Lefèvre SA"
        await acme.altior.update_third_party(made.id, ThirdPartyUpdate(name="Lefèvre SAS"))

        async def synced_again() -> bool:
            return (await acme.sellsy.get_company(again.id)).name == "Lefèvre SAS"

        await wait_for(synced_again, "the pair synced again")
