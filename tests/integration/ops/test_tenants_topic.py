"""Tenants at runtime on a real broker: the CLI publishes, a worker's registry follows."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sync_streams.cli import main
from sync_streams.config import ServiceSettings, load_tenant
from sync_streams.domain.control import ControlCommand
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import Topology, load_topology
from sync_streams.ops.control import TenantControl
from sync_streams.ops.tenant_follower import TenantFollower
from sync_streams.runtime.registry import TenantRegistry
from tests.support.ops import ALTIOR_KEY, SELLSY_SECRET, read_all, secret_env, write_tenant

pytestmark = pytest.mark.integration

WAIT = 30.0


@pytest.fixture
def topology(kafka_url: str, unique_prefix: str) -> Topology:
    topology = load_topology(prefix=unique_prefix, partitions=2)
    asyncio.run(apply_topology(kafka_url, topology))
    return topology


@pytest.fixture
async def async_topology(kafka_url: str, unique_prefix: str) -> Topology:
    topology = load_topology(prefix=unique_prefix, partitions=2)
    await apply_topology(kafka_url, topology)
    return topology


def _cli(kafka_url: str, prefix: str, *args: str) -> int:
    return main(["tenants", *args, "--broker", kafka_url, "--prefix", prefix])


def test_apply_publishes_references_and_never_the_secret_values(
    topology: Topology,
    kafka_url: str,
    kafka_bootstrap: str,
    unique_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in secret_env("acme-prod").items():
        monkeypatch.setenv(name, value)  # set, as on an operator's machine: must not leak
    path = write_tenant(tmp_path, "acme-prod")

    assert _cli(kafka_url, unique_prefix, "apply", str(path)) == 0
    out = capsys.readouterr().out
    assert "acme-prod: added" in out

    records = asyncio.run(read_all(kafka_bootstrap, topology.name("tenants")))
    assert [r.key for r in records] == [b"acme-prod"]
    raw = records[0].value
    assert SELLSY_SECRET.encode() not in raw and ALTIOR_KEY.encode() not in raw
    assert b"env:SELLSY_CLIENT_SECRET_ACME_PROD" in raw
    command = ControlCommand.from_bytes(raw)
    assert command.kind == "tenant_upsert" and command.payload["paused"] is False

    assert _cli(kafka_url, unique_prefix, "list") == 0
    out = capsys.readouterr().out
    assert "acme-prod" in out and "active" in out and "tiers=import+export" in out
    assert SELLSY_SECRET not in out and ALTIOR_KEY not in out


def test_an_invalid_file_publishes_nothing(
    topology: Topology,
    kafka_url: str,
    kafka_bootstrap: str,
    unique_prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = write_tenant(tmp_path, "acme-prod")
    bad = write_tenant(tmp_path, "beta-prod", poll_interval_seconds=1)
    assert _cli(kafka_url, unique_prefix, "apply", str(good), str(bad)) == 1
    assert "poll_interval_seconds" in capsys.readouterr().out
    assert asyncio.run(read_all(kafka_bootstrap, topology.name("tenants"))) == []


def test_pause_resume_remove_leave_one_self_contained_message_per_tenant(
    topology: Topology,
    kafka_url: str,
    kafka_bootstrap: str,
    unique_prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for tenant in ("acme-prod", "beta-prod"):
        assert _cli(kafka_url, unique_prefix, "apply", str(write_tenant(tmp_path, tenant))) == 0
    assert _cli(kafka_url, unique_prefix, "pause", "acme-prod") == 0
    assert _cli(kafka_url, unique_prefix, "remove", "beta-prod") == 0
    capsys.readouterr()

    assert _cli(kafka_url, unique_prefix, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["tenant"], t["paused"]) for t in listed] == [("acme-prod", True)]
    assert listed[0]["config"]["client"] == "ACME"  # a pause keeps the configuration

    # Applying the file again (it says paused: false) does not silently resume.
    assert _cli(kafka_url, unique_prefix, "apply", str(tmp_path / "acme-prod.yaml")) == 0
    assert "stays paused" in capsys.readouterr().out
    assert _cli(kafka_url, unique_prefix, "resume", "acme-prod") == 0
    assert "acme-prod: resumed" in capsys.readouterr().out

    records = asyncio.run(read_all(kafka_bootstrap, topology.name("tenants")))
    last = {r.key: r.value for r in records}
    assert last[b"beta-prod"] is None  # tombstone: compaction forgets beta's configuration
    resumed = ControlCommand.from_bytes(last[b"acme-prod"])
    assert resumed.kind == "tenant_resume" and resumed.payload["paused"] is False
    assert resumed.payload["config"]["tenant"] == "acme-prod"

    assert _cli(kafka_url, unique_prefix, "pause", "nobody") == 2
    assert "not on the tenants topic" in capsys.readouterr().err


async def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT:.0f}s: {what}")
        await asyncio.sleep(0.1)


def _follower(registry: TenantRegistry, kafka_url: str, topology: Topology, tmp_path: Path,
              environ: dict[str, str]) -> TenantFollower:  # fmt: skip
    return TenantFollower(
        registry,
        broker=kafka_url,
        topic=topology.name("tenants"),
        service=ServiceSettings(),
        secrets_dir=tmp_path,
        environ=environ,
    )


async def test_a_workers_registry_follows_upsert_pause_resume_remove(
    async_topology: Topology, kafka_url: str, tmp_path: Path
) -> None:
    control = TenantControl(kafka_url, async_topology)
    environ = secret_env("acme-prod") | secret_env("beta-prod")
    registry = TenantRegistry()
    follower = _follower(registry, kafka_url, async_topology, tmp_path, environ)
    await follower.start()
    try:
        async with asyncio.timeout(WAIT):
            await follower.wait_ready()
        assert registry.ids() == []

        config = load_tenant(write_tenant(tmp_path, "acme-prod"), resolve_secrets=False)
        await control.apply(config)
        await _eventually(lambda: registry.get("acme-prod") is not None, "tenant added")
        runtime = registry.get("acme-prod")
        assert runtime is not None and not runtime.paused
        # The worker resolved the references in its own environment.
        assert runtime.config.sellsy.client_secret.get_secret_value() == SELLSY_SECRET

        await control.set_paused("acme-prod", True)
        await _eventually(lambda: bool(getattr(registry.get("acme-prod"), "paused", False)),
                          "tenant paused")  # fmt: skip
        await control.set_paused("acme-prod", False)
        await _eventually(lambda: getattr(registry.get("acme-prod"), "paused", True) is False,
                          "tenant resumed")  # fmt: skip

        changed = load_tenant(
            write_tenant(tmp_path, "acme-prod", poll_interval_seconds=120), resolve_secrets=False
        )
        await control.apply(changed)
        await _eventually(
            lambda: (
                getattr(registry.get("acme-prod"), "config", config).poll_interval_seconds == 120
            ),
            "tenant updated",
        )

        await control.remove("acme-prod")
        await _eventually(lambda: registry.get("acme-prod") is None, "tenant removed")
    finally:
        await follower.stop()
        await registry.aclose()


async def test_a_starting_worker_catches_up_then_says_ready(
    async_topology: Topology, kafka_url: str, tmp_path: Path
) -> None:
    control = TenantControl(kafka_url, async_topology)
    for tenant in ("acme-prod", "beta-prod", "gamma-prod"):
        await control.apply(load_tenant(write_tenant(tmp_path, tenant), resolve_secrets=False))
    await control.remove("beta-prod")
    await control.set_paused("gamma-prod", True)

    environ = secret_env("acme-prod") | secret_env("gamma-prod")
    registry = TenantRegistry()
    follower = _follower(registry, kafka_url, async_topology, tmp_path, environ)
    assert not follower.ready
    await follower.start()
    try:
        async with asyncio.timeout(WAIT):
            await follower.wait_ready()
        # Ready means caught up: the state is already complete, nothing to wait for.
        assert registry.ids() == ["acme-prod", "gamma-prod"]
        gamma = registry.get("gamma-prod")
        assert gamma is not None and gamma.paused
        assert follower.problems == {}
    finally:
        await follower.stop()
        await registry.aclose()


async def test_a_configuration_the_worker_cannot_resolve_leaves_the_tenant_as_it_was(
    async_topology: Topology, kafka_url: str, tmp_path: Path
) -> None:
    control = TenantControl(kafka_url, async_topology)
    registry = TenantRegistry()
    environ = secret_env("acme-prod")  # beta's variables are missing on this worker
    follower = _follower(registry, kafka_url, async_topology, tmp_path, environ)
    await follower.start()
    try:
        await control.apply(load_tenant(write_tenant(tmp_path, "beta-prod"), resolve_secrets=False))
        await _eventually(lambda: "beta-prod" in follower.problems, "beta's problem reported")
        assert "SELLSY_CLIENT_SECRET_BETA_PROD is not set" in " ".join(
            follower.problems["beta-prod"]
        )
        assert registry.get("beta-prod") is None

        await control.apply(load_tenant(write_tenant(tmp_path, "acme-prod"), resolve_secrets=False))
        await _eventually(lambda: registry.get("acme-prod") is not None, "acme added")
        broken = tmp_path / "broken"
        broken.mkdir()
        path = write_tenant(broken, "acme-prod", poll_interval_seconds=300)
        path.write_text(path.read_text().replace("SELLSY_CLIENT_SECRET_ACME_PROD", "NOT_SET_HERE"))
        await control.apply(load_tenant(path, resolve_secrets=False))
        await _eventually(lambda: "acme-prod" in follower.problems, "acme's problem reported")
        runtime = registry.get("acme-prod")
        assert runtime is not None and runtime.config.poll_interval_seconds == 30  # kept
        # A pause still applies to a tenant whose new configuration did not load.
        await control.set_paused("acme-prod", True)
        await _eventually(lambda: bool(getattr(registry.get("acme-prod"), "paused", False)),
                          "acme paused")  # fmt: skip
    finally:
        await follower.stop()
        await registry.aclose()
