"""A whole sync stack for end-to-end tests: real Kafka, both sandboxes over HTTP,
a real Faust worker in this process, and tenants configured like an integrator would.

    async with sync_stack(kafka_url, prefix, tmp_path) as stack:
        tenant = await stack.add_tenant("acme-prod")
        await stack.start_worker()
        ...

Secrets go through environment variables referenced by the tenant file, exactly
as in production; ``Stack.secrets`` lists their values for leak checks.

The worker can also run as a real ``sync-streams worker`` child process, to be
killed and restarted on the same data directory::

    worker = stack.worker_process()
    await worker.start()
    worker.kill()            # SIGKILL: no drain, no commit
    await worker.start()     # recovers its tables from the changelogs
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faust
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from sync_streams.altior import AltiorClient
from sync_streams.app import Runtime, create_worker
from sync_streams.config import ServiceSettings, TenantConfig, load_tenant
from sync_streams.domain.events import DeadLetter
from sync_streams.kafka.admin import apply_topology
from sync_streams.kafka.declarations import load_topology
from sync_streams.ports import free_port
from sync_streams.runtime.registry import TenantRegistry
from sync_streams.sellsy import SellsyClient
from tests.support.altior_sandbox import AltiorSandbox, altior_sandbox
from tests.support.sellsy_sandbox import SandboxHandle, running_sellsy_sandbox

PARTITIONS = 4


@dataclass
class Tenant:
    """One configured tenant and direct API access to its two systems (as its users)."""

    id: str
    config: TenantConfig
    sellsy_account: int
    sellsy: SellsyClient
    altior_key: str
    """The worker's Altior API key (the users' client below has a key of its own)."""
    altior: AltiorClient
    altior_sandbox: AltiorSandbox | None = None
    """The Altior sandbox holding this tenant's database."""

    async def sellsy_flag_field(self, name: str = "Synchronisation Altior") -> int:
        for definition in await self.sellsy.search_custom_fields():
            if definition.name == name:
                return definition.id
        raise AssertionError(f"no custom field {name!r}")

    async def flag(self, resource: str, record_id: int, value: bool = True) -> None:
        """Tick (or untick) "Synchronisation Altior" on a Sellsy record, as a user would.

        ``resource`` is the API path segment: ``companies``, ``individuals``, ``contacts``.
        """
        field = await self.sellsy_flag_field()
        await self.sellsy.set_custom_field_values(resource, record_id, {field: value})


