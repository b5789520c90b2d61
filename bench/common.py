"""Shared set-up of the benchmark suite: broker, sandboxes, tenants, a worker, conditions.

Every bench script needs the same pieces an integrator would run: a real Kafka
broker (``LocalKafka`` on a free port, or ``SYNC_STREAMS_BENCH_BROKER=host:port``),
both sandboxes as separate processes (so their CPU is not charged to the worker's
event loop), tenants written as YAML files with secrets in the environment, and a
Faust worker from ``create_worker``.  Traffic stays on 127.0.0.1.

Figures are printed twice: as text for people, and as one ``FIGURE\\t{json}`` line
each, which ``run_all.py`` collects into its table.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # tests.support: the sandbox handles

import httpx  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from tests.support.altior_sandbox import AltiorSandbox  # noqa: E402
from tests.support.sellsy_sandbox import SandboxHandle, running_sellsy_sandbox_process  # noqa: E402

from sync_streams.altior import AltiorClient  # noqa: E402
from sync_streams.config import TenantConfig, load_tenant  # noqa: E402
from sync_streams.errors import FatalError  # noqa: E402
from sync_streams.http import QuotaPacer  # noqa: E402
from sync_streams.local.kafka import LocalKafka  # noqa: E402
from sync_streams.local.maven import KAFKA_VERSION  # noqa: E402
from sync_streams.ports import free_port  # noqa: E402
from sync_streams.sellsy import SellsyClient  # noqa: E402

PARTITIONS = 4
FIGURE_PREFIX = "FIGURE\t"


# --- conditions ---------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return float(one), float(five), float(fifteen)


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _versions() -> str:
    from importlib.metadata import version

    names = ("faust-streaming", "aiokafka", "httpx", "aiohttp", "pydantic")
    parts = []
    for name in names:
        with contextlib.suppress(Exception):  # a missing distribution is only not printed
            parts.append(f"{name} {version(name)}")
    return ", ".join(parts)


def _java_version() -> str:
    try:
        from sync_streams.local.java import find_java

        done = subprocess.run(
            [str(find_java()), "-version"], capture_output=True, text=True, timeout=20, check=False
        )
        first = (done.stderr or done.stdout).splitlines()[0]
        return first.replace('"', "")
    except Exception:
        return "java ?"


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), *args], capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def _git_commit() -> str:
    return _git("rev-parse", "--short", "HEAD") or "?"


def _dirty() -> str:
    """Say so when tracked files differ from the commit (the figures ran that code)."""
    changed = _git("status", "--porcelain", "--untracked-files=no")
    return " (+ uncommitted changes)" if changed else ""


class MachineLoad:
    """Machine-wide CPU use and load average over a measurement (other engineers share it)."""

    def __init__(self) -> None:
        self.start_load = load_average()
        self._busy, self._total = _cpu_ticks()
        self._wall = time.monotonic()

    def summary(self) -> str:
        busy, total = _cpu_ticks()
        share = (busy - self._busy) / max(1, total - self._total)
        cpus = os.cpu_count() or 1
        end = load_average()
        return (
            f"machine CPU busy {share:.0%} of {cpus} cores over "
            f"{time.monotonic() - self._wall:.0f} s (all processes); "
            f"load avg {self.start_load[0]:.1f} at start, {end[0]:.1f} at end"
        )


def conditions_header(title: str) -> MachineLoad:
    """Print what every figure depends on; the returned ``MachineLoad`` is summarised later."""
    load = MachineLoad()
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kb = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
    one, five, fifteen = load.start_load
    print(title)
    print(
        f"  machine : {os.cpu_count()} CPUs ({_cpu_model()}), {mem_kb / 1024 / 1024:.0f} GB RAM, "
        f"{platform.platform()}; shared with other engineers: load avg {one:.1f}/{five:.1f}/"
        f"{fifteen:.1f} (1/5/15 min) at start"
    )
    print(
        f"  software: Python {platform.python_version()}, {_versions()}; sync-streams "
        f"{_git_commit()}{_dirty()}"
    )
    print(
        f"  broker  : Apache Kafka {KAFKA_VERSION}, one local KRaft node (broker+controller) "
        f"on 127.0.0.1, {_java_version()}, {PARTITIONS} partitions per change topic"
    )
    sys.stdout.flush()
    return load


def emit_figure(
    figure: str, value: str, target: str, conditions: str, *, met: bool | None = None
) -> None:
    """One row of ``run_all.py``'s table (also readable as is)."""
    row = {"figure": figure, "value": value, "target": target, "conditions": conditions}
    if met is not None:
        row["met"] = "yes" if met else "NO"
    print(FIGURE_PREFIX + json.dumps(row, ensure_ascii=False), flush=True)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..1) of a non-empty list."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# --- broker ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def kafka_broker(directory: Path) -> AsyncIterator[str]:
    """``host:port`` of a broker: ``$SYNC_STREAMS_BENCH_BROKER`` or a fresh local one
    (started in a thread: its readiness probe runs its own event loop)."""
    external = os.environ.get("SYNC_STREAMS_BENCH_BROKER")
    if external:
        yield external
        return
    broker = LocalKafka(directory / "kafka")
    try:
        info = await asyncio.to_thread(broker.start, free_port())
    except FatalError:
        await asyncio.to_thread(broker.stop)  # the probed port was taken meanwhile: retry once
        broker = LocalKafka(directory / "kafka-retry")
        info = await asyncio.to_thread(broker.start, free_port())
    try:
        yield info.bootstrap
    finally:
        await asyncio.to_thread(broker.stop)


