"""Workers for the observability tests, and the one place to plug the sync stack in.

``bare_worker``: a real worker built by ``create_app`` on the real test broker,
serving ``/metrics`` on a free port, with no tenant.  Every deployment exposes
at least this, so the metric families (names, types) can be checked now.

``two_tenant_stack``: PENDING.  It must yield the scrape targets of a worker
(or several) syncing two tenants against both sandboxes, after at least one
change has gone each way for each tenant, plus those tenants' ids.  Replace the
body of this fixture with the end-to-end stack once it exists; the test that
uses it then runs for real (see test_promql_against_worker.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import faust
import pytest

from sync_streams.app import create_app
from sync_streams.config.service import ServiceSettings
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import load_topology
from sync_streams.ports import free_port

PARTITIONS = 2


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
    app.web.init_server()  # what `faust worker` does before starting the app
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


@pytest.fixture
async def two_tenant_stack() -> AsyncIterator[ScrapedStack]:
    """PENDING: a worker syncing two tenants against both sandboxes (see module docstring)."""
    pytest.skip(
        "PENDING: the two-tenant end-to-end sync stack does not exist yet; replace the body of "
        "two_tenant_stack in tests/integration/observability/conftest.py to enable this test"
    )
    yield ScrapedStack(targets=[], tenants=())  # pragma: no cover
