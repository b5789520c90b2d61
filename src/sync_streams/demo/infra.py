"""Starting what the demo needs: Kafka (or reusing one), topics, sandboxes, worker.

Each run gets its own topic prefix and Faust app id, so a broker kept from an
earlier run (``--keep``) or shared with the test suite never feeds old events to
the new run; the run's topics are deleted when it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from aiokafka.admin import AIOKafkaAdminClient

from sync_streams.demo.processes import Child, Children, sync_streams_command, wait_http
from sync_streams.errors import FatalError
from sync_streams.kafka.admin import apply_topology, bootstrap_servers
from sync_streams.kafka.declarations import Topology, load_topology
from sync_streams.local.java import find_java
from sync_streams.local.kafka import BrokerInfo, LocalKafka
from sync_streams.ports import free_port, port_is_free

ALTIOR_REFERENCE = ("sync_streams.sandboxes.altior", "default_seed.yaml")


@dataclass
class Sandboxes:
    sellsy: Child
    altior: Child
    sellsy_root: str
    altior_root: str


class KafkaStarter:
    """Reuses the broker of ``directory`` when it runs, else starts one (``started``)."""

    def __init__(self, directory: Path) -> None:
        self.local = LocalKafka(directory)
        self.started = False
        self._task: asyncio.Future[BrokerInfo] | None = None

    async def ensure(self, port: int) -> tuple[str, bool]:
        """``(kafka://host:port, reused)``."""
        running = self.local.info()
        if running is not None:
            return f"kafka://{running.bootstrap}", True
        if not port_is_free(port):
            raise FatalError(
                f"port {port} (127.0.0.1) is already in use by another program: the demo's "
                "Kafka broker needs it; choose another with --kafka-port, or pass --broker "
                "kafka://HOST:PORT to use a broker you already run"
            )
        find_java()  # a clear one-line error before anything else starts
        self.started = True
        task = asyncio.ensure_future(asyncio.to_thread(self.local.start, port))
        self._task = task
        info = await asyncio.shield(task)
        return f"kafka://{info.bootstrap}", False

    async def stop(self) -> None:
        """Stop the broker if this run started it (waiting for a start still under way)."""
        if not self.started:
            return
        if self._task is not None and not self._task.done():
            with contextlib.suppress(Exception):
                await self._task
        await asyncio.to_thread(self.local.stop)


def run_topology(prefix: str, partitions: int) -> Topology:
    return load_topology(prefix=prefix, partitions=partitions)


async def create_topics(broker: str, topology: Topology) -> None:
    report = await apply_topology(broker, topology)
    if report.drifts:
        raise FatalError("topic drift on a fresh prefix: " + "; ".join(report.lines()))


async def delete_run_topics(broker: str, prefix: str, app_id: str) -> int:
    """Delete this run's topics (``<prefix>.*`` and Faust's ``<app_id>-*``); best effort."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap_servers(broker), request_timeout_ms=10000
    )
    try:
        await admin.start()
        names = [
            t
            for t in await admin.list_topics()
            if t.startswith(f"{prefix}.") or t.startswith(f"{app_id}-")
        ]
        if names:
            await admin.delete_topics(names, timeout_ms=10000)
        return len(names)
    finally:
        await admin.close()


def altior_reference_seed(path: Path) -> Path:
    """A seed file holding only the sandbox's default reference data (no demo tenant)."""
    package, name = ALTIOR_REFERENCE
    text = resources.files(package).joinpath(name).read_text("utf-8")
    reference = (yaml.safe_load(text) or {}).get("reference", {})
    path.write_text(yaml.safe_dump({"reference": reference}, allow_unicode=True), "utf-8")
    return path


async def start_sandboxes(children: Children, directory: Path) -> Sandboxes:
    sellsy_port, altior_port = free_port(), free_port()
    seed = altior_reference_seed(directory / "altior-reference.yaml")
    sellsy = children.start(
        "sellsy-sandbox",
        sync_streams_command(
            "sandbox",
            "sellsy",
            "--port",
            str(sellsy_port),
            "--db",
            str(directory / "sellsy.db"),
        ),
    )
    altior = children.start(
        "altior-sandbox",
        sync_streams_command(
            "sandbox",
            "altior",
            "--port",
            str(altior_port),
            "--db",
            str(directory / "altior.db"),
            "--seed",
            str(seed),
        ),
    )
    sellsy_root = f"http://127.0.0.1:{sellsy_port}"
    altior_root = f"http://127.0.0.1:{altior_port}"
    await asyncio.gather(
        wait_http(f"{sellsy_root}/_admin/health", sellsy, seconds=30),
        wait_http(f"{altior_root}/_admin/health", altior, seconds=30),
    )
    return Sandboxes(sellsy, altior, sellsy_root, altior_root)


def start_worker(
    children: Children,
    *,
    broker: str,
    tenants_dir: Path,
    data_dir: Path,
    app_id: str,
    web_port: int,
    env: dict[str, str],
) -> Child:
    return children.start(
        "worker",
        sync_streams_command(
            "worker",
            "--broker",
            broker,
            "--tenants",
            str(tenants_dir),
            "--web-port",
            str(web_port),
            "--data-dir",
            str(data_dir),
            "--app-id",
            app_id,
        ),
        env=env,
    )


def init_command(tenant: str, broker: str, tenants_dir: Path) -> list[str] | None:
    """``sync-streams init`` for the third-party job, or None when the command is absent."""
    if importlib.util.find_spec("sync_streams.cli.init") is None:
        return None
    args = ["init", "--tenant", tenant, "--job", "thirdPartyAll"]
    options = _init_options()
    if "--broker" in options:
        args += ["--broker", broker]
    if "--tenants" in options:
        args += ["--tenants", str(tenants_dir)]
    return sync_streams_command(*args)


def _init_options() -> set[str]:
    """Option strings ``sync-streams init`` accepts (it is being written alongside)."""
    import argparse

    from sync_streams.cli import build_parser

    parser = build_parser()
    for action in parser._actions:  # argparse has no public accessor
        if isinstance(action, argparse._SubParsersAction):
            init = action.choices.get("init")
            if init is not None:
                return {o for a in init._actions for o in a.option_strings}
    return set()