# --- sandboxes ------------------------------------------------------------------------


@dataclass
class Sandboxes:
    sellsy: SandboxHandle
    altior: AltiorSandbox
    pids: dict[str, int] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def altior_sandbox_process(db_path: Path, *, startup: float = 30.0) -> AsyncIterator[Any]:
    """``sync-streams sandbox altior`` as a child process; SIGTERM on exit."""
    port = free_port()
    log_path = Path(f"{db_path}.log")
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sync_streams", "sandbox", "altior",
            "--port", str(port), "--db", str(db_path),
            stdout=asyncio.subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as admin:
            deadline = time.monotonic() + startup
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"Altior sandbox exited; see {log_path}")
                with contextlib.suppress(httpx.TransportError):
                    if (await admin.get("/_admin/health")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError("Altior sandbox not healthy")
                await asyncio.sleep(0.2)
            yield AltiorSandbox(base_url=base_url, db_path=db_path, admin=admin), process.pid
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@contextlib.asynccontextmanager
async def sandboxes(directory: Path) -> AsyncIterator[Sandboxes]:
    """Both sandboxes, each in its own process, state in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    async with (
        running_sellsy_sandbox_process(directory / "sellsy.db") as sellsy,
        altior_sandbox_process(directory / "altior.db") as (altior, altior_pid),
    ):
        sellsy.admin.timeout = httpx.Timeout(300)
        altior.admin.timeout = httpx.Timeout(300)
        yield Sandboxes(sellsy, altior, {"altior": altior_pid})


# --- tenants --------------------------------------------------------------------------


@dataclass
class BenchTenant:
    """A configured tenant, plus *driver* clients acting as its users (their own API
    client / key, so the call logs tell the worker's calls apart)."""

    id: str
    path: Path
    config: TenantConfig
    sellsy_account: int
    worker_client_id: str
    worker_altior_key: str
    sellsy: SellsyClient
    altior: AltiorClient


def tenant_yaml(
    tenant_id: str,
    *,
    sellsy_url: str,
    token_url: str,
    client_id: str,
    account_id: int,
    altior_url: str,
    env: str,
    poll_interval_seconds: int,
    company_filter_field: str | None,
    initial_load: bool = True,
) -> str:
    """A tenant file as an integrator fills it: both third-party directions, deals off."""
    company_filter = "null" if company_filter_field is None else company_filter_field
    init = "true" if initial_load else "false"
    return textwrap.dedent(f"""\
        tenant: {tenant_id}
        client: Bench {tenant_id}
        environment: bench
        integration_referent: "Jeanne Martin <jeanne.martin@example.com>"
        poll_interval_seconds: {poll_interval_seconds}
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
          export_to_sellsy: true
          import_from_sellsy: true
          company_filter_field: {company_filter}
          contact_filter_field: null
          init: {{export_all: {init}, import_all: {init}, match_on_siret: true}}
          mapping:
            email_type: Principal
            civility: {{mr: M, mrs: Mme, ms: Mme}}
            phone_types: {{phone: Fixe, fax: Fax, mobile: Portable}}
            website_url_type: Site web
        deals:
          export_to_sellsy: false
          import_from_sellsy: false
          opportunity_filter_field: null
          pipeline_field: Workflow
          step_field: Etape
          init: {{import_all: false}}
          import_triggers: []
          on_quote_created: []
          on_order_created: []
          on_deal_closed: []
        """)


async def add_tenant(
    boxes: Sandboxes,
    tenants_dir: Path,
    tenant_id: str,
    *,
    sellsy_per_second: int = 5,
    poll_interval_seconds: int = 5,
    company_filter_field: str | None = None,
    initial_load: bool = True,
) -> BenchTenant:
    """A Sellsy account (Sellsy's documented 5 calls/s by default) and an Altior tenant,
    a tenant file in ``tenants_dir``, secrets in this process's environment."""
    tenants_dir.mkdir(parents=True, exist_ok=True)
    client_id, client_secret, account = await boxes.sellsy.create_account(
        f"Bench {tenant_id}", per_second=sellsy_per_second
    )
    driver_id, driver_secret = await boxes.sellsy.create_client(account, "bench driver")
    altior_key = await boxes.altior.create_tenant(f"Bench {tenant_id}")
    driver_key = await boxes.altior.add_key(altior_key)
    env = tenant_id.upper().replace("-", "_")
    os.environ[f"SELLSY_SECRET_{env}"] = client_secret
    os.environ[f"ALTIOR_KEY_{env}"] = altior_key
    path = tenants_dir / f"{tenant_id}.yaml"
    path.write_text(
        tenant_yaml(
            tenant_id,
            sellsy_url=boxes.sellsy.base_url,
            token_url=boxes.sellsy.token_url,
            client_id=client_id,
            account_id=account,
            altior_url=boxes.altior.api_url,
            env=env,
            poll_interval_seconds=poll_interval_seconds,
            company_filter_field=company_filter_field,
            initial_load=initial_load,
        )
    )
    sellsy = SellsyClient(
        base_url=boxes.sellsy.base_url,
        token_url=boxes.sellsy.token_url,
        client_id=driver_id,
        client_secret=SecretStr(driver_secret),
        pacer=QuotaPacer(None),
    )
    altior = AltiorClient(
        boxes.altior.api_url, SecretStr(driver_key), user_login="claire.martin",
        pacer=QuotaPacer(None),
    )  # fmt: skip
    return BenchTenant(
        tenant_id, path, load_tenant(path), account, client_id, altior_key, sellsy, altior
    )


async def close_tenants(tenants: list[BenchTenant]) -> None:
    for tenant in tenants:
        await tenant.sellsy.aclose()
        await tenant.altior.aclose()


def siret(n: int) -> str:
    """A valid SIRET (Luhn-valid SIREN, then Luhn-valid 14 digits), distinct per ``n``."""
    from sync_streams.domain.siret import is_valid_siret, luhn_valid

    # never the all-zero SIREN; 7919 is prime to 9 * 10**7: distinct for n < 9 * 10**7
    body = f"{10**7 + (n * 7919) % (9 * 10**7):08d}"
    siren = next(body + key for key in "0123456789" if luhn_valid(body + key))
    stem = f"{siren}{n % 10000:04d}"
    found = next(stem + key for key in "0123456789" if luhn_valid(stem + key))
    assert is_valid_siret(found), found
    return found


def company(n: int, *, updated_at: str | None = None, prefix: str = "Société") -> dict[str, Any]:
    """A Sellsy company body for ``/_admin/.../seed`` (channels and a SIRET, as in real data)."""
    body: dict[str, Any] = {
        "type": "client",
        "name": f"{prefix} Lyonnaise n°{n}",
        "email": f"contact{n}@exemple.fr",
        "phone_number": f"04 78 {n % 100:02d} {n % 97:02d} 00",
        "website": f"https://www.societe{n}.fr",
        "legal_france": {"siret": siret(n)},
    }
    if updated_at is not None:
        body["updated_at"] = updated_at
    return body


# --- a worker in this process ------------------------------------------------------


@contextlib.asynccontextmanager
async def running_worker(
    bootstrap: str,
    prefix: str,
    directory: Path,
    tenants: list[BenchTenant],
    *,
    poll_interval: float | None = None,
    ready_timeout: float = 180.0,
) -> AsyncIterator[tuple[Any, Any]]:
    """``create_worker`` as ``sync-streams worker`` builds it, started in this event loop."""
    from sync_streams.app import create_worker
    from sync_streams.config import ServiceSettings
    from sync_streams.kafka.admin import apply_topology
    from sync_streams.kafka.declarations import load_topology
    from sync_streams.runtime.registry import TenantRegistry

    kafka_url = f"kafka://{bootstrap}"
    topology = load_topology(prefix=prefix, partitions=PARTITIONS)
    await apply_topology(kafka_url, topology)
    settings = ServiceSettings.load(
        broker=kafka_url,
        app_id=prefix,
        web_port=free_port(),
        data_dir=directory / "worker",
        topic_partitions=PARTITIONS,
        log_level="WARNING",
    )
    registry = TenantRegistry()
    for tenant in tenants:
        registry.add(tenant.config)
    app, runtime = create_worker(
        settings, tenants=registry, topology=topology, poll_interval=poll_interval
    )
    await app.start()
    try:
        deadline = time.monotonic() + ready_timeout
        while not all(t.ready for t in registry) or not runtime.ready(app):
            if time.monotonic() > deadline:
                raise TimeoutError("worker or tenants not ready")
            await asyncio.sleep(0.25)
        yield app, runtime
    finally:
        await app.stop()


async def wait_live(runtime: Any, tenant_ids: list[str], *, limit: float) -> float:
    """Seconds until every tenant's first-start init is done and its Sellsy company
    poller has stored a cursor (the tenant is in live sync)."""
    from sync_streams.pollers.cursor import cursor_key

    started = time.monotonic()
    while True:
        cursors = runtime.sync.tables.cursors
        missing = [t for t in tenant_ids if cursors.get(cursor_key(t, "sellsy", "company")) is None]
        if not missing:
            return time.monotonic() - started
        if time.monotonic() - started > limit:
            raise TimeoutError(f"{len(missing)} tenant(s) never went live: {missing[:5]}")
        await asyncio.sleep(0.5)


def metric(runtime: Any, name: str, **labels: str) -> float:
    value = runtime.metrics.registry.get_sample_value(name, labels)
    return float(value or 0.0)


# --- sync lag measured from the outside ------------------------------------------------


@dataclass
class Change:
    """One edit made in a tenant's Sellsy and when (if ever) it was applied in Altior."""

    tenant: str
    sellsy_id: str
    value: str
    sent: float
    lag: float | None = None


class LagProbe:
    """Edits companies in a tenant's Sellsy through the API (as its users would) and
    times when each edit shows in the tenant's Altior.

    Lag = ``updated_at`` of the first Altior version carrying the new e-mail (the
    write's own stamp, same machine clock) minus the moment the Sellsy call was sent:
    source change -> applied in target, independent of how often this probe looks.
    The probe looks with one change-listing call per scan (cursor kept), through its
    own API client and key, so the worker's call logs stay apart.
    """

    def __init__(self, tenant: BenchTenant, company_ids: list[str]) -> None:
        self.tenant = tenant
        self.company_ids = company_ids
        self.cursor: str | None = None
        self.pending: dict[str, Change] = {}
        self.done: list[Change] = []
        self._next = 0
        self._serial = 0

    async def _pages(self) -> list[Any]:
        items: list[Any] = []
        async for page in self.tenant.altior.third_party_pages(cursor=self.cursor, limit=200):
            items.extend(page.items)
            if page.next_cursor is not None:
                self.cursor = page.next_cursor
        return items

    async def linked(self) -> set[str]:
        """Sellsy ids that have an Altior counterpart (reads from the start)."""
        self.cursor = None
        return {sid for item in await self._pages() if (sid := item.external_value())}

    async def change(self, label: str) -> Change:
        from sync_streams.sellsy.models.writes import CompanyUpdate

        sellsy_id = self.company_ids[self._next % len(self.company_ids)]
        self._next += 1
        self._serial += 1
        value = f"{label}-{self._serial}@bench.example.fr"
        record = Change(self.tenant.id, sellsy_id, value, time.time())
        self.pending[sellsy_id] = record
        await self.tenant.sellsy.update_company(int(sellsy_id), CompanyUpdate(email=value))
        return record

    async def scan(self) -> None:
        if not self.pending:
            return
        for item in await self._pages():
            sellsy_id = item.external_value()
            waiting = self.pending.get(sellsy_id or "")
            if waiting is not None and waiting.value in [e.value for e in item.emails]:
                waiting.lag = max(0.0, item.updated_at.timestamp() - waiting.sent)
                self.done.append(self.pending.pop(waiting.sellsy_id))

    def close_phase(self) -> list[Change]:
        """Every change of the phase; those never seen keep ``lag=None`` (censored)."""
        changes = self.done + list(self.pending.values())
        self.done, self.pending = [], {}
        return changes


async def run_lag_phase(
    probes: list[LagProbe],
    *,
    changes_per_probe: int,
    spacing: float,
    wait: float,
    label: str,
    seed: int = 7,
) -> dict[str, list[Change]]:
    """Each probe edits ``changes_per_probe`` companies, one every ``spacing`` s on
    average (jittered, so edits fall at every phase of the poll cycle); then waits up
    to ``wait`` s after the last edit for the stragglers."""
    import random

    rng = random.Random(seed)
    stop = asyncio.Event()

    # lags come from the writes' own stamps, so looking less often costs no precision; with
    # many tenants it keeps the probe's listing calls from loading the worker's event loop
    pause = max(0.5, 0.05 * len(probes))

    async def scanner() -> None:
        while not stop.is_set():
            for probe in probes:
                await probe.scan()
            await asyncio.sleep(pause)

    scanning = asyncio.create_task(scanner())
    try:
        for _ in range(changes_per_probe):
            for probe in rng.sample(probes, len(probes)):
                await probe.change(label)
                await asyncio.sleep(spacing * rng.uniform(0.5, 1.5) / len(probes))
        deadline = time.monotonic() + wait
        while any(p.pending for p in probes) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.5)
    finally:
        stop.set()
        await scanning
    for probe in probes:
        await probe.scan()
    return {probe.tenant.id: probe.close_phase() for probe in probes}


@dataclass
class LagStats:
    count: int
    seen: int
    p50: float | None
    p95: float | None
    censored_at: float

    @property
    def censored(self) -> int:
        return self.count - self.seen

    def fmt(self, value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f} s"

    def line(self) -> str:
        lost = (
            f", {self.censored} not applied within {self.censored_at:.0f} s"
            if self.censored
            else ""
        )
        return f"n={self.count}, p50 {self.fmt(self.p50)}, p95 {self.fmt(self.p95)}{lost}"


def lag_stats(changes: list[Change], censored_at: float) -> LagStats:
    """Percentiles where a change never applied counts as +infinity: a p95 that falls
    on one is unknown (``None``), printed as "more than the wait"."""
    lags = sorted(c.lag for c in changes if c.lag is not None)
    count = len(changes)

    def pick(q: float) -> float | None:
        rank = q * (count - 1)
        if not lags or rank > len(lags) - 1:  # falls among the censored ones
            return None
        low = int(rank)
        high = min(low + 1, len(lags) - 1)
        return lags[low] + (lags[high] - lags[low]) * (rank - low)

    return LagStats(count, len(lags), pick(0.5), pick(0.95), censored_at)


# --- call logs ---------------------------------------------------------------------------


async def altior_calls(
    boxes: Sandboxes, api_key: str, *, after_id: int = 0
) -> list[dict[str, Any]]:
    """Every call made with ``api_key`` after ``after_id`` (the sandbox's log, paged)."""
    tenant_id, key_id = boxes.altior.keys[api_key]
    calls: list[dict[str, Any]] = []
    while True:
        answer = await boxes.altior._call(
            "GET", f"/tenants/{tenant_id}/calls",
            params={"key_id": key_id, "after_id": after_id, "limit": 10_000},
        )  # fmt: skip
        items: list[dict[str, Any]] = answer["items"]
        calls += items
        if len(items) < 10_000:
            return calls
        after_id = int(items[-1]["id"])


async def sellsy_calls(
    boxes: Sandboxes, tenant: BenchTenant, *, since: int = 0
) -> list[dict[str, Any]]:
    """Calls of the worker's API client of ``tenant`` after sequence ``since``."""
    return await boxes.sellsy.calls(
        tenant.sellsy_account, client_id=tenant.worker_client_id, since=since
    )


def last_id(calls: list[dict[str, Any]], key: str, default: int) -> int:
    return int(calls[-1][key]) if calls else default
