"""A worker resolves a published configuration's secret references in its own environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_streams.config import ServiceSettings, load_tenant
from sync_streams.errors import ConfigError
from sync_streams.ops.tenant_follower import load_config
from sync_streams.ops.tenant_messages import config_payload
from tests.support.ops import ALTIOR_KEY, SELLSY_SECRET, secret_env, write_tenant

SERVICE = ServiceSettings()


def _payload(tmp_path: Path, tenant: str = "acme-prod") -> dict:  # type: ignore[type-arg]
    return config_payload(load_tenant(write_tenant(tmp_path, tenant), resolve_secrets=False))


def test_references_resolve_in_the_workers_environment(tmp_path: Path) -> None:
    config = load_config(
        "acme-prod",
        _payload(tmp_path),
        service=SERVICE,
        secrets_dir=tmp_path,
        environ=secret_env("acme-prod"),
    )
    assert config.sellsy.client_secret.get_secret_value() == SELLSY_SECRET
    assert config.altior.api_key.get_secret_value() == ALTIOR_KEY


def test_relative_secret_files_are_read_from_the_tenants_directory(tmp_path: Path) -> None:
    payload = _payload(tmp_path)
    payload["sellsy"]["client_secret"] = "file:secrets/sellsy"
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "sellsy").write_text("from-a-file-77\n")
    config = load_config(
        "acme-prod", payload, service=SERVICE, secrets_dir=tmp_path, environ=secret_env("acme-prod")
    )
    assert config.sellsy.client_secret.get_secret_value() == "from-a-file-77"


def test_a_missing_variable_names_the_reference_never_a_value(tmp_path: Path) -> None:
    environ = secret_env("acme-prod")
    environ.pop("SELLSY_CLIENT_SECRET_ACME_PROD")
    with pytest.raises(ConfigError) as caught:
        load_config("acme-prod", _payload(tmp_path), service=SERVICE, secrets_dir=tmp_path,
                    environ=environ)  # fmt: skip
    text = "\n".join(caught.value.problems)
    assert "tenants topic [acme-prod]" in text
    assert "SELLSY_CLIENT_SECRET_ACME_PROD is not set" in text
    assert ALTIOR_KEY not in text


def test_the_service_policy_applies_to_published_urls(tmp_path: Path) -> None:
    strict = ServiceSettings(allowed_api_hosts=("api.sellsy.com",))
    with pytest.raises(ConfigError, match="api_url"):
        load_config("acme-prod", _payload(tmp_path), service=strict, secrets_dir=tmp_path,
                    environ=secret_env("acme-prod"))  # fmt: skip


def test_a_configuration_under_another_tenants_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="beta"):
        load_config("beta", _payload(tmp_path), service=SERVICE, secrets_dir=tmp_path,
                    environ=secret_env("acme-prod"))  # fmt: skip
