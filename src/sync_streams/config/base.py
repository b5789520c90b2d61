"""Building blocks shared by every tenant configuration model.

Tenant files are written by hand by integrators, so the models are strict
about structure (unknown keys are refused: a typo must not silently disable a
setting) and tolerant about spelling of simple values (``oui``/``non``, numbers
where text is expected).  Models are frozen: a loaded configuration is a value
that can be shared between agents without defensive copies.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from sync_streams.config.hosts import DEFAULT_ALLOWED_API_HOSTS

CONTEXT_KEY = "sync_streams"


class ConfigModel(BaseModel):
    """Base of every tenant configuration model: no unknown key, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        coerce_numbers_to_str=True,
        hide_input_in_errors=True,  # a literal secret must not show up in pydantic's text
    )


_FRENCH_BOOLEANS = {"oui": True, "non": False}


def _french_boolean(value: Any) -> Any:
    """Accept the form's own answers ``Oui``/``Non`` next to YAML's true/false."""
    if isinstance(value, str) and value.strip().lower() in _FRENCH_BOOLEANS:
        return _FRENCH_BOOLEANS[value.strip().lower()]
    return value


Flag = Annotated[bool, BeforeValidator(_french_boolean)]
"""A yes/no answer: true/false, yes/no or the form's Oui/Non."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
"""A name as shown in Sellsy or Altior (establishment, user, field, type, pipeline, step)."""


@dataclass(frozen=True)
class LoadContext:
    """What validation needs from outside the file: where it is, env, service policy.

    Passed to pydantic as ``context={"sync_streams": LoadContext(...)}``; the
    defaults apply when a model is validated without a context (tests, REPL).
    """

    base_dir: Path = field(default_factory=Path.cwd)
    resolve_secrets: bool = True
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    allowed_api_hosts: Sequence[str] = DEFAULT_ALLOWED_API_HOSTS
    allow_plain_http: bool = False


def load_context(info: ValidationInfo) -> LoadContext:
    """The ``LoadContext`` of the running validation, or the defaults."""
    context = info.context
    if isinstance(context, Mapping):
        found = context.get(CONTEXT_KEY)
        if isinstance(found, LoadContext):
            return found
    return LoadContext()


RULES_ERROR = "tenant_rules"


def rules_error(violations: Sequence[tuple[str, str]]) -> PydanticCustomError:
    """One pydantic error carrying several (sub-path, message) rule violations.

    A model validator can only raise once; the loader expands the violations
    back into one line each, with the sub-path appended to the error location
    (``""`` for the location itself, ``"step_field"``, ``"[1].pipeline"``).
    """
    summary = "; ".join(f"{path}: {message}" if path else message for path, message in violations)
    return PydanticCustomError(
        RULES_ERROR,
        "{summary}",
        {"summary": summary, "violations": tuple(violations)},
    )
