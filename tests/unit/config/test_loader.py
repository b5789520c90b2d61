"""Which files a directory contributes, and what ``load_tenants`` returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sync_streams.config import load_tenants, tenant_files, validate_tenant_files

from .conftest import WriteTenant


def test_directory_gives_its_yaml_and_yml_files_once_sorted(
    write_tenant: WriteTenant, tmp_path: Path
) -> None:
    folder = tmp_path / "tenants"
    b = write_tenant(name="b.yml", directory=folder)
    a = write_tenant(name="a.yaml", directory=folder)
    write_tenant(name=".hidden.yaml", directory=folder)
    write_tenant(name="notes.txt", directory=folder)
    write_tenant(name="nested.yaml", directory=folder / "sub")

    files, problems = tenant_files([folder, a])

    assert files == [a, b]
    assert problems == []


@pytest.mark.usefixtures("secrets_env")
def test_load_tenants_maps_ids_to_configurations(write_tenant: WriteTenant) -> None:
    def other(data: dict[str, Any]) -> None:
        data["tenant"] = "acme-recette"
        data["environment"] = "recette"

    first = write_tenant(name="acme-prod.yaml")
    second = write_tenant(other, name="acme-recette.yaml")

    tenants = load_tenants([first, second])

    assert sorted(tenants) == ["acme-prod", "acme-recette"]
    assert tenants["acme-recette"].environment == "recette"


@pytest.mark.usefixtures("secrets_env")
def test_report_tells_valid_and_invalid_files_apart(write_tenant: WriteTenant) -> None:
    good = write_tenant(name="good.yaml")
    bad = write_tenant(lambda d: d.pop("client"), name="bad.yaml")

    report = validate_tenant_files([good, bad])

    assert report.sources == {"acme-prod": good}
    assert report.invalid_files == [bad]
    assert report.problems == [
        f"{bad}: client: required key is missing (client name, as written on the form)"
    ]
