"""Secrets are references, resolved at load, and their values never show anywhere."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pydantic
import pytest

from sync_streams.cli import main
from sync_streams.config import (
    MASK,
    LoadContext,
    TenantConfig,
    UnresolvedSecretError,
    load_tenant,
)
from sync_streams.config.base import CONTEXT_KEY
from sync_streams.errors import ConfigError

from .conftest import ALTIOR_KEY, EXAMPLE, SELLSY_SECRET, WriteTenant


def load_problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_tenant(path)
    return caught.value.problems


@pytest.mark.usefixtures("secrets_env")
def test_env_reference_is_resolved_to_a_secret_str() -> None:
    config = load_tenant(EXAMPLE)

    assert isinstance(config.altior.api_key, pydantic.SecretStr)
    assert config.altior.api_key.get_secret_value() == ALTIOR_KEY
    assert str(config.altior.api_key.reference) == "env:ALTIOR_API_KEY_ACME"


@pytest.mark.usefixtures("secrets_env")
def test_file_reference_is_read_relative_to_the_tenant_file(
    write_tenant: WriteTenant, tmp_path: Path
) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "altior.key").write_text("from-a-file\n")
    absolute = tmp_path / "sellsy.secret"
    absolute.write_text("  absolute-file  \n")

    def edit(data: dict[str, Any]) -> None:
        data["altior"]["api_key"] = "file:../secrets/altior.key"
        data["sellsy"]["client_secret"] = f"file:{absolute}"

    config = load_tenant(write_tenant(edit, directory=tmp_path / "tenants"))

    assert config.altior.api_key.get_secret_value() == "from-a-file"
    assert config.sellsy.client_secret.get_secret_value() == "absolute-file"


@pytest.mark.usefixtures("secrets_env")
@pytest.mark.parametrize("literal", [ALTIOR_KEY + "-typed-in-clear", "s3cr3t:with-colon", "123456"])
def test_a_secret_written_in_the_file_is_refused_without_being_repeated(
    write_tenant: WriteTenant, literal: str
) -> None:
    path = write_tenant(lambda d: d["altior"].update(api_key=literal))

    (line,) = load_problems(path)

    assert line.startswith(f"{path}: altior.api_key: expected a secret reference 'env:NAME'")
    assert "a secret written in the tenant file is refused" in line
    assert literal not in line


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("env:NOT_SET_ANYWHERE", "environment variable NOT_SET_ANYWHERE is not set"),
        ("env:EMPTY_SECRET", "the secret referenced by env:EMPTY_SECRET is empty"),
        ("env:bad name", "expected 'env:NAME' where NAME is an environment variable name"),
        ("file:", "expected 'file:PATH' with a non-empty PATH"),
        ("file:no/such/file", "secret file "),
    ],
)
def test_unresolvable_secret_names_file_key_and_reference(
    write_tenant: WriteTenant,
    monkeypatch: pytest.MonkeyPatch,
    reference: str,
    expected: str,
) -> None:
    monkeypatch.setenv("SELLSY_CLIENT_SECRET_ACME", SELLSY_SECRET)
    monkeypatch.setenv("EMPTY_SECRET", "  ")
    path = write_tenant(lambda d: d["altior"].update(api_key=reference))

    (line,) = load_problems(path)

    assert line.startswith(f"{path}: altior.api_key: {expected}")


def test_missing_secret_file_says_which_path_was_tried(
    write_tenant: WriteTenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALTIOR_API_KEY_ACME", ALTIOR_KEY)
    path = write_tenant(lambda d: d["sellsy"].update(client_secret="file:sellsy.secret"))

    (line,) = load_problems(path)

    assert line == (
        f"{path}: sellsy.client_secret: secret file {tmp_path / 'sellsy.secret'} does not "
        "exist (file:sellsy.secret)"
    )


def test_without_resolution_references_are_checked_but_values_unavailable() -> None:
    config = load_tenant(EXAMPLE, resolve_secrets=False)

    assert config.altior.api_key.resolved is False
    with pytest.raises(UnresolvedSecretError, match="env:ALTIOR_API_KEY_ACME"):
        config.altior.api_key.get_secret_value()


@pytest.mark.usefixtures("secrets_env")
def test_secret_values_never_appear_in_repr_str_or_dumps() -> None:
    config = load_tenant(EXAMPLE)

    texts = [
        repr(config),
        str(config),
        repr(config.altior),
        str(config.altior.api_key),
        repr(config.sellsy.client_secret),
        config.model_dump_json(),
        str(config.model_dump()),
        str(config.model_dump(mode="json")),
    ]
    for text in texts:
        assert ALTIOR_KEY not in text
        assert SELLSY_SECRET not in text
    assert config.model_dump(mode="json")["altior"]["api_key"] == MASK


def test_pydantic_own_error_text_hides_a_literal_secret(example_data: dict[str, Any]) -> None:
    example_data["altior"]["api_key"] = "literal-" + ALTIOR_KEY
    context = {CONTEXT_KEY: LoadContext(environ={"SELLSY_CLIENT_SECRET_ACME": "x"})}

    with pytest.raises(pydantic.ValidationError) as caught:
        TenantConfig.model_validate(example_data, context=context)

    assert ALTIOR_KEY not in str(caught.value)
    assert ALTIOR_KEY not in repr(caught.value)


@pytest.mark.usefixtures("secrets_env")
def test_secret_values_never_reach_log_records_or_command_output(
    write_tenant: WriteTenant,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = write_tenant(lambda d: d["sellsy"].update(client_secret=SELLSY_SECRET), name="bad.yaml")

    codes = [
        main(["tenants", "validate", str(EXAMPLE)]),
        main(["tenants", "show", str(EXAMPLE)]),
        main(["tenants", "validate", str(bad)]),
        main(["tenants", "show", str(bad)]),
    ]

    out, err = capsys.readouterr()
    assert codes == [0, 0, 1, 1]
    assert MASK in out  # the show command ran and masked
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "env:ALTIOR_API_KEY_ACME" in logged  # references are logged, values are not
    for text in (out, err, logged):
        assert ALTIOR_KEY not in text
        assert SELLSY_SECRET not in text