@dataclass
class Stack:
    kafka_url: str
    prefix: str
    directory: Path
    sellsy_sandbox: SandboxHandle
    altior_sandbox: AltiorSandbox
    exit: AsyncExitStack
    tenants: dict[str, Tenant] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    app: faust.App | None = None
    runtime: Runtime | None = None
    poll_interval: float = 1.0
    extra_altior: list[AltiorSandbox] = field(default_factory=list)

    async def add_altior_sandbox(self) -> AltiorSandbox:
        """Another Altior server (its own database, ids from 1 again), stopped with the stack."""
        path = self.directory / f"altior-{len(self.extra_altior) + 2}.db"
        sandbox = await self.exit.enter_async_context(altior_sandbox(path))
        self.extra_altior.append(sandbox)
        return sandbox

    async def add_tenant(
        self,
        tenant_id: str,
        *,
        overrides: str = "",
        altior: AltiorSandbox | None = None,
        **flows: Any,
    ) -> Tenant:
        """A Sellsy account and an Altior tenant (on ``altior``, else the stack's sandbox)."""
        client_id, client_secret, account_id = await self.sellsy_sandbox.create_account(
            f"Compte {tenant_id}", per_second=1000
        )
        altior = altior or self.altior_sandbox
        altior_key = await altior.create_tenant(f"Altior {tenant_id}")
        env = tenant_id.upper().replace("-", "_")
        os.environ[f"SELLSY_SECRET_{env}"] = client_secret
        os.environ[f"ALTIOR_KEY_{env}"] = altior_key
        self.secrets += [client_secret, altior_key]
        path = self.directory / f"{tenant_id}.yaml"
        path.write_text(
            tenant_yaml(
                tenant_id,
                sellsy_url=self.sellsy_sandbox.base_url,
                token_url=self.sellsy_sandbox.token_url,
                client_id=client_id,
                account_id=account_id,
                altior_url=altior.api_url,
                env=env,
                **flows,
            )
            + textwrap.dedent(overrides)
        )
        config = load_tenant(path)
        # the tests act as the client's users, with credentials of their own, so the
        # sandboxes' call logs of the worker's credentials hold the sync's calls only
        user_id, user_secret = await self.sellsy_sandbox.create_client(account_id, "Utilisateurs")
        user_key = await altior.add_key(altior_key)
        self.secrets += [user_secret, user_key]
        tenant = Tenant(
            id=tenant_id,
            config=config,
            sellsy_account=account_id,
            sellsy=SellsyClient(
                base_url=self.sellsy_sandbox.base_url,
                token_url=self.sellsy_sandbox.token_url,
                client_id=user_id,
                client_secret=SecretStr(user_secret),
            ),
            altior_key=altior_key,
            altior=AltiorClient(altior.api_url, SecretStr(user_key), user_login="claire.martin"),
            altior_sandbox=altior,
        )
        self.exit.push_async_callback(tenant.sellsy.aclose)
        self.exit.push_async_callback(tenant.altior.aclose)
        self.tenants[tenant_id] = tenant
        return tenant

    async def start_worker(self) -> Runtime:
        settings = ServiceSettings.load(
            broker=self.kafka_url,
            app_id=self.prefix,
            web_port=free_port(),
            data_dir=self.directory / "worker",
            topic_partitions=PARTITIONS,
        )
        registry = TenantRegistry()
        for tenant in self.tenants.values():
            registry.add(tenant.config)
        topology = load_topology(prefix=self.prefix, partitions=PARTITIONS)
        self.app, self.runtime = create_worker(
            settings, tenants=registry, topology=topology, poll_interval=self.poll_interval
        )
        await self.app.start()
        self.exit.push_async_callback(self.stop_worker)
        await wait_for(lambda: all(t.ready for t in registry), "tenants ready", limit=60)
        return self.runtime

    async def stop_worker(self) -> None:
        if self.app is not None:
            app, self.app = self.app, None
            await app.stop()

    async def raw_sellsy_edit(
        self, account_id: int, kind: str, record_id: int, **fields: Any
    ) -> None:
        """Overwrite fields of a stored Sellsy record *as is*, past the API's validation
        (a name that is a number, a broken ``updated_at``): what a buggy Sellsy could send.

        The record's change stamp moves to now so the next poll window holds it.
        """

        def edit() -> None:
            with sqlite3.connect(self.directory / "sellsy.db", timeout=30) as db:
                where = (account_id, kind, record_id)
                (body,) = db.execute(
                    "SELECT body FROM records WHERE account_id = ? AND kind = ? AND id = ?", where
                ).fetchone()
                record = {**json.loads(body), **fields}
                db.execute(
                    "UPDATE records SET body = ?, updated_us = ?"
                    " WHERE account_id = ? AND kind = ? AND id = ?",
                    (json.dumps(record, ensure_ascii=False), time.time_ns() // 1000, *where),
                )

        await asyncio.to_thread(edit)

    async def dead_letters(self) -> list[DeadLetter]:
        """Every dead letter on this stack's dead-letter topic so far (read with aiokafka)."""
        topic = load_topology(prefix=self.prefix, partitions=PARTITIONS).name("deadletter")
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.kafka_url.removeprefix("kafka://"),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            letters: list[DeadLetter] = []
            for tp in partitions:
                while await consumer.position(tp) < ends[tp]:
                    batch = await consumer.getmany(tp, timeout_ms=1000)
                    letters += [DeadLetter.from_bytes(m.value) for m in batch.get(tp, [])]
            return letters
        finally:
            await consumer.stop()

    def worker_process(self, name: str = "worker") -> WorkerProcess:
        """A ``sync-streams worker`` child process of this stack (not started yet)."""
        process = WorkerProcess(self, name, free_port(), self.directory / name)
        self.exit.push_async_callback(process.stop)
        return process

    def metric(self, name: str, **labels: str) -> float:
        assert self.runtime is not None
        value = self.runtime.metrics.registry.get_sample_value(name, labels)
        return float(value or 0.0)


@dataclass
class WorkerProcess:
    """``sync-streams worker --broker ... --tenants DIR --web-port P --data-dir D`` as a
    child process, with the tenants' secrets in its environment (inherited, as the
    tenant files reference them).  Its output goes to ``<directory>/<name>.log``.
    """

    stack: Stack
    name: str
    web_port: int
    data_dir: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.stack.directory / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def command(self) -> list[str]:
        return [
            *(sys.executable, "-m", "sync_streams", "worker"),
            *("--broker", self.stack.kafka_url, "--app-id", self.stack.prefix),
            *("--tenants", str(self.stack.directory), "--web-port", str(self.web_port)),
            *("--data-dir", str(self.data_dir)),
        ]

    async def start(self, *, limit: float = 120.0) -> None:
        """Start the process and wait until it serves ``/readyz`` with 200 (group joined,
        tables recovered)."""
        assert not self.running, "worker already running"
        env = {
            **os.environ,
            "SYNC_STREAMS_TOPIC_PREFIX": self.stack.prefix,
            "SYNC_STREAMS_TOPIC_PARTITIONS": str(PARTITIONS),
            "PYTHONUNBUFFERED": "1",
        }
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                *self.command(), stdout=log, stderr=log, env=env
            )
        await wait_for(self.ready, f"{self.name} ready", limit=limit)

    async def ready(self) -> bool:
        if not self.running:
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise AssertionError(f"{self.name} exited: {tail}")
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                return (await client.get(f"{self.url}/readyz")).status_code == 200
        except httpx.TransportError:
            return False

    async def kill(self) -> None:
        """SIGKILL: the worker stops at once, mid-write, without committing anything."""
        assert self.process is not None and self.running
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self, *, grace: float = 30.0) -> None:
        """SIGTERM (graceful drain), SIGKILL after ``grace`` seconds."""
        if self.process is None or not self.running:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    async def metric(self, name: str, **labels: str) -> float:
        """One sample of the worker's ``/metrics`` (0 when absent)."""
        async with httpx.AsyncClient(timeout=10.0) as client:
            text = (await client.get(f"{self.url}/metrics")).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                wanted = all(sample.labels.get(k) == v for k, v in labels.items())
                if sample.name == name and wanted:
                    return float(sample.value)
        return 0.0


