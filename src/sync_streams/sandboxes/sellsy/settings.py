"""Per-account knobs (quotas, token lifetime, faults, quirks), stored as JSON.

The admin surface edits these; they are plain pydantic models so a bad value
is refused with the field named instead of corrupting an account.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

UNLIMITED_REMAINING = 1_000_000
"""What ``X-Quota-Remaining-By-*`` reports for a window that is switched off (limit 0)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Quota(Strict):
    """Requests allowed per calendar second/minute/day/month; 0 switches a window off."""

    per_second: int = Field(default=5, ge=0)
    per_minute: int = Field(default=0, ge=0)
    per_day: int = Field(default=0, ge=0)
    per_month: int = Field(default=0, ge=0)


class Faults(Strict):
    """Misbehaviour to inject before the request reaches its handler -- or, for
    ``lose_answer_*``, after it: the write is made and its answer never arrives.

    Rates are probabilities per request; ``fail_next`` / ``drop_next`` /
    ``lose_answer_next`` are deterministic counters (the next N requests fail, then
    normal service).
    """

    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_status: int = Field(default=500, ge=500, le=599)
    fail_next: int = Field(default=0, ge=0)
    latency_ms: int = Field(default=0, ge=0, le=120_000)
    drop_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    drop_next: int = Field(default=0, ge=0)
    rate_limit_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of requests answered 429 with ``Retry-After: 1`` (as an exhausted quota)."""
    lose_answer_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of writes (POST/PUT/PATCH/DELETE, searches excepted) that are processed,
    then have their connection closed without an answer: a timeout after the fact."""
    lose_answer_next: int = Field(default=0, ge=0)
    """The next N writes are processed and their answer lost (as ``lose_answer_rate``)."""
    token_lifetime: int | None = Field(default=None, ge=0)
    """Overrides ``expires_in`` of the tokens issued while set (0 = already expired)."""
    late_visibility_seconds: float = Field(default=0.0, ge=0.0, le=3600.0)
    """Records written while set stay out of list and search answers for that many
    seconds, with the ``updated_at`` of their write (a long transaction, a lagging
    replica): a change-capture cursor that has moved past that stamp never lists them."""

    def active(self) -> bool:
        return self != Faults()


class Quirks(Strict):
    """Observed real-Sellsy behaviours that differ from the spec (off by default)."""

    related_objects: bool = False
    """Custom field definitions also carry ``related_objects`` (plural), as seen in the field."""


class AccountSettings(Strict):
    quota: Quota = Field(default_factory=Quota)
    token_lifetime: int = Field(default=3600, ge=1)
    tokens_not_before_us: int = 0
    faults: Faults = Field(default_factory=Faults)
    quirks: Quirks = Field(default_factory=Quirks)


def merged(model: BaseModel, changes: dict[str, Any]) -> Any:
    """A copy of ``model`` with ``changes`` applied and validated (nested dicts merge)."""
    data = model.model_dump()
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return type(model).model_validate(data)
