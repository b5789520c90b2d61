"""ServiceSettings: defaults, and precedence flags > environment > settings file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_streams.config import ServiceSettings, load_tenant
from sync_streams.config.hosts import DEFAULT_ALLOWED_API_HOSTS
from sync_streams.errors import ConfigError

from .conftest import WriteTenant


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "service.yaml"
    path.write_text("web_port: 7001\nbroker: kafka://from-file:9092\napp_id: from-file\n")
    return path


def test_defaults() -> None:
    settings = ServiceSettings.load()

    assert settings.broker == "kafka://127.0.0.1:9092"
    assert settings.app_id == "sync-streams"
    assert (settings.web_host, settings.web_port) == ("127.0.0.1", 6066)
    assert settings.data_dir == Path("./var/worker")
    assert settings.tenants_dir == Path("./tenants")
    assert settings.allowed_api_hosts == (
        "api.sellsy.com",
        "login.sellsy.com",
        "127.0.0.1",
        "localhost",
        "::1",
    )
    assert settings.allow_plain_http is False
    assert settings.log_level == "INFO"
    assert settings.topic_partitions == 8


def test_file_beats_defaults(settings_file: Path) -> None:
    settings = ServiceSettings.load(settings_file)

    assert settings.web_port == 7001
    assert settings.topic_partitions == 8  # not in the file: default


def test_environment_beats_file(settings_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_STREAMS_WEB_PORT", "7002")

    settings = ServiceSettings.load(settings_file)

    assert settings.web_port == 7002
    assert settings.app_id == "from-file"


def test_environment_beats_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_STREAMS_TOPIC_PARTITIONS", "16")
    monkeypatch.setenv("sync_streams_log_level", "debug")

    settings = ServiceSettings.load()

    assert settings.topic_partitions == 16
    assert settings.log_level == "DEBUG"


def test_flags_beat_environment_and_file(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_STREAMS_BROKER", "kafka://from-env:9092")
    monkeypatch.setenv("SYNC_STREAMS_WEB_PORT", "7002")

    settings = ServiceSettings.load(settings_file, broker="kafka://from-flag:9092", web_port=7003)

    assert settings.broker == "kafka://from-flag:9092"
    assert settings.web_port == 7003
    assert settings.app_id == "from-file"


def test_flag_not_given_leaves_the_lower_sources(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_STREAMS_WEB_PORT", "7002")

    settings = ServiceSettings.load(settings_file, web_port=None, app_id=None)

    assert (settings.web_port, settings.app_id) == (7002, "from-file")


def test_plain_construction_uses_init_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNC_STREAMS_APP_ID", "from-env")

    assert ServiceSettings().app_id == "from-env"
    assert ServiceSettings(app_id="from-init").app_id == "from-init"


def test_settings_file_can_be_named_by_the_environment(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNC_STREAMS_SETTINGS_FILE", str(settings_file))

    assert ServiceSettings.load().web_port == 7001


@pytest.mark.parametrize(
    "value", ["a.example.com, *.altior.example", '["a.example.com", "*.altior.example"]']
)
def test_allowed_hosts_from_environment_as_csv_or_json(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SYNC_STREAMS_ALLOWED_API_HOSTS", value)

    assert ServiceSettings.load().allowed_api_hosts == ("a.example.com", "*.altior.example")


@pytest.mark.parametrize("host", ["https://a.example.com", "a.example.com:443", "a b"])
def test_allowed_hosts_must_be_host_names(tmp_path: Path, host: str) -> None:
    path = tmp_path / "service.yaml"
    path.write_text(f"allowed_api_hosts: ['{host}']\n")

    with pytest.raises(ConfigError) as caught:
        ServiceSettings.load(path)

    (line,) = caught.value.problems
    assert line.startswith(f"{path}: allowed_api_hosts: expected host names without scheme")


def test_bad_value_names_the_source_it_came_from(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text("web_port: 7001\ntopic_partitions: 0\nweb_prot: 1\n")
    monkeypatch.setenv("SYNC_STREAMS_LOG_LEVEL", "chatty")

    with pytest.raises(ConfigError) as caught:
        ServiceSettings.load(settings_file, web_port=70000)

    assert sorted(caught.value.problems) == sorted(
        [
            "command-line option --web-port: web_port: expected a number <= 65535 "
            "(port of that server (0 = any free))",
            f"{settings_file}: topic_partitions: expected a number >= 1 "
            "(partitions of the change topics (max parallel workers))",
            f"{settings_file}: web_prot: unknown key (did you mean 'web_port'?); expected one "
            "of: broker, app_id, web_host, web_port, data_dir, tenants_dir, allowed_api_hosts, "
            "allow_plain_http, log_level, topic_partitions, table_store, "
            "reconcile_interval_seconds",
            "environment SYNC_STREAMS_LOG_LEVEL: log_level: expected 'DEBUG', 'INFO', "
            "'WARNING', 'ERROR' or 'CRITICAL'",
        ]
    )


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        ServiceSettings.load(tmp_path / "nope.yaml")

    assert caught.value.problems == [f"{tmp_path / 'nope.yaml'}: file not found"]


@pytest.mark.usefixtures("secrets_env")
def test_service_allowed_hosts_decide_which_tenant_urls_load(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["altior"].update(api_url="https://acme.altior.example/api"))
    with pytest.raises(ConfigError, match=r"host 'acme\.altior\.example' is not an allowed"):
        load_tenant(path)

    hosts = (*DEFAULT_ALLOWED_API_HOSTS, "*.altior.example")
    service = ServiceSettings.load(allowed_api_hosts=hosts)

    assert load_tenant(path, service=service).altior.api_url == "https://acme.altior.example/api"


@pytest.mark.usefixtures("secrets_env")
def test_a_sandbox_only_service_refuses_even_the_default_sellsy_urls(
    write_tenant: WriteTenant,
) -> None:
    def edit(data: dict[str, object]) -> None:
        sellsy = data["sellsy"]
        assert isinstance(sellsy, dict)
        del sellsy["api_url"], sellsy["token_url"]

    service = ServiceSettings.load(allowed_api_hosts=["127.0.0.1"])

    with pytest.raises(ConfigError) as caught:
        load_tenant(write_tenant(edit), service=service)

    assert [line.split(": ")[1] for line in caught.value.problems] == [
        "sellsy.api_url",
        "sellsy.token_url",
    ]


@pytest.mark.usefixtures("secrets_env")
def test_plain_http_to_a_remote_host_needs_the_service_to_allow_it(
    write_tenant: WriteTenant,
) -> None:
    path = write_tenant(lambda d: d["altior"].update(api_url="http://altior.lan:8080"))
    hosts = ["altior.lan", "127.0.0.1"]

    with pytest.raises(ConfigError, match="plain http is only allowed for loopback"):
        load_tenant(path, service=ServiceSettings.load(allowed_api_hosts=hosts))
    service = ServiceSettings.load(allowed_api_hosts=hosts, allow_plain_http=True)
    assert load_tenant(path, service=service).altior.api_url == "http://altior.lan:8080"
