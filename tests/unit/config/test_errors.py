"""Each kind of configuration error gets one line: file, key path, what is expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync_streams.config import load_tenant, load_tenants
from sync_streams.errors import ConfigError, FatalError

from .conftest import EXAMPLE, WriteTenant

pytestmark = pytest.mark.usefixtures("secrets_env")


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_tenant(path)
    for line in caught.value.problems:
        assert "\n" not in line
        assert line.startswith(f"{path}: ")
    return caught.value.problems


def only_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


def test_config_error_is_fatal_and_lists_every_problem_of_every_kind(
    write_tenant: WriteTenant,
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["colour"] = "blue"
        del data["client"]
        data["sellsy"]["api_url"] = "ftp://api.sellsy.com/v2"
        data["deals"]["on_deal_closed"] = [{"pipeline": "Ventes"}]

    path = write_tenant(edit)
    with pytest.raises(FatalError) as caught:
        load_tenant(path)

    assert isinstance(caught.value, ConfigError)
    paths = [line.split(": ")[1] for line in caught.value.problems]
    assert sorted(paths) == sorted(
        ["colour", "client", "sellsy.api_url", "deals.on_deal_closed[0].step"]
    )
    assert str(caught.value) == "\n".join(caught.value.problems)


def test_unknown_key_names_the_key_and_suggests_the_close_one(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["third_parties"]["init"].update(match_on_sirett=True))

    line = only_problem(path)

    assert line.startswith(f"{path}: third_parties.init.match_on_sirett: unknown key")
    assert "did you mean 'match_on_siret'?" in line
    assert "expected one of: export_all, import_all, match_on_siret" in line


def test_unknown_civility_key_lists_the_sellsy_enum(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["third_parties"]["mapping"]["civility"].update(dr="Dr"))

    line = only_problem(path)

    assert line == (
        f"{path}: third_parties.mapping.civility.dr: unknown key; expected one of: mr, mrs, ms"
    )


def test_missing_required_key_says_what_it_holds(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["altior"].pop("reference_user"))

    line = only_problem(path)

    assert line.startswith(f"{path}: altior.reference_user: required key is missing (")
    assert "Altior user" in line


def test_missing_section_lists_its_keys(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d.pop("sellsy"))

    line = only_problem(path)

    assert line.startswith(f"{path}: sellsy: required section is missing;")
    assert "(required: account_id, client_id, client_secret)" in line


def test_a_filter_field_must_be_answered_even_when_null(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["deals"].pop("opportunity_filter_field"))

    line = only_problem(path)

    assert line.startswith(f"{path}: deals.opportunity_filter_field: required key is missing")
    assert "null to import every opportunity" in line


@pytest.mark.parametrize("missing", ["pipeline", "step"])
@pytest.mark.parametrize(
    "key", ["import_triggers", "on_quote_created", "on_order_created", "on_deal_closed"]
)
def test_deal_rule_without_pipeline_or_step(
    write_tenant: WriteTenant, key: str, missing: str
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["deals"][key][0].pop(missing)

    path = write_tenant(edit)

    line = only_problem(path)

    assert line.startswith(f"{path}: deals.{key}[0].{missing}: required key is missing (")


def test_empty_step_name_is_refused(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["deals"]["on_quote_created"][0].update(step="  "))

    line = only_problem(path)

    assert line.startswith(f"{path}: deals.on_quote_created[0].step: must not be empty")


@pytest.mark.parametrize("key", ["on_quote_created", "on_order_created", "on_deal_closed"])
def test_same_pipeline_twice_in_one_target_list(write_tenant: WriteTenant, key: str) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["deals"][key] = [
            {"pipeline": "Ventes", "step": "A"},
            {"pipeline": "Achats", "step": "B"},
            {"pipeline": "Ventes", "step": "C"},
        ]

    path = write_tenant(edit)

    line = only_problem(path)

    assert line == (
        f"{path}: deals.{key}[2].pipeline: pipeline 'Ventes' already has a target step in "
        f"{key}[0]; expected one rule per pipeline"
    )


def test_same_pipeline_in_two_different_lists_is_fine(write_tenant: WriteTenant) -> None:
    path = write_tenant(
        lambda d: d["deals"]["on_order_created"].append({"pipeline": "Achats", "step": "Reçu"})
    )

    assert load_tenant(path).deals.target_step("order_created", "Achats") == "Reçu"


def test_same_trigger_twice(write_tenant: WriteTenant) -> None:
    path = write_tenant(
        lambda d: d["deals"]["import_triggers"].append({"pipeline": "Ventes", "step": "Signature"})
    )

    line = only_problem(path)

    assert line.startswith(f"{path}: deals.import_triggers[1]: pipeline 'Ventes' step 'Signature'")
    assert "expected each pair once" in line


def test_deal_flows_need_the_altior_pipeline_and_step_fields(write_tenant: WriteTenant) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["deals"].pop("pipeline_field")
        data["deals"]["step_field"] = None

    path = write_tenant(edit)

    found = problems(path)

    assert [line.split(": ")[1] for line in found] == ["deals.pipeline_field", "deals.step_field"]
    assert all("required when deals.export_to_sellsy or" in line for line in found)


def test_deals_fields_are_optional_when_both_deal_flows_are_off(write_tenant: WriteTenant) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["deals"] = {
            "export_to_sellsy": False,
            "import_from_sellsy": False,
            "opportunity_filter_field": None,
        }

    assert load_tenant(write_tenant(edit)).deals.enabled is False


def test_importing_deals_needs_a_trigger(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["deals"].update(import_triggers=[]))

    line = only_problem(path)

    assert line.startswith(f"{path}: deals.import_triggers: expected at least one")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://127.0.0.1/v2", "expected an http:// or https:// URL"),
        ("127.0.0.1:8081/v2", "expected an http:// or https:// URL"),
        ("https://", "expected an http:// or https:// URL with a host"),
        ("http://user:pw@127.0.0.1:8081/v2", "must not contain a user name or password"),
        ("http://127.0.0.1:8081/v2?debug=1", "must not contain a query string"),
        ("http://127.0.0.1:99999/v2", "expected an http(s) URL"),
    ],
)
def test_api_url_must_be_http_or_https(write_tenant: WriteTenant, url: str, expected: str) -> None:
    path = write_tenant(lambda d: d["sellsy"].update(api_url=url))

    line = only_problem(path)

    assert line.startswith(f"{path}: sellsy.api_url: {expected}")
    assert "pw" not in line


def test_api_host_must_be_allowed_by_the_service(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["altior"].update(api_url="https://169.254.169.254/latest"))

    line = only_problem(path)

    assert line.startswith(
        f"{path}: altior.api_url: host '169.254.169.254' is not an allowed API host"
    )
    assert "allowed_api_hosts" in line


def test_plain_http_is_for_loopback_only(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["sellsy"].update(api_url="http://api.sellsy.com/v2"))

    line = only_problem(path)

    assert line.startswith(f"{path}: sellsy.api_url: plain http is only allowed for loopback")
    assert "https://api.sellsy.com" in line


def test_api_url_trailing_slash_is_dropped(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d["altior"].update(api_url="http://localhost:8082/api/"))

    assert load_tenant(path).altior.api_url == "http://localhost:8082/api"


def test_tenant_id_format(write_tenant: WriteTenant) -> None:
    path = write_tenant(lambda d: d.update(tenant="ACME prod"))

    line = only_problem(path)

    assert line.startswith(f"{path}: tenant: invalid value 'ACME prod'; expected: ")
    assert "lowercase letters" in line


def test_unquoted_yaml_boolean_where_text_is_expected(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("step_field: Etape", "step_field: No"), "utf-8")

    line = only_problem(path)

    assert line.startswith(f"{path}: deals.step_field: expected text, got true/false")
    assert "quote the text" in line


def test_wrong_types_say_what_was_expected(write_tenant: WriteTenant) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["poll_interval_seconds"] = 1
        data["paused"] = "maybe"
        data["third_parties"]["mapping"]["phone_types"] = ["Fixe"]
        data["deals"]["on_quote_created"] = {"pipeline": "Ventes", "step": "Devis"}

    found = problems(write_tenant(edit))

    by_key = {line.split(": ")[1]: line.split(": ", 2)[2] for line in found}
    assert by_key["poll_interval_seconds"].startswith("expected a number >= 5")
    assert by_key["paused"].startswith("expected true or false")
    assert by_key["third_parties.mapping.phone_types"] == (
        "expected a mapping with keys phone, fax, mobile, got a list"
    )
    assert by_key["deals.on_quote_created"].startswith("expected a list, got a mapping")


def test_form_answers_oui_non_and_unquoted_numbers_are_accepted(write_tenant: WriteTenant) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["third_parties"]["export_to_sellsy"] = "Oui"
        data["deals"]["export_to_sellsy"] = "non"
        data["sellsy"]["account_id"] = 48213

    config = load_tenant(write_tenant(edit))

    assert config.third_parties.export_to_sellsy is True
    assert config.deals.export_to_sellsy is False
    assert config.sellsy.account_id == "48213"


def test_yaml_key_written_twice_is_reported(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("  step_field: Etape", "  step_field: Etape\n  step_field: X"))

    line = only_problem(path)

    assert line == (
        f"{path}: deals.step_field: key written twice (lines 33 and 34); expected each key once"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file is empty; expected a tenant configuration mapping"),
        ("- a\n- b\n", "(top level): expected a mapping of keys, got a list"),
        ("tenant: [acme\n", "line 2, column 1: invalid YAML:"),
    ],
)
def test_file_level_problems(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(content)

    assert only_problem(path).startswith(f"{path}: {expected}")


def test_duplicate_tenant_ids_across_files_name_both_files(
    write_tenant: WriteTenant, tmp_path: Path
) -> None:
    first = write_tenant(name="a.yaml", directory=tmp_path / "tenants")
    second = write_tenant(name="b.yml", directory=tmp_path / "tenants")

    with pytest.raises(ConfigError) as caught:
        load_tenants([tmp_path / "tenants"])

    assert caught.value.problems == [
        f"{second}: tenant: tenant id 'acme-prod' is already used by {first}; "
        "expected a unique tenant id per file"
    ]


def test_load_tenants_reports_problems_of_every_file(
    write_tenant: WriteTenant, tmp_path: Path
) -> None:
    good = write_tenant(name="good.yaml")
    bad = write_tenant(lambda d: d.update(tenant="other", client=""), name="bad.yaml")

    with pytest.raises(ConfigError) as caught:
        load_tenants([good, bad, tmp_path / "missing.yaml"])

    assert [line.split(": ")[0] for line in caught.value.problems] == [
        str(tmp_path / "missing.yaml"),
        str(bad),
    ]


def test_a_key_that_yaml_reads_as_a_number_is_named_as_written(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(EXAMPLE.read_text("utf-8") + "1: one\n", "utf-8")

    assert only_problem(path) == (
        f"{path}: 1: unknown key (keys are names, not numbers or booleans)"
    )
