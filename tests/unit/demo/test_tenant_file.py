"""The demo tenant file is the example with the sandboxes' URLs, and it validates."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sync_streams.config.loader import validate_tenant_files
from sync_streams.config.service import ServiceSettings
from sync_streams.demo.run import demo_secret_environment
from sync_streams.demo.tenant_file import (
    demo_tenant_text,
    example_path,
    secret_variables,
    write_demo_tenant,
)
from sync_streams.errors import FatalError

SELLSY = "http://127.0.0.1:40001"
ALTIOR = "http://127.0.0.1:40002"


def test_only_the_three_urls_change() -> None:
    text = example_path().read_text(encoding="utf-8")
    written = demo_tenant_text(text, sellsy_root=SELLSY, altior_root=ALTIOR)
    before, after = yaml.safe_load(text), yaml.safe_load(written)
    assert after["altior"]["api_url"] == ALTIOR
    assert after["sellsy"]["api_url"] == f"{SELLSY}/v2"
    assert after["sellsy"]["token_url"] == f"{SELLSY}/oauth2/access-tokens"
    for section, key in (("altior", "api_url"), ("sellsy", "api_url"), ("sellsy", "token_url")):
        del before[section][key], after[section][key]
    assert after == before
    changed = [
        (old, new)
        for old, new in zip(text.splitlines(), written.splitlines(), strict=True)
        if old != new
    ]
    assert len(changed) == 3  # comments and layout are the example's


def test_secrets_stay_references() -> None:
    text = example_path().read_text(encoding="utf-8")
    assert secret_variables(text) == {
        "altior.api_key": "ALTIOR_API_KEY_ACME",
        "sellsy.client_secret": "SELLSY_CLIENT_SECRET_ACME",
    }
    written = demo_tenant_text(text, sellsy_root=SELLSY, altior_root=ALTIOR)
    for value in demo_secret_environment().values():
        assert value not in written


def test_a_secret_written_in_clear_is_refused() -> None:
    text = (
        example_path().read_text(encoding="utf-8").replace("env:ALTIOR_API_KEY_ACME", "plain-key")
    )
    with pytest.raises(FatalError, match=r"altior\.api_key"):
        secret_variables(text)


def test_written_file_validates_with_the_demo_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, variables = write_demo_tenant(
        tmp_path / "tenants", sellsy_root=SELLSY, altior_root=ALTIOR
    )
    assert path.name == "acme-prod.yaml"
    for name, value in demo_secret_environment().items():
        monkeypatch.setenv(name, value)
    report = validate_tenant_files([path], service=ServiceSettings.load(None))
    assert report.problems == []
    config = report.tenants["acme-prod"]
    assert (
        config.sellsy.client_secret.get_secret_value()
        == demo_secret_environment()[variables["sellsy.client_secret"]]
    )
