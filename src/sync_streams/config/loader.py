"""Read tenant YAML files into ``TenantConfig`` values, collecting every problem.

An integrator fixing a file wants all its problems at once, each on one line
naming the file, the key path and what is expected; so nothing here stops at
the first error.  ``ConfigError.problems`` holds those lines.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sync_streams.config.base import CONTEXT_KEY
from sync_streams.config.messages import describe_errors
from sync_streams.config.service import ServiceSettings
from sync_streams.config.tenant import TenantConfig
from sync_streams.config.yamlfile import read_yaml
from sync_streams.errors import ConfigError

log = logging.getLogger(__name__)

TENANT_SUFFIXES = (".yaml", ".yml")
PathLike = str | os.PathLike[str]


def _validate(
    path: Path, data: Any, service: ServiceSettings, resolve_secrets: bool
) -> tuple[TenantConfig | None, list[str]]:
    context = service.load_context(path.parent, resolve_secrets=resolve_secrets)
    try:
        config = TenantConfig.model_validate(data, context={CONTEXT_KEY: context})
    except ValidationError as exc:
        # ``from None``: pydantic's own text quotes input values, secrets included.
        return None, describe_errors(exc, str(path), model=TenantConfig)
    return config, []


def _load_one(
    path: Path, service: ServiceSettings, resolve_secrets: bool
) -> tuple[TenantConfig | None, list[str]]:
    data, problems = read_yaml(path)
    if not isinstance(data, dict):
        return None, problems
    config, invalid = _validate(path, data, service, resolve_secrets)
    problems += invalid
    if problems:
        return None, problems
    assert config is not None
    log.info("tenant %s loaded from %s", config.tenant, path)
    return config, []


def load_tenant(
    path: PathLike, *, service: ServiceSettings | None = None, resolve_secrets: bool = True
) -> TenantConfig:
    """Load and validate one tenant file; raise ``ConfigError`` listing every problem.

    Relative ``file:`` secret paths are read relative to the tenant file.
    """
    config, problems = _load_one(Path(path), service or ServiceSettings.load(), resolve_secrets)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def tenant_files(paths: Iterable[PathLike]) -> tuple[list[Path], list[str]]:
    """Expand files and directories (their ``*.yaml``/``*.yml``, not recursive, no dotfiles).

    A file reached twice (named and inside a named directory) is listed once.
    """
    candidates: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            candidates.extend(
                child
                for child in sorted(path.iterdir())
                if child.suffix in TENANT_SUFFIXES
                and child.is_file()
                and not child.name.startswith(".")
            )
        elif path.is_file():
            candidates.append(path)
        else:
            problems.append(f"{path}: no such file or directory")
    files: list[Path] = []
    seen: set[Path] = set()
    for path in candidates:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            files.append(path)
    return files, problems


@dataclass
class TenantLoadReport:
    """Outcome of loading many files: the valid tenants and every problem found."""

    files: list[Path] = field(default_factory=list)
    tenants: dict[str, TenantConfig] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    invalid_files: list[Path] = field(default_factory=list)


def validate_tenant_files(
    paths: Iterable[PathLike],
    *,
    service: ServiceSettings | None = None,
    resolve_secrets: bool = True,
) -> TenantLoadReport:
    """Load every tenant file under ``paths``; never raises for a bad file."""
    settings = service or ServiceSettings.load()
    report = TenantLoadReport()
    report.files, report.problems = tenant_files(paths)
    for path in report.files:
        config, problems = _load_one(path, settings, resolve_secrets)
        if config is None:
            report.problems += problems
            report.invalid_files.append(path)
            continue
        first = report.sources.get(config.tenant)
        if first is not None:
            report.problems.append(
                f"{path}: tenant: tenant id '{config.tenant}' is already used by {first}; "
                "expected a unique tenant id per file"
            )
            report.invalid_files.append(path)
            continue
        report.tenants[config.tenant] = config
        report.sources[config.tenant] = path
    return report


def load_tenants(
    paths: Iterable[PathLike],
    *,
    service: ServiceSettings | None = None,
    resolve_secrets: bool = True,
) -> dict[str, TenantConfig]:
    """Load tenant files and directories into ``{tenant id: config}``.

    Raises one ``ConfigError`` with every problem of every file, including a
    tenant id used by two files (the message names both).
    """
    report = validate_tenant_files(paths, service=service, resolve_secrets=resolve_secrets)
    if report.problems:
        raise ConfigError(report.problems)
    return report.tenants
