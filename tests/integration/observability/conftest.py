"""Workers for the observability tests.

``bare_worker``: a real worker built by ``create_app`` on the real test broker,
serving ``/metrics`` on a free port, with no tenant.  Every deployment exposes
at least this, so the metric families (names, types) can be checked on it.

``two_tenant_stack``: the end-to-end sync stack (tests/support/stack.py): real
Kafka, both sandboxes over HTTP, one real worker syncing two tenants, after one
change has gone each way for each tenant.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import faust
import pytest

from sync_streams.altior.writes import ThirdPartyCreate
from sync_streams.app import create_app
from sync_streams.config.service import ServiceSettings
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import load_topology
from sync_streams.ports import free_port
from sync_streams.sellsy.models.writes import CompanyCreate
from tests.support.stack import Tenant, sync_stack, wait_for

PARTITIONS = 2
TWO_TENANTS = ("acme-prod", "globex-prod")


@dataclass(frozen=True)
class ScrapedStack:
    """What the observability tests need from a running deployment."""

    targets: list[str]
    """``host:port`` of each worker's web server (``/metrics``)."""
    tenants: tuple[str, ...]
    """The tenants the workers sync; each expression must return series for all of them."""


async def _start_worker(kafka_url: str, app_id: str, data_dir: Path) -> tuple[faust.App, str]:
    port = free_port()
    settings = ServiceSettings.load(
        broker=kafka_url,
        app_id=app_id,
        web_host="127.0.0.1",
        web_port=port,
        data_dir=data_dir,
        topic_partitions=PARTITIONS,
    )
    topology = load_topology(prefix=app_id, partitions=PARTITIONS)
    await apply_topology(kafka_url, topology)
    app, _runtime = create_app(settings, topology=topology)
    await app.start()
    return app, f"127.0.0.1:{port}"


@pytest.fixture
async def bare_worker(kafka_url: str, unique_prefix: str, tmp_path: Path) -> AsyncIterator[str]:
    """``host:port`` of a real worker without tenants."""
    app, target = await _start_worker(kafka_url, unique_prefix, tmp_path / "worker")
    try:
        yield target
    finally:
        await app.stop()


async def _sync_both_ways(tenant: Tenant, name: str) -> None:
    """One flagged Sellsy company into Altior, one Altior third party into Sellsy."""
    company = await tenant.sellsy.create_company(
        CompanyCreate.model_validate({"type": "client", "name": f"{name} (Sellsy)"})
    )
    flag = await tenant.sellsy_flag_field()
    await tenant.sellsy.set_custom_field_values("companies", company.id, {flag: True})
    establishment = next(
        e.id
        for e in await tenant.altior.list_establishments()
        if e.name == tenant.config.altior.establishment
    )
    made = await tenant.altior.create_third_party(
        ThirdPartyCreate.model_validate(
            {"kind": "moral", "name": f"{name} (Altior)", "establishment_id": establishment}
        )
    )

    async def imported() -> bool:
        found = await tenant.altior.find_third_party_by_external_reference(str(company.id))
        return found is not None

    async def exported() -> bool:
        return bool(await tenant.sellsy.find_companies(references=[f"ALTIOR-{made.id}"]))

    await wait_for(imported, f"{tenant.id}: Sellsy company in Altior", limit=90)
    await wait_for(exported, f"{tenant.id}: Altior third party in Sellsy", limit=90)


@pytest.fixture
async def two_tenant_stack(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> AsyncIterator[ScrapedStack]:
    """A real worker syncing two tenants against both sandboxes, after a change each way."""
    async with sync_stack(kafka_url, unique_prefix, tmp_path / "stack") as stack:
        tenants = [await stack.add_tenant(t) for t in TWO_TENANTS]
        runtime = await stack.start_worker()
        for tenant, name in zip(tenants, ("Boulangerie Dupré", "Menuiserie Lefèvre"), strict=True):
            await _sync_both_ways(tenant, name)
        yield ScrapedStack([f"127.0.0.1:{runtime.settings.web_port}"], TWO_TENANTS)
