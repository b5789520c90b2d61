"""The demo from start to summary, and the guarantee that it leaves nothing running.

Order: Kafka -> topics -> sandboxes -> seed -> tenant file -> worker -> init ->
live sync with scripted edits -> summary -> stop (worker, sandboxes, topics, Kafka
unless ``keep``).  Everything started is registered before anything can fail, and
stopped in ``finally``: an exception, Ctrl-C or SIGTERM all end the same way.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import signal
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from sync_streams.demo import infra, outcome
from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.live import LivePhase
from sync_streams.demo.processes import Children, wait_http
from sync_streams.demo.seeding import AltiorSeeded, SellsySeeded, seed_altior, seed_sellsy
from sync_streams.demo.sellsy_desk import SellsyDesk
from sync_streams.demo.summary import render_summary, worker_figures
from sync_streams.demo.tenant_file import example_path, secret_variables, write_demo_tenant
from sync_streams.ports import free_port

SELLSY_CLIENT_SECRET = "demo-sellsy-secret-acme"  # noqa: S105 - sandbox-only value
ALTIOR_API_KEY = "demo-altior-key-acme"
"""Sandbox-only credentials: the sandboxes accept them, no real system does."""


@dataclass
class DemoOptions:
    directory: Path = Path("var/demo")
    duration: float | None = None
    kafka_port: int = 9092
    broker: str | None = None
    """Use this running broker (``kafka://host:port``) instead of the demo's own."""
    keep: bool = False
    partitions: int = 2
    edit_interval: float = 6.0


def demo_secret_environment(example: Path | None = None) -> dict[str, str]:
    """The variables the example tenant's ``env:`` references name, with the demo's values."""
    names = secret_variables((example or example_path()).read_text(encoding="utf-8"))
    return {
        names["sellsy.client_secret"]: SELLSY_CLIENT_SECRET,
        names["altior.api_key"]: ALTIOR_API_KEY,
    }


class Stopper:
    """SIGINT/SIGTERM: during the live phase end it gracefully, otherwise abort."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.live = False
        self.task = asyncio.current_task()

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._on_signal)

    def _on_signal(self) -> None:
        if self.requested.is_set():
            return  # stopping already: a second Ctrl-C must not cut the clean-up short
        self.requested.set()
        if not self.live and self.task is not None:
            self.task.cancel()

    def uninstall(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _fresh(directory: Path) -> None:
    """Forget the previous run's sandboxes, tenant and worker state (never Kafka's)."""
    for name in (
        "sellsy.db",
        "sellsy.db-wal",
        "sellsy.db-shm",
        "altior.db",
        "altior.db-wal",
        "altior.db-shm",
        "seeded.json",
    ):
        (directory / name).unlink(missing_ok=True)
    for name in ("tenants", "worker", "logs"):
        shutil.rmtree(directory / name, ignore_errors=True)


async def run_demo(options: DemoOptions, out: TextIO) -> int:
    def step(text: str) -> None:
        out.write(f"▶ {text}\n")
        out.flush()

    directory = options.directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    _fresh(directory)
    run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S") + secrets.token_hex(2)
    prefix, app_id = f"demo-{run_id}", f"sync-streams-demo-{run_id}"
    children = Children(directory / "logs")
    kafka = infra.KafkaStarter(directory / "kafka")
    stopper = Stopper()
    stopper.install()
    broker: str | None = None
    topics_created = False
    started = time.monotonic()
    try:
        if options.broker:
            broker = options.broker
            step(f"Kafka: using the broker at {broker}")
        else:
            step("Kafka: starting a local broker (the first run fetches its jars with Maven)")
            broker, reused = await kafka.ensure(options.kafka_port)
            step(f"Kafka: {'reusing the running' if reused else 'started a'} broker at {broker}")
        topology = infra.run_topology(prefix, options.partitions)
        topics_created = True
        await infra.create_topics(broker, topology)
        step(f"Topics: {len(topology.topics)} created with prefix {prefix}")

        sandboxes = await infra.start_sandboxes(children, directory)
        step(
            f"Sandboxes: Sellsy at {sandboxes.sellsy_root}, Altior at {sandboxes.altior_root} "
            f"(logs in {children.log_dir})"
        )
        async with httpx.AsyncClient(timeout=30.0) as http:
            sellsy = SellsyDesk(sandboxes.sellsy_root, http)
            altior = AltiorDesk(sandboxes.altior_root, http)
            tenant_path, _names = write_demo_tenant(
                directory / "tenants",
                sellsy_root=sandboxes.sellsy_root,
                altior_root=sandboxes.altior_root,
            )
            client_id, tenant = _tenant_ids(tenant_path)
            sellsy_seed = await seed_sellsy(
                sellsy, client_id=client_id, client_secret=SELLSY_CLIENT_SECRET
            )
            altior_seed = await seed_altior(altior, api_key=ALTIOR_API_KEY)
            before = await outcome.counts(sellsy, altior)
            step(_seed_line(before, sellsy_seed))
            step(f"Tenant file: {tenant_path} (the form's example values, sandbox URLs)")

            web_port = free_port()
            child_env = {
                **demo_secret_environment(),
                "SYNC_STREAMS_TOPIC_PREFIX": prefix,
                "SYNC_STREAMS_TOPIC_PARTITIONS": str(options.partitions),
                "SYNC_STREAMS_BROKER": broker,
                "SYNC_STREAMS_APP_ID": app_id,
                "SYNC_STREAMS_TENANTS_DIR": str(tenant_path.parent),
            }
            worker = infra.start_worker(
                children,
                broker=broker,
                tenants_dir=tenant_path.parent,
                data_dir=directory / "worker",
                app_id=app_id,
                web_port=web_port,
                env=child_env,
            )
            worker_url = f"http://127.0.0.1:{web_port}"
            _write_state(
                directory,
                run_id,
                broker,
                prefix,
                app_id,
                sandboxes,
                worker_url,
                children,
                sellsy_seed,
                altior_seed,
                tenant_path,
            )
            step(f"Worker: starting (pid {worker.pid}), waiting for {worker_url}/readyz")
            await wait_http(f"{worker_url}/readyz", worker, seconds=180)
            step("Worker: ready")

            phase = LivePhase(
                out,
                options=options,
                broker=broker,
                topology=topology,
                children=children,
                sellsy=sellsy,
                altior=altior,
                sellsy_seed=sellsy_seed,
                altior_seed=altior_seed,
                tenant=tenant,
                tenant_path=tenant_path,
                stop=stopper.requested,
                child_env=child_env,
                worker_url=worker_url,
            )
            stopper.live = True
            await phase.run(infra.init_command(tenant, broker, tenant_path.parent))
            stopper.live = False
            metrics = await _metrics(http, worker_url)
            after = await outcome.counts(sellsy, altior)
            sirets = [m.siret for m in phase.matches]
            singles = await outcome.single_siret_pairs(sellsy, altior, sirets)
        out.write(
            "\n"
            + render_summary(
                elapsed=time.monotonic() - started,
                before=before,
                after=after,
                tally=phase.narrator.tally,
                worker=worker_figures(metrics, tenant),
                siret_pairs=(singles, len(sirets)),
            )
        )
        return 0
    finally:
        stopper.requested.set()
        await _stop_everything(
            out, children, kafka, options, broker if topics_created else None, prefix, app_id
        )
        stopper.uninstall()


async def _stop_everything(
    out: TextIO,
    children: Children,
    kafka: infra.KafkaStarter,
    options: DemoOptions,
    broker: str | None,
    prefix: str,
    app_id: str,
) -> None:
    out.write("▶ Stopping: worker, sandboxes")
    out.flush()
    killed = await asyncio.to_thread(children.stop_all)
    if killed:
        out.write(f" (had to kill: {', '.join(killed)})")
    if broker is not None:
        try:
            deleted = await asyncio.wait_for(infra.delete_run_topics(broker, prefix, app_id), 30)
            out.write(f", this run's {deleted} topics")
        except Exception as exc:  # best effort: say it and go on
            out.write(f" (topics of prefix {prefix} not deleted: {type(exc).__name__})")
    if kafka.started and not options.keep:
        await kafka.stop()
        out.write(", Kafka")
    elif kafka.started:
        out.write(
            f"; Kafka keeps running (--keep): sync-streams local-kafka stop --dir "
            f"{kafka.local.directory}"
        )
    out.write("\n")
    out.flush()


def _tenant_ids(path: Path) -> tuple[str, str]:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data["sellsy"]["client_id"]), str(data["tenant"])


def _seed_line(counts: dict[str, dict[str, int]], seed: SellsySeeded) -> str:
    s, a = counts["sellsy"], counts["altior"]
    flagged = len(seed.flagged_ids("company"))
    return (
        f'Seeded: Sellsy {s["company"]} companies ({flagged} flagged "Synchronisation '
        f'Altior"), {s["individual"]} individuals, {s["contact"]} contacts, '
        f"{s['opportunity']} opportunities; Altior {a['third_party']} third parties, "
        f"{a['contact']} contacts, {a['affaire']} affaire"
    )


async def _metrics(http: httpx.AsyncClient, worker_url: str) -> str | None:
    try:
        response = await http.get(f"{worker_url}/metrics", timeout=5.0)
    except httpx.HTTPError:
        return None
    return response.text if response.status_code == 200 else None


def _write_state(
    directory: Path,
    run_id: str,
    broker: str,
    prefix: str,
    app_id: str,
    sandboxes: infra.Sandboxes,
    worker_url: str,
    children: Children,
    sellsy_seed: SellsySeeded,
    altior_seed: AltiorSeeded,
    tenant_path: Path,
) -> None:
    """``<dir>/seeded.json``: what this run started and created (no secrets)."""
    state: dict[str, Any] = {
        "run_id": run_id,
        "broker": broker,
        "topic_prefix": prefix,
        "app_id": app_id,
        "sellsy_url": sandboxes.sellsy_root,
        "altior_url": sandboxes.altior_root,
        "worker_url": worker_url,
        "tenant_file": str(tenant_path),
        "pids": {child.name: child.pid for child in children.children},
        "sellsy": {**asdict(sellsy_seed), "flagged": sorted(sellsy_seed.flagged)},
        "altior": asdict(altior_seed),
    }
    (directory / "seeded.json").write_text(json.dumps(state, indent=2, ensure_ascii=False))
