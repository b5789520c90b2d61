"""``sync-streams tenants validate|show|template|form`` as an integrator runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sync_streams.cli import main
from sync_streams.config import MASK, load_tenant
from sync_streams.config.form import form_fields, markdown_table

from .conftest import ALTIOR_KEY, EXAMPLE, REPO, WriteTenant


@pytest.mark.usefixtures("secrets_env")
def test_validate_valid_files_and_directories_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["tenants", "validate", str(REPO / "examples" / "tenants"), str(EXAMPLE)])

    out, _ = capsys.readouterr()
    assert code == 0
    assert f"{EXAMPLE}: ok (tenant acme-prod)" in out


@pytest.mark.usefixtures("secrets_env")
def test_validate_prints_one_line_per_problem_and_exits_1(
    write_tenant: WriteTenant, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_tenant(name="good.yaml")
    bad = write_tenant(
        lambda d: d.update(tenant="other", colour="x", poll_interval_seconds=0), name="bad.yaml"
    )

    code = main(["tenants", "validate", "-q", str(good), str(bad)])

    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [
        f"{bad}: poll_interval_seconds: expected a number >= 5 (seconds between two polls of "
        "each API (5 to 3600))",
        f"{bad}: colour: unknown key; expected one of: tenant, client, environment, "
        "integration_referent, paused, poll_interval_seconds, altior, sellsy, third_parties, "
        "deals",
    ]
    assert "2 problem(s); 1 of 2 file(s) invalid" in err


def test_validate_reports_unresolvable_secrets_unless_told_not_to_read_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tenants", "validate", str(EXAMPLE)]) == 1
    out, _ = capsys.readouterr()
    assert f"{EXAMPLE}: altior.api_key: environment variable ALTIOR_API_KEY_ACME is not set" in out

    assert main(["tenants", "validate", "--no-secrets", str(EXAMPLE)]) == 0


def test_validate_without_paths_uses_the_service_tenants_dir(
    write_tenant: WriteTenant,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write_tenant(directory=tmp_path / "tenants")
    monkeypatch.setenv("SYNC_STREAMS_TENANTS_DIR", str(tmp_path / "tenants"))

    assert main(["tenants", "validate", "--no-secrets"]) == 0
    assert f"{path}: ok (tenant acme-prod)" in capsys.readouterr().out


def test_validate_an_empty_directory_or_missing_path_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tenants", "validate", str(tmp_path)]) == 1
    assert main(["tenants", "validate", str(tmp_path / "nope")]) == 1

    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        f"{tmp_path}: no tenant file (*.yaml, *.yml) found",
        f"{tmp_path / 'nope'}: no such file or directory",
    ]


@pytest.mark.usefixtures("secrets_env")
def test_validate_uses_the_allowed_hosts_of_the_settings_file(
    write_tenant: WriteTenant, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_tenant(lambda d: d["altior"].update(api_url="https://acme.altior.example"))
    settings = tmp_path / "service.yaml"
    settings.write_text("allowed_api_hosts: ['127.0.0.1', '*.altior.example']\n")

    assert main(["tenants", "validate", str(path)]) == 1
    assert main(["tenants", "validate", "--settings", str(settings), str(path)]) == 0
    assert "is not an allowed API host" in capsys.readouterr().out


def test_a_bad_settings_file_is_a_fatal_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "service.yaml"
    settings.write_text("web_port: many\n")

    assert main(["tenants", "validate", "--settings", str(settings), str(EXAMPLE)]) == 2
    assert f"{settings}: web_port: expected a whole number, got text" in capsys.readouterr().err


@pytest.mark.usefixtures("secrets_env")
def test_show_prints_the_resolved_configuration_with_secrets_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tenants", "show", str(EXAMPLE)]) == 0

    out, _ = capsys.readouterr()
    shown = yaml.safe_load(out)
    assert shown["altior"]["api_key"] == MASK
    assert shown["sellsy"]["client_secret"] == MASK
    assert shown["poll_interval_seconds"] == 30  # defaults are filled in
    assert shown["deals"]["on_deal_closed"] == [{"pipeline": "Ventes", "step": "Clôturé"}]
    assert ALTIOR_KEY not in out


def test_show_an_invalid_file_prints_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("tenant: acme\n")

    assert main(["tenants", "show", str(path)]) == 1
    out, _ = capsys.readouterr()
    assert f"{path}: client: required key is missing" in out


def test_template_loads_once_the_secret_variables_are_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tenants", "template"]) == 0
    text = capsys.readouterr().out
    path = tmp_path / "new.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ALTIOR_API_KEY", "a")
    monkeypatch.setenv("SELLSY_CLIENT_SECRET", "b")

    config = load_tenant(path)

    assert config.tenant == "client-production"
    assert main(["tenants", "validate", str(path)]) == 0


def test_template_has_every_form_label_as_a_comment_in_the_form_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["tenants", "template"])
    comments = [
        line.strip().lstrip("#").strip()
        for line in capsys.readouterr().out.splitlines()
        if line.strip().startswith("#")
    ]
    text = "\n".join(comments)

    for item in form_fields():
        assert (item.option or item.label) in text, f"not in the template: {item.title!r}"
    position = 0
    for item in form_fields():
        # table columns are named once per table: their order is the table's (section's)
        needle = item.section if "[]" in item.key else item.option or item.label
        found = text.find(needle, position)
        assert found >= 0, f"out of the form's order in the template: {needle!r}"
        position = found


def test_template_to_a_file_does_not_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.yaml"

    assert main(["tenants", "template", "-o", str(path)]) == 0
    path.write_text("mine")
    assert main(["tenants", "template", "-o", str(path)]) == 1
    assert path.read_text() == "mine"
    assert main(["tenants", "template", "-o", str(path), "--force"]) == 0
    assert path.read_text().startswith("# sync-streams tenant configuration")
    assert "already exists" in capsys.readouterr().err


def test_form_prints_the_docs_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tenants", "form"]) == 0

    assert capsys.readouterr().out == markdown_table()
