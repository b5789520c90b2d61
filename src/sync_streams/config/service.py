"""``ServiceSettings``: how the shared service runs (not per tenant).

Sources, strongest first: explicit keyword arguments (command-line flags),
``SYNC_STREAMS_*`` environment variables (``__`` separates nested keys), an
optional YAML settings file (``--settings FILE`` or ``SYNC_STREAMS_SETTINGS_FILE``),
then the defaults below.  Platform teams thus keep a versioned file and
override one value per deployment with the environment.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from sync_streams.config.base import LoadContext
from sync_streams.config.hosts import DEFAULT_ALLOWED_API_HOSTS
from sync_streams.config.messages import describe_errors
from sync_streams.config.yamlfile import read_yaml
from sync_streams.errors import ConfigError

ENV_PREFIX = "SYNC_STREAMS_"
SETTINGS_FILE_ENV = "SYNC_STREAMS_SETTINGS_FILE"

_file_values: ContextVar[dict[str, Any] | None] = ContextVar(
    "sync_streams_settings_file_values", default=None
)

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _host_list(value: Any) -> Any:
    """Environment values may be a JSON list or a comma-separated list."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ValueError(
                    "expected a JSON list or a comma-separated list of host names"
                ) from None
        return [part for part in (p.strip() for p in text.split(",")) if part]
    return value


def _is_host_pattern(host: str) -> bool:
    if ":" in host:  # only an IPv6 address may contain a colon
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return re.fullmatch(r"(\*\.)?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", host) is not None


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class ServiceSettings(BaseSettings):
    """Settings of one sync-streams service (all its workers share them)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
    )

    broker: str = Field(
        "kafka://127.0.0.1:9092",
        min_length=1,
        description="Kafka bootstrap servers, faust URL form (kafka://host:port;host2:port)",
    )
    app_id: str = Field(
        "sync-streams",
        min_length=1,
        description="Faust application id: consumer group and prefix of internal topics",
    )
    web_host: str = Field("127.0.0.1", description="address of the worker's web/metrics server")
    web_port: int = Field(6066, ge=0, le=65535, description="port of that server (0 = any free)")
    data_dir: Path = Field(Path("./var/worker"), description="local state directory of a worker")
    tenants_dir: Path = Field(Path("./tenants"), description="directory of tenant YAML files")
    allowed_api_hosts: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_host_list)] = Field(
        DEFAULT_ALLOWED_API_HOSTS,
        description="hosts tenant API URLs may use; '*.example.com' allows sub-domains; "
        "the default allows Sellsy's official hosts and loopback only",
    )
    allow_plain_http: bool = Field(
        False, description="allow http:// (not https) API URLs on non-loopback hosts"
    )
    log_level: Annotated[LogLevel, BeforeValidator(_upper)] = Field(
        "INFO", description="log level: DEBUG, INFO, WARNING, ERROR or CRITICAL"
    )
    topic_partitions: int = Field(
        8, ge=1, le=1024, description="partitions of the change topics (max parallel workers)"
    )
    table_store: Literal["memory", "rocksdb"] = Field(
        "memory",
        description="where a worker keeps its tables: memory (rebuilt from the changelogs at "
        "each start) or rocksdb (on disk under data_dir; needs the rocksdb extra)",
    )
    reconcile_interval_seconds: float = Field(
        21600.0,
        ge=0,
        description="seconds between two reconciliation passes of each tenant's sources "
        "(a full listing, re-checked by dedupe, that catches changes the polls missed); "
        "0 runs none",
    )

    @field_validator("allowed_api_hosts")
    @classmethod
    def _hosts_are_hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(host.strip().lower().strip("[]") for host in hosts)
        for host in cleaned:
            if not _is_host_pattern(host):
                raise ValueError(
                    "expected host names without scheme or port, such as api.example.com "
                    f"or *.example.com, got '{host}'"
                )
        return cleaned

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags > environment > settings file > defaults (no .env, no secrets dir)."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        file_values = _file_values.get()
        if file_values is not None:
            sources.append(InitSettingsSource(settings_cls, init_kwargs=file_values))
        return tuple(sources)

    @classmethod
    def load(
        cls,
        settings_file: str | os.PathLike[str] | None = None,
        **overrides: Any,
    ) -> ServiceSettings:
        """Build the settings from all sources; raise ``ConfigError`` one line per problem.

        ``overrides`` are command-line flags: ``None`` values (flag not given)
        are ignored.  ``settings_file`` defaults to ``$SYNC_STREAMS_SETTINGS_FILE``.
        """
        if settings_file is None and os.environ.get(SETTINGS_FILE_ENV):
            settings_file = os.environ[SETTINGS_FILE_ENV]
        path = Path(settings_file) if settings_file is not None else None
        file_values: dict[str, Any] | None = None
        if path is not None:
            data, problems = read_yaml(path)
            if problems or not isinstance(data, dict):
                raise ConfigError(problems)
            file_values = {str(key): value for key, value in data.items()}
        flags = {key: value for key, value in overrides.items() if value is not None}

        def origin(loc: tuple[int | str, ...]) -> str:
            """Name the source that gave the wrong value, strongest first."""
            key = str(loc[0]) if loc else ""
            env_name = f"{ENV_PREFIX}{key}".upper()
            if key in flags:
                return f"command-line option --{key.replace('_', '-')}"
            if any(name.upper() == env_name for name in os.environ):
                return f"environment {env_name}"
            return str(path) if path is not None else "service settings"

        token = _file_values.set(file_values)
        try:
            return cls(**flags)
        except ValidationError as exc:
            raise ConfigError(describe_errors(exc, origin, model=cls)) from None
        finally:
            _file_values.reset(token)

    def load_context(self, base_dir: Path, *, resolve_secrets: bool = True) -> LoadContext:
        """The tenant validation context these settings impose."""
        return LoadContext(
            base_dir=base_dir,
            resolve_secrets=resolve_secrets,
            allowed_api_hosts=self.allowed_api_hosts,
            allow_plain_http=self.allow_plain_http,
        )