def tenant_yaml(
    tenant_id: str,
    *,
    sellsy_url: str,
    token_url: str,
    client_id: str,
    account_id: int,
    altior_url: str,
    env: str,
    export_to_sellsy: bool = True,
    import_from_sellsy: bool = True,
    company_filter_field: str | None = "Synchronisation Altior",
    contact_filter_field: str | None = "Synchronisation Altior",
    deals_export: bool = False,
    deals_import: bool = False,
    opportunity_filter_field: str | None = None,
    deals_init_import_all: bool = False,
    import_triggers: Sequence[Mapping[str, Any]] = (),
    on_quote_created: Sequence[Mapping[str, str]] = (),
    on_order_created: Sequence[Mapping[str, str]] = (),
    on_deal_closed: Sequence[Mapping[str, str]] = (),
) -> str:
    """A tenant file; deal flows are off unless asked (rules as ``{pipeline, step}`` rows)."""

    def flag(value: str | None) -> str:
        return "null" if value is None else value

    def rows(value: Sequence[Mapping[str, Any]]) -> str:
        return json.dumps([dict(row) for row in value], ensure_ascii=False)  # YAML flow style

    return textwrap.dedent(f"""\
        tenant: {tenant_id}
        client: ACME
        environment: test
        integration_referent: "Jeanne Martin <jeanne.martin@example.com>"
        altior:
          api_url: {altior_url}
          api_key: env:ALTIOR_KEY_{env}
          reference_user: sync.sellsy
          establishment: ACME Lyon
          external_reference: {{codification: EXTERNAL, key: SELLSY, name: Sellsy}}
        sellsy:
          account_id: "{account_id}"
          client_id: {client_id}
          client_secret: env:SELLSY_SECRET_{env}
          api_url: {sellsy_url}
          token_url: {token_url}
        third_parties:
          export_to_sellsy: {str(export_to_sellsy).lower()}
          import_from_sellsy: {str(import_from_sellsy).lower()}
          company_filter_field: {flag(company_filter_field)}
          contact_filter_field: {flag(contact_filter_field)}
          init: {{export_all: true, import_all: true, match_on_siret: true}}
          mapping:
            email_type: Principal
            civility: {{mr: M, mrs: Mme, ms: Mme}}
            phone_types: {{phone: Fixe, fax: Fax, mobile: Portable}}
            website_url_type: Site web
        deals:
          export_to_sellsy: {str(deals_export).lower()}
          import_from_sellsy: {str(deals_import).lower()}
          opportunity_filter_field: {flag(opportunity_filter_field)}
          pipeline_field: Workflow
          step_field: Etape
          init: {{import_all: {str(deals_init_import_all).lower()}}}
          import_triggers: {rows(import_triggers)}
          on_quote_created: {rows(on_quote_created)}
          on_order_created: {rows(on_order_created)}
          on_deal_closed: {rows(on_deal_closed)}
        """)


async def wait_for(
    predicate: Callable[[], bool | Awaitable[bool]], what: str, *, limit: float = 60.0
) -> None:
    """Poll ``predicate`` until true; fail naming ``what`` after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        result = predicate()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


@asynccontextmanager
async def sync_stack(kafka_url: str, prefix: str, directory: Path) -> AsyncIterator[Stack]:
    directory.mkdir(parents=True, exist_ok=True)
    await apply_topology(kafka_url, load_topology(prefix=prefix, partitions=PARTITIONS))
    async with AsyncExitStack() as exit_stack:
        sellsy = await exit_stack.enter_async_context(
            running_sellsy_sandbox(directory / "sellsy.db")
        )
        altior = await exit_stack.enter_async_context(altior_sandbox(directory / "altior.db"))
        stack = Stack(kafka_url, prefix, directory, sellsy, altior, exit_stack)
        yield stack


__all__ = ["Stack", "Tenant", "WorkerProcess", "httpx", "sync_stack", "wait_for"]
