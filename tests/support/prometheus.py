"""A real Prometheus for tests, and every PromQL expression the project ships.

``running_prometheus`` starts the ``prometheus`` binary (Debian package
``prometheus``, installed by ``.ci/run``) on a free loopback port, scraping the
given targets every second, and stops it afterwards.  Its client is async on
purpose: the worker under test serves ``/metrics`` from the same event loop, so
a blocking HTTP call would stop the very scrapes it waits for.

``dashboard_expressions`` and ``alert_expressions`` read every expression of
the Grafana dashboards and Prometheus rules, so a test can evaluate all of them
and a renamed metric breaks the build.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import yaml

from sync_streams.ports import free_port

REPO = Path(__file__).resolve().parents[2]
DASHBOARDS_DIR = REPO / "grafana" / "dashboards"
ALERTS_FILE = REPO / "prometheus" / "alerts.yml"

METRIC_PREFIX = "sync_streams_"
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
# A vector selector of one of our metrics: name, then optional {matchers}, then optional [range].
_SELECTOR = re.compile(
    r"(?<![A-Za-z0-9_:])(?P<name>sync_streams_[A-Za-z0-9_:]+)\s*"
    r"(?P<matchers>\{[^{}]*\})?\s*(?P<range>\[[^\]]*\])?"
)
_MATCHER = re.compile(
    r'(?P<label>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"(?P<value>[^"]*)"'
)
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
_LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?P<selector>.+?)\s*,\s*(?P<label>\w+)\s*\)\s*$")
_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")

Kind = Literal["panel", "variable", "alert"]


@dataclass(frozen=True)
class Expression:
    """One PromQL expression and where it comes from (for test ids and messages)."""

    kind: Kind
    source: str
    expr: str

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.source}"


@dataclass(frozen=True)
class Selector:
    """A vector selector found in an expression: ``name{matchers}`` (range dropped)."""

    name: str
    matchers: tuple[tuple[str, str, str], ...]

    @property
    def text(self) -> str:
        inner = ", ".join(f'{label}{op}"{value}"' for label, op, value in self.matchers)
        return f"{self.name}{{{inner}}}" if inner else self.name

    @property
    def family(self) -> str:
        """The metric family a scrape declares (``# TYPE``): histogram suffixes dropped."""
        for suffix in HISTOGRAM_SUFFIXES:
            if self.name.endswith(suffix):
                return self.name.removesuffix(suffix)
        return self.name


# -- expressions of the dashboards and the rules -----------------------------------------------


def substitute(expr: str, variables: Mapping[str, str]) -> str:
    """Replace Grafana variables; an unknown one is an error, not a silent pass."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise KeyError(f"no test value for Grafana variable ${name} in: {expr}")
        return variables[name]

    return _VARIABLE.sub(value, expr)


def regex_literal(value: str) -> str:
    """``value`` as a regex inside a PromQL string, escaped as Grafana does (``\\.`` for ``.``)."""
    return re.sub(r"([\\.^$*+?()\[\]{}|])", r"\\\\\1", value)


def _walk_panels(panels: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for panel in panels:
        yield panel
        yield from _walk_panels(panel.get("panels") or [])  # rows hold panels when collapsed


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARDS_DIR.glob("*.json"))


def dashboard_expressions(
    tenants: Sequence[str],
    *,
    rate_interval: str = "30s",
    files: Sequence[Path] | None = None,
) -> list[Expression]:
    """Every panel target and every ``label_values`` variable of every dashboard.

    ``$tenant`` becomes a regex matching exactly ``tenants``;
    ``$__rate_interval`` becomes ``rate_interval``.
    """
    variables = {
        "tenant": "|".join(regex_literal(t) for t in tenants),
        "__rate_interval": rate_interval,
        "datasource": "prometheus",
    }
    found: list[Expression] = []
    for path in files if files is not None else dashboard_files():
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in _walk_panels(dashboard.get("panels") or []):
            for target in panel.get("targets") or []:
                if "expr" not in target:
                    continue
                source = f"{path.stem}/{panel.get('title')}/{target.get('refId')}"
                found.append(Expression("panel", source, substitute(target["expr"], variables)))
        for variable in (dashboard.get("templating") or {}).get("list") or []:
            if variable.get("type") != "query":
                continue
            query = variable.get("query")
            text = query.get("query", "") if isinstance(query, dict) else str(query or "")
            match = _LABEL_VALUES.match(text)
            if match is None:
                raise ValueError(f"{path.name}: variable {variable.get('name')}: {text!r}")
            source = f"{path.stem}/${variable.get('name')}"
            expr = substitute(match.group("selector"), variables)
            found.append(Expression("variable", source, expr))
    return found


def alert_rules(path: Path = ALERTS_FILE) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def alert_expressions(path: Path = ALERTS_FILE) -> list[Expression]:
    """The expression of every alerting and recording rule."""
    return [
        Expression("alert", str(rule.get("alert") or rule.get("record")), rule["expr"].strip())
        for rule in alert_rules(path)
    ]


def selectors(expr: str) -> list[Selector]:
    """The vector selectors of our metrics in ``expr``, in order, without duplicates."""
    seen: dict[str, Selector] = {}
    for match in _SELECTOR.finditer(expr):
        raw = match.group("matchers") or ""
        matchers = tuple(
            (m.group("label"), m.group("op"), m.group("value")) for m in _MATCHER.finditer(raw)
        )
        selector = Selector(match.group("name"), matchers)
        seen.setdefault(selector.text, selector)
    return list(seen.values())


def grouping_labels(expr: str) -> set[str]:
    """Labels named in ``by``/``without``/``on``/``ignoring``/``group_*`` clauses."""
    return {
        label.strip()
        for match in _GROUPING.finditer(expr)
        for label in match.group(1).split(",")
        if label.strip()
    }


# -- a real Prometheus --------------------------------------------------------------------------


class PrometheusError(AssertionError):
    """Prometheus refused a query, or did not come up."""


@dataclass
class Prometheus:
    """Client of a running Prometheus (HTTP API v1)."""

    url: str
    client: httpx.AsyncClient

    async def _get(self, path: str, **params: str) -> Any:
        response = await self.client.get(f"{self.url}{path}", params=params)
        try:
            body = response.json()
        except ValueError:  # plain text while starting: "Service Unavailable"
            raise PrometheusError(
                f"GET {path}: HTTP {response.status_code}: {response.text}"
            ) from None
        if response.status_code != 200 or body.get("status") != "success":
            raise PrometheusError(
                f"GET {path} {params}: HTTP {response.status_code}: "
                f"{body.get('errorType')}: {body.get('error')}"
            )
        return body["data"]

    async def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query; returns the series (``metric`` labels, ``value``)."""
        data = await self._get("/api/v1/query", query=expr)
        if data["resultType"] not in ("vector", "matrix"):
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    async def targets(self) -> list[dict[str, Any]]:
        data = await self._get("/api/v1/targets", state="active")
        targets: list[dict[str, Any]] = data["activeTargets"]
        return targets

    async def metric_families(self) -> dict[str, str]:
        """Family name -> type declared by the scraped targets (even without samples)."""
        data = await self._get("/api/v1/targets/metadata", match_target='{job="workers"}')
        return {item["metric"]: item["type"] for item in data}

    async def wait_until_up(self, limit: float = 60.0) -> None:
        """Every target scraped successfully at least once."""
        await self.wait_for(self._all_up, limit, "scrape targets up")

    async def _all_up(self) -> bool:
        targets = await self.targets()
        return bool(targets) and all(t["health"] == "up" for t in targets)

    async def wait_for(self, check: Any, limit: float, what: str) -> None:
        """Poll ``await check()`` until true; fail with ``what`` after ``limit`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        last: BaseException | None = None
        while loop.time() < deadline:
            try:
                if await check():
                    return
            except (httpx.HTTPError, PrometheusError) as exc:
                last = exc
            await asyncio.sleep(0.5)
        raise PrometheusError(f"Prometheus at {self.url}: {what} not reached in {limit}s: {last}")


def prometheus_binary() -> str | None:
    return shutil.which("prometheus")


def write_config(
    path: Path, targets: Sequence[str], *, rule_files: Sequence[Path] = (), interval: str = "1s"
) -> Path:
    config = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {"job_name": "workers", "static_configs": [{"targets": list(targets)}]},
        ],
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _prepare(
    workdir: Path, targets: Sequence[str], rule_files: Sequence[Path], interval: str
) -> tuple[list[str], Path]:
    """The command line of a Prometheus on a free port, its config written in ``workdir``."""
    binary = prometheus_binary()
    if binary is None:
        raise PrometheusError("the prometheus binary is not on PATH (apt-get install prometheus)")
    workdir.mkdir(parents=True, exist_ok=True)
    config = write_config(workdir / "prometheus.yml", targets, rule_files=rule_files,
                          interval=interval)  # fmt: skip
    command = [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{free_port()}",
    ]
    return command, workdir / "prometheus.log"


@contextlib.asynccontextmanager
async def running_prometheus(
    workdir: Path,
    targets: Sequence[str],
    *,
    rule_files: Sequence[Path] = (),
    scrape_interval: str = "1s",
    startup_limit: float = 60.0,
) -> AsyncIterator[Prometheus]:
    """A Prometheus scraping ``targets`` (``host:port``, job ``workers``) until exit.

    Yields once every target has been scraped successfully.  Its log is in
    ``workdir/prometheus.log``, quoted in the error if it does not come up.
    """
    command, log_path = _prepare(workdir, targets, rule_files, scrape_interval)
    address = command[-1].split("=", 1)[1]
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            *command, stdout=log, stderr=subprocess.STDOUT, cwd=workdir
        )
    try:
        async with httpx.AsyncClient(timeout=10.0) as client:
            prometheus = Prometheus(f"http://{address}", client)
            try:
                await prometheus.wait_until_up(startup_limit)
            except PrometheusError as exc:
                tail = (await asyncio.to_thread(log_path.read_text, errors="replace"))[-2000:]
                raise PrometheusError(f"{exc}\n--- prometheus.log ---\n{tail}") from None
            yield prometheus
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()
