"""Read docker-compose.yml the way Docker Compose would, without Docker.

Interpolates ``${VAR:-default}`` with a given environment (empty by default:
the trial run's values) and offers the few views the deployment tests need.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

import yaml

from tests.support.prometheus import REPO

COMPOSE = REPO / "docker-compose.yml"
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(text: str, environ: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        if name in environ and (environ[name] or op not in (":-", ":?")):
            return environ[name]
        if op in (":-", "-"):
            return arg
        if op in (":?", "?"):
            raise KeyError(f"${{{name}}} is required: {arg}")
        return ""

    return INTERPOLATION.sub(value, text.replace("$$", "\0")).replace("\0", "$")


def compose(environ: dict[str, str] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        interpolate(COMPOSE.read_text(encoding="utf-8"), environ or {})
    )
    return data


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {str(k): str(v) for k, v in environment.items()}


def mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each short-syntax volume."""
    found = []
    for volume in service.get("volumes") or []:
        source, target = str(volume).split(":")[:2]
        found.append((source, target))
    return found


def config_contents() -> dict[str, str]:
    return {name: c["content"] for name, c in compose()["configs"].items() if "content" in c}


def mounted_configs(service: dict[str, Any]) -> dict[str, str]:
    """Target path -> content of the inline configs a service mounts."""
    contents = config_contents()
    return {c["target"]: contents[c["source"]] for c in service.get("configs") or []}


def tenant_files(service: dict[str, Any]) -> dict[str, str]:
    """Target path -> content of the tenant files a worker service mounts."""
    tenants_dir = env(service)["SYNC_STREAMS_TENANTS_DIR"]
    return {
        target: content
        for target, content in mounted_configs(service).items()
        if target.startswith(f"{tenants_dir}/") and target.endswith((".yaml", ".yml"))
    }


def command(service: dict[str, Any]) -> list[str]:
    value = service["command"]
    return shlex.split(value) if isinstance(value, str) else [str(c) for c in value]


def option(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]
