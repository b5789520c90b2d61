"""docker-compose.yml, the reference deployment, checked without a Docker engine.

No Docker runs where the tests run, so this reads the file the way Compose
would (interpolating ``${VAR:-default}`` with an empty environment) and checks
what would otherwise rot silently: services, mounted files, ports, the
worker's settings and the tenants' secrets, Prometheus' targets, Grafana's
provisioning, the sandboxes' trial credentials, and every command line against
the real ``sync-streams`` parser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from sync_streams.cli import build_parser
from sync_streams.config.loader import validate_tenant_files
from sync_streams.config.service import ServiceSettings
from tests.support import compose as dc
from tests.support.prometheus import REPO

WORKERS = ("worker-1", "worker-2")
SERVICES = {
    "kafka",
    "topics",
    *WORKERS,
    "prometheus",
    "grafana",
    "sellsy-sandbox",
    "altior-sandbox",
}


def _container_port(service: dict[str, Any], host_port: int) -> int:
    for mapping in service.get("ports") or []:
        host, _, container = str(mapping).rpartition(":")
        if int(host) == host_port:
            return int(container)
    raise AssertionError(f"host port {host_port} not published")


def _tenant_files(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {target: yaml.safe_load(text) for target, text in dc.tenant_files(service).items()}


def test_every_service_of_the_reference_deployment_is_there() -> None:
    assert set(dc.services()) >= SERVICES


def test_kafka_runs_in_kraft_mode_without_auto_created_topics() -> None:
    kafka = dc.env(dc.services()["kafka"])
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "KAFKA_ZOOKEEPER_CONNECT" not in kafka
    assert kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "PLAINTEXT://kafka:9092" in kafka["KAFKA_ADVERTISED_LISTENERS"]


def test_every_mounted_host_file_or_folder_exists_in_the_repository() -> None:
    compose = dc.compose()
    named = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for source, target in dc.mounts(service):
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name}: {source} -> {target} missing"
            else:
                assert source in named, f"{name}: volume {source} not declared"
        for config in service.get("configs") or []:
            declared = compose["configs"][config["source"]]
            if "file" in declared:
                assert (REPO / declared["file"]).exists(), f"{name}: {declared['file']}"
            else:
                assert declared["content"].strip(), f"{name}: empty config {config['source']}"


def test_published_ports_are_distinct_and_reach_the_right_container_ports() -> None:
    services = dc.services()
    host_ports = [
        int(str(p).rpartition(":")[0]) for s in services.values() for p in s.get("ports") or []
    ]
    assert len(host_ports) == len(set(host_ports))
    web_ports = {int(dc.env(services[w])["SYNC_STREAMS_WEB_PORT"]) for w in WORKERS}
    assert web_ports == {6066}
    assert _container_port(services["worker-1"], 6066) == 6066
    assert _container_port(services["worker-2"], 6067) == 6066
    assert _container_port(services["prometheus"], 9090) == 9090
    assert _container_port(services["grafana"], 3000) == 3000
    for sandbox, port in (("sellsy-sandbox", 8081), ("altior-sandbox", 8082)):
        command = dc.command(services[sandbox])
        assert int(dc.option(command, "--port")) == _container_port(services[sandbox], port)
        assert dc.option(command, "--host") == "0.0.0.0"


def test_every_command_line_is_accepted_by_the_sync_streams_parser() -> None:
    parser = build_parser()
    for name, service in dc.services().items():
        if service.get("image", "").startswith("sync-streams"):
            parser.parse_args(dc.command(service))  # exits (fails the test) on a bad option
            assert service.get("build") == "." or "build" not in service, name


def test_workers_share_one_group_and_drain_gracefully() -> None:
    services = dc.services()
    envs = [dc.env(services[w]) for w in WORKERS]
    assert envs[0] == envs[1]
    assert envs[0]["SYNC_STREAMS_BROKER"] == "kafka://kafka:9092"
    assert envs[0]["SYNC_STREAMS_APP_ID"]
    for worker in WORKERS:
        service = services[worker]
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        assert service.get("stop_signal", "SIGTERM") == "SIGTERM"
        assert int(str(service["stop_grace_period"]).rstrip("s")) >= 30
        assert "/healthz" in " ".join(service["healthcheck"]["test"])
    data_volumes = {dc.mounts(services[w])[0][0] for w in WORKERS}
    assert len(data_volumes) == 2, "each worker keeps its own local state"


def test_the_worker_settings_in_the_environment_are_valid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environment = dc.env(dc.services()["worker-1"])
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = ServiceSettings.load()
    assert settings.web_host == "0.0.0.0" and settings.web_port == 6066
    topics = yaml.safe_load((REPO / "topics" / "topics.yaml").read_text(encoding="utf-8"))
    assert settings.topic_partitions == topics["defaults"]["partitions"]


def test_the_trial_tenant_files_are_valid_with_their_secrets_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    worker = dc.services()["worker-1"]
    environment = dc.env(worker)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    for target, content in dc.mounted_configs(worker).items():
        if target.startswith(environment["SYNC_STREAMS_TENANTS_DIR"]):
            (tmp_path / Path(target).name).write_text(content, encoding="utf-8")
    report = validate_tenant_files([tmp_path], service=ServiceSettings.load())
    assert not report.problems, report.problems
    assert set(report.tenants) == {"acme-trial", "globex-trial"}
    references = re.findall(r"env:(\w+)", "".join(dc.config_contents().values()))
    assert set(references) <= set(environment), "a tenant secret is not given to the workers"


def test_every_interpolated_variable_has_a_default_for_a_trial_run() -> None:
    text = dc.COMPOSE.read_text(encoding="utf-8")
    for match in dc.INTERPOLATION.finditer(text):
        assert match.group("op") in (":-", "-"), f"{match.group(0)} needs a default"


def test_the_sandboxes_hold_the_credentials_the_trial_tenants_use() -> None:
    services = dc.services()
    worker = services["worker-1"]
    secrets = dc.env(worker)
    tenants = {t["tenant"]: t for t in _tenant_files(worker).values()}
    sellsy_seed = json.loads(next(iter(dc.mounted_configs(services["sellsy-sandbox"]).values())))
    altior_seed = yaml.safe_load(
        next(iter(dc.mounted_configs(services["altior-sandbox"]).values()))
    )

    accounts = sellsy_seed["accounts"]
    altior_keys = {t["name"]: t["api_key"] for t in altior_seed["tenants"]}
    establishments = {e["name"] for e in altior_seed["reference"]["establishments"]}
    for tenant in tenants.values():
        sellsy, altior = tenant["sellsy"], tenant["altior"]
        # The sandbox numbers accounts 1, 2, ... in the seed's order.
        account = accounts[int(sellsy["account_id"]) - 1]
        assert account["client_id"] == sellsy["client_id"]
        assert account["client_secret"] == secrets[sellsy["client_secret"].removeprefix("env:")]
        assert altior_keys[tenant["tenant"]] == secrets[altior["api_key"].removeprefix("env:")]
        assert altior["establishment"] in establishments
        for url, service in (
            (sellsy["api_url"], "sellsy-sandbox"),
            (sellsy["token_url"], "sellsy-sandbox"),
            (altior["api_url"], "altior-sandbox"),
        ):
            parts = urlsplit(url)
            assert parts.hostname == service, url
            assert parts.port == int(dc.option(dc.command(services[service]), "--port")), url


def test_prometheus_loads_the_rules_and_scrapes_every_worker() -> None:
    services = dc.services()
    prometheus = services["prometheus"]
    mounts = dict(dc.mounts(prometheus))
    assert mounts["./prometheus"] == "/etc/prometheus"
    command = " ".join(dc.command(prometheus))
    assert "--config.file=/etc/prometheus/prometheus.yml" in command
    config = yaml.safe_load((REPO / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    for rule_file in config["rule_files"]:
        assert (REPO / "prometheus" / rule_file).is_file()
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    workers = {name for name in services if name.startswith("worker-")}
    expected = {f"{w}:{dc.env(services[w])['SYNC_STREAMS_WEB_PORT']}" for w in workers}
    assert targets == expected
    (job,) = config["scrape_configs"]
    assert job.get("metrics_path", "/metrics") == "/metrics"


def test_grafana_gets_the_provisioning_and_the_dashboards_where_it_looks() -> None:
    grafana = dc.services()["grafana"]
    mounts = dict(dc.mounts(grafana))
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    providers = yaml.safe_load(
        (REPO / "grafana" / "provisioning" / "dashboards" / "sync-streams.yml").read_text()
    )
    assert mounts["./grafana/dashboards"] == providers["providers"][0]["options"]["path"]
    home = dc.env(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (REPO / "grafana" / "dashboards" / Path(home).name).is_file()
    datasources = yaml.safe_load(
        (REPO / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    url = urlsplit(datasources["datasources"][0]["url"])
    assert url.hostname == "prometheus"
    assert url.port == _container_port(dc.services()["prometheus"], 9090)


def test_the_image_runs_the_cli_and_ships_what_the_services_need() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert 'ENTRYPOINT ["sync-streams"]' in dockerfile
    for line in re.findall(r"^COPY\s+(.+)$", dockerfile, flags=re.MULTILINE):
        for copied in line.split()[:-1]:
            assert (REPO / copied).exists(), copied
    assert re.search(r"^USER\s+\S+", dockerfile, flags=re.MULTILINE), "run as non-root"
    assert "EXPOSE 6066" in dockerfile
