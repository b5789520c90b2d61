"""The reference deployment's trial run, minus Docker: sandboxes and tenants agree.

docker-compose.yml starts both sandboxes from inline seed files and gives the
workers two inline tenant files.  No Docker engine runs here, so this test runs
the sandboxes' exact compose command lines as local processes (only host, port
and paths changed), then takes each trial tenant through the worker's real
start-up path (clients, API inventory, configured names checked against the
APIs).  A tenant flow disabled here would fire TenantDisabled on the first
``docker compose up``.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from sync_streams.config.loader import validate_tenant_files
from sync_streams.config.service import ServiceSettings
from sync_streams.http.pacing import QuotaPacer
from sync_streams.ports import free_port
from sync_streams.runtime.tenant import build_runtime
from tests.support import compose as dc

pytestmark = pytest.mark.integration

SANDBOXES = ("sellsy-sandbox", "altior-sandbox")


def _local_command(service: str, port: int, workdir: Path) -> list[str]:
    """The compose command line with loopback host, a free port and local files."""
    args = dc.command(dc.services()[service])
    seeds = dc.mounted_configs(dc.services()[service])
    replaced = {
        "--host": "127.0.0.1",
        "--port": str(port),
        "--db": str(workdir / Path(dc.option(args, "--db")).name),
    }
    seed_target = dc.option(args, "--seed")
    seed_file = workdir / Path(seed_target).name
    seed_file.write_text(seeds[seed_target], encoding="utf-8")
    replaced["--seed"] = str(seed_file)
    local = list(args)
    for flag, value in replaced.items():
        local[local.index(flag) + 1] = value
    return [sys.executable, "-m", "sync_streams", *local]


async def _wait_listening(port: int, process: asyncio.subprocess.Process) -> None:
    for _ in range(200):
        if process.returncode is not None:
            raise AssertionError(f"sandbox exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"sandbox not listening on {port}")


@pytest.fixture
async def trial_sandboxes(tmp_path: Path) -> AsyncIterator[dict[str, int]]:
    """Both sandboxes as compose starts them; yields service name -> local port."""
    ports = {name: free_port() for name in SANDBOXES}
    processes = []
    try:
        for name, port in ports.items():
            workdir = tmp_path / name
            workdir.mkdir()
            with (workdir / "log.txt").open("wb") as log:
                process = await asyncio.create_subprocess_exec(
                    *_local_command(name, port, workdir), stdout=log, stderr=log
                )
            processes.append(process)
            await _wait_listening(port, process)
        yield ports
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
                await process.wait()


def _pointed_at(content: str, ports: dict[str, int]) -> str:
    """A compose tenant file with the sandbox hosts replaced by the local ports."""
    data = yaml.safe_load(content)
    for section, key in (("sellsy", "api_url"), ("sellsy", "token_url"), ("altior", "api_url")):
        parts = urlsplit(data[section][key])
        netloc = f"127.0.0.1:{ports[str(parts.hostname)]}"
        data[section][key] = urlunsplit(parts._replace(netloc=netloc))
    return yaml.safe_dump(data, allow_unicode=True)


async def test_both_trial_tenants_start_with_every_flow_running(
    trial_sandboxes: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = dc.services()["worker-1"]
    for name, value in dc.env(worker).items():
        if not name.startswith("SYNC_STREAMS_"):  # the tenant secrets
            monkeypatch.setenv(name, value)
    tenants_dir = tmp_path / "tenants"
    tenants_dir.mkdir()
    for target, content in dc.tenant_files(worker).items():
        (tenants_dir / Path(target).name).write_text(_pointed_at(content, trial_sandboxes))
    report = validate_tenant_files([tenants_dir], service=ServiceSettings.load())
    assert not report.problems, report.problems
    assert set(report.tenants) == {"acme-trial", "globex-trial"}

    states = {}
    for tenant, config in report.tenants.items():
        runtime = build_runtime(config, sellsy_pacer=QuotaPacer(per_second=20.0))
        try:
            await runtime.prepare()
            assert runtime.disabled == {}, f"{tenant}: {runtime.disabled}"
            states[tenant] = {f: runtime.state_of(f) for f in ("third_parties", "deals")}
        finally:
            await runtime.aclose()
    assert states == {
        "acme-trial": {"third_parties": "running", "deals": "running"},
        "globex-trial": {"third_parties": "running", "deals": "running"},
    }
