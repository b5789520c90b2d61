"""Fixtures for tenant configuration tests: the issue's example and its secrets."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sync_streams.config.service import ENV_PREFIX

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "tenants" / "acme-prod.yaml"

# Distinctive values: tests grep every output for them.
ALTIOR_KEY = "altior-key-Zq81xPw0"
SELLSY_SECRET = "sellsy-secret-Hk27mVb4"


@pytest.fixture(autouse=True)
def _clean_service_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Service settings from the developer's shell must not leak into tests."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


@pytest.fixture
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALTIOR_API_KEY_ACME", ALTIOR_KEY)
    monkeypatch.setenv("SELLSY_CLIENT_SECRET_ACME", SELLSY_SECRET)


@pytest.fixture
def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


WriteTenant = Callable[..., Path]


@pytest.fixture
def write_tenant(tmp_path: Path, example_data: dict[str, Any]) -> WriteTenant:
    """Write the example, changed by ``edit(data)``, to ``tmp_path/name``."""

    def write(
        edit: Callable[[dict[str, Any]], None] | None = None,
        name: str = "tenant.yaml",
        directory: Path | None = None,
    ) -> Path:
        data = copy.deepcopy(example_data)
        if edit is not None:
            edit(data)
        path = (directory or tmp_path) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        return path

    return write
