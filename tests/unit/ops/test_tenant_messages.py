"""The tenants topic's messages: references only, self-contained, last one wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync_streams.config import load_tenant
from sync_streams.domain.control import ControlCommand, find_secret_values
from sync_streams.errors import MalformedRecordError
from sync_streams.ops.tenant_messages import (
    Removal,
    TenantEntry,
    config_payload,
    decode,
    fold,
    relative_file_references,
    upsert_command,
)
from tests.support.ops import ALTIOR_KEY, SELLSY_SECRET, T0, secret_env, write_tenant


def _upsert(tenant: str, *, paused: bool = False, name: str = "ACME") -> bytes:
    config = {"tenant": tenant, "client": name}
    return ControlCommand(
        kind="tenant_upsert",
        tenant=tenant,
        payload={"config": config, "paused": paused},
        issued_at=T0,
    ).to_bytes()


def test_payload_carries_references_and_never_a_value_even_when_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in secret_env("acme-prod").items():
        monkeypatch.setenv(name, value)
    config = load_tenant(write_tenant(tmp_path, "acme-prod"), resolve_secrets=True)
    command = upsert_command(config, paused=False, issued_at=T0)
    text = command.to_bytes().decode()
    assert SELLSY_SECRET not in text and ALTIOR_KEY not in text
    assert "**********" not in text  # a masked secret would be useless to the workers
    payload = command.payload["config"]
    assert payload["sellsy"]["client_secret"] == "env:SELLSY_CLIENT_SECRET_ACME_PROD"
    assert payload["altior"]["api_key"] == "env:ALTIOR_API_KEY_ACME_PROD"
    assert find_secret_values(payload) == []


def test_payload_is_the_whole_configuration(tmp_path: Path) -> None:
    config = load_tenant(write_tenant(tmp_path, "acme-prod"), resolve_secrets=False)
    payload = config_payload(config)
    assert payload["sellsy"]["token_url"] == "http://127.0.0.1:8081/oauth2/access-tokens"
    assert payload["deals"]["import_triggers"][0]["establishments"] == ["ACME Lyon"]
    assert json.loads(json.dumps(payload)) == payload
    assert payload.keys() == config.model_dump(mode="json").keys()


def test_an_endpoint_url_with_credentials_is_still_refused() -> None:
    with pytest.raises(ValueError, match=r"sellsy\.token_url"):
        ControlCommand.make(
            "tenant_upsert", "acme", T0, sellsy={"token_url": "https://u:pw@login.example/x"}
        )
    with pytest.raises(ValueError, match=r"token_url"):
        ControlCommand.make("tenant_upsert", "acme", T0, token_url="https://h/x?token=abc")


def test_relative_file_references_are_pointed_out(tmp_path: Path) -> None:
    path = write_tenant(tmp_path, "acme-prod")
    text = (
        path.read_text()
        .replace("env:SELLSY_CLIENT_SECRET_ACME_PROD", "file:secrets/sellsy")
        .replace("env:ALTIOR_API_KEY_ACME_PROD", "file:/run/secrets/altior")
    )
    path.write_text(text)
    config = load_tenant(path, resolve_secrets=False)
    assert relative_file_references(config) == ["file:secrets/sellsy"]
    assert config_payload(config)["altior"]["api_key"] == "file:/run/secrets/altior"


def test_decode_reads_upserts_tombstones_and_remove_commands() -> None:
    entry = decode(b"acme", _upsert("acme", paused=True), offset=4)
    assert isinstance(entry, TenantEntry)
    assert (entry.tenant, entry.paused, entry.offset) == ("acme", True, 4)
    assert entry.config == {"tenant": "acme", "client": "ACME"}
    assert decode(b"acme", None) == Removal("acme")
    remove = ControlCommand.make("tenant_remove", "acme", T0).to_bytes()
    assert isinstance(decode(b"acme", remove), Removal)


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        (None, _upsert("acme"), "key"),
        (b"other", _upsert("acme"), "tenant"),
        (b"acme", ControlCommand.make("init", "acme", T0, job="x").to_bytes(), "kind"),
        (b"acme", ControlCommand.make("tenant_upsert", "acme", T0).to_bytes(), "payload.config"),
        (b"acme", b"not json", None),
    ],
)
def test_decode_refuses_what_is_not_a_tenant_message(
    key: bytes | None, value: bytes, field: str | None
) -> None:
    with pytest.raises(MalformedRecordError) as caught:
        decode(key, value)
    if field is not None:
        assert caught.value.field == field


def test_fold_keeps_the_last_message_per_tenant() -> None:
    messages = [
        decode(b"acme", _upsert("acme", name="v1")),
        decode(b"beta", _upsert("beta")),
        decode(b"acme", _upsert("acme", name="v2", paused=True)),
        decode(b"beta", None),
    ]
    state = fold(messages)
    assert list(state) == ["acme"]
    assert state["acme"].paused is True
    assert state["acme"].config == {"tenant": "acme", "client": "v2"}


def test_a_pause_without_config_keeps_the_previous_one_and_needs_one() -> None:
    pause = ControlCommand.make("tenant_pause", "acme", T0).to_bytes()
    assert fold([decode(b"acme", pause)]) == {}
    state = fold([decode(b"acme", _upsert("acme")), decode(b"acme", pause)])
    assert state["acme"].paused is True
    assert state["acme"].config == {"tenant": "acme", "client": "ACME"}


def test_an_entry_republishes_itself_with_its_configuration() -> None:
    entry = decode(b"acme", _upsert("acme"))
    assert isinstance(entry, TenantEntry)
    again = decode(b"acme", entry.command().to_bytes())
    assert again == entry
