"""Control commands: round trip, and no secret ever on the control topic."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr, ValidationError

from sync_streams.domain.control import ControlCommand, find_secret_values
from sync_streams.domain.events import ControlCommand as ReExported
from sync_streams.errors import MalformedRecordError

NOW = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("tenant_upsert", {"sellsy": {"client_id": "abc", "client_secret_ref": "ACME_SECRET"}}),
        ("tenant_pause", {}),
        ("tenant_resume", {}),
        ("tenant_remove", {"purge_state": True}),
        ("init", {"job": "thirdPartyAll", "match_on_siret": True}),
        ("replay", {"topic": "changes.sellsy", "from": "2024-05-01T00:00:00Z"}),
    ],
)
def test_every_kind_round_trips(kind: str, payload: dict[str, object]) -> None:
    command = ControlCommand(kind=kind, tenant="acme", payload=payload, issued_at=NOW)
    decoded = ControlCommand.from_bytes(command.to_bytes())
    assert decoded == command
    assert decoded.kafka_key == b"acme"
    assert ReExported is ControlCommand


def test_make_and_command_ids() -> None:
    a = ControlCommand.make("init", "acme", NOW, job="opportunityAll")
    b = ControlCommand.make("init", "acme", NOW, job="opportunityAll")
    assert a.payload == {"job": "opportunityAll"}
    assert a.command_id != b.command_id  # two commands issued are two commands


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"sellsy": {"client_secret": "s3cr3t-value"}}, "sellsy.client_secret"),
        ({"password": "hunter2"}, "password"),
        ({"api_key": 123456}, "api_key"),
        ({"altior": {"access_token": "eyJhbGciOi"}}, "altior.access_token"),
        ({"tenants": [{"Client-Secret": "x"}]}, "tenants[0].Client-Secret"),
        ({"sellsy": {"client_secret": SecretStr("hidden")}}, "sellsy.client_secret"),
        ({"anything": SecretStr("hidden")}, "anything"),
    ],
)
def test_secret_values_are_refused_and_the_error_names_only_the_key(
    payload: dict[str, object], path: str
) -> None:
    assert find_secret_values(payload) == [path]
    with pytest.raises(ValidationError) as caught:
        ControlCommand(kind="tenant_upsert", tenant="acme", payload=payload, issued_at=NOW)
    message = str(caught.value)
    assert path in message
    for secret in ("s3cr3t-value", "hunter2", "123456", "eyJhbGciOi", "hidden"):
        assert secret not in message


@pytest.mark.parametrize(
    "payload",
    [
        {"sellsy": {"client_secret": "env:ACME_SELLSY_SECRET"}},
        {"sellsy": {"client_secret": "file:/run/secrets/acme"}},
        {"sellsy": {"client_secret": "vault:kv/acme/sellsy"}},
        {"sellsy": {"client_secret_ref": "ACME_SELLSY_SECRET"}},
        {"sellsy": {"client_secret_env": "ACME_SELLSY_SECRET"}},
        {"sellsy": {"client_secret": {"env": "ACME_SELLSY_SECRET"}}},
        {"sellsy": {"client_secret": None}},
        {"sellsy": {"client_secret": ""}},
        {"token_lifetime_hint": True},
    ],
)
def test_secret_references_are_welcome(payload: dict[str, object]) -> None:
    assert find_secret_values(payload) == []
    ControlCommand(kind="tenant_upsert", tenant="acme", payload=payload, issued_at=NOW)


def test_a_secret_slipped_into_a_message_is_refused_on_decode_too() -> None:
    raw = json.dumps(
        {
            "kind": "tenant_upsert",
            "tenant": "acme",
            "issued_at": "2024-05-01T09:00:00Z",
            "payload": {"password": "hunter2"},
        }
    )
    with pytest.raises(MalformedRecordError) as caught:
        ControlCommand.from_bytes(raw)
    assert caught.value.field == "payload"
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"), [("kind", "tenant_explode"), ("tenant", ""), ("issued_at", None)]
)
def test_bad_commands_name_the_field(field: str, value: object) -> None:
    data = ControlCommand.make("init", "acme", NOW).to_json_value()
    data[field] = value
    with pytest.raises(MalformedRecordError) as caught:
        ControlCommand.from_bytes(json.dumps(data))
    assert caught.value.field == field
