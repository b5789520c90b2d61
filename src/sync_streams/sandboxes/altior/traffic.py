"""Fault injection and quotas: what makes the sandbox behave like a real, busy ERP.

Both are per tenant, set through ``/_admin`` and stored with the tenant (they
survive a restart).  Deterministic counters (``fail_next``, ``drop_next``,
``lose_answer_next``) serve tests; rates (``error_rate``, ``drop_rate``,
``lose_answer_rate``) serve demos and soak runs.  Every fault strikes before the
call is processed except a lost answer: the write is made, then the connection is
closed without its answer (what a timeout does in production).
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Faults:
    error_rate: float = 0.0  # share of calls answered with ``error_status``
    error_status: int = 500
    fail_next: int = 0  # the next N calls fail with ``error_status``
    latency_ms: float = 0.0  # added before every answer
    drop_rate: float = 0.0  # share of calls whose connection is closed without answer
    drop_next: int = 0
    rate_limit_rate: float = 0.0  # share of calls answered 429 with ``Retry-After: 1``
    # share of writes (POST/PUT/PATCH/DELETE) processed, then closed without an answer
    lose_answer_rate: float = 0.0
    lose_answer_next: int = 0  # the next N writes are processed and their answer lost
    path_prefix: str = ""  # only calls under /api/v1 + this prefix are affected
    # records written while set (API or admin, any path) stay out of every listing for
    # that many seconds, keeping the updated_at of their write: a long transaction or
    # a lagging replica, i.e. a server that breaks the contract's commit-order rule
    late_visibility_seconds: float = 0.0
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Faults:
        names = {f.name for f in fields(cls) if not f.name.startswith("_")}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"réglage(s) inconnu(s) : {', '.join(sorted(unknown))}")
        faults = cls(**data)
        for name in ("error_rate", "drop_rate", "rate_limit_rate", "lose_answer_rate"):
            value = getattr(faults, name)
            if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} doit être entre 0 et 1")
        late = faults.late_visibility_seconds
        if not isinstance(late, int | float) or not 0.0 <= late <= 3600.0:
            raise ValueError("late_visibility_seconds doit être entre 0 et 3600")
        if not isinstance(faults.lose_answer_next, int) or faults.lose_answer_next < 0:
            raise ValueError("lose_answer_next doit être un entier positif ou nul")
        if not 400 <= int(faults.error_status) <= 599:
            raise ValueError("error_status doit être un statut HTTP d'erreur")
        faults._random = random.Random(faults.seed)
        return faults

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def applies_to(self, contract_path: str) -> bool:
        return contract_path.startswith(self.path_prefix)

    def decide(self, *, write: bool = False) -> str | None:
        """``"drop"``, ``"error"``, ``"rate_limited"``, ``"lose_answer"`` (``write``s
        only) or None for this call (uses up counters)."""
        if self.drop_next > 0:
            self.drop_next -= 1
            return "drop"
        if self.fail_next > 0:
            self.fail_next -= 1
            return "error"
        if write and self.lose_answer_next > 0:
            self.lose_answer_next -= 1
            return "lose_answer"
        if self.drop_rate and self._random.random() < self.drop_rate:
            return "drop"
        if self.rate_limit_rate and self._random.random() < self.rate_limit_rate:
            return "rate_limited"
        if self.error_rate and self._random.random() < self.error_rate:
            return "error"
        if write and self.lose_answer_rate and self._random.random() < self.lose_answer_rate:
            return "lose_answer"
        return None


@dataclass
class Quota:
    """Sliding windows per second and per minute; every call counts, failed ones too."""

    per_second: int | None = None
    per_minute: int | None = None
    _calls: deque[float] = field(default_factory=deque, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quota:
        unknown = set(data) - {"per_second", "per_minute"}
        if unknown:
            raise ValueError(f"réglage(s) inconnu(s) : {', '.join(sorted(unknown))}")
        for name in ("per_second", "per_minute"):
            value = data.get(name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} doit être un entier positif ou null")
        return cls(data.get("per_second"), data.get("per_minute"))

    def to_dict(self) -> dict[str, Any]:
        return {"per_second": self.per_second, "per_minute": self.per_minute}

    @property
    def active(self) -> bool:
        return bool(self.per_second or self.per_minute)

    def take(self, now: float | None = None) -> tuple[bool, dict[str, str]]:
        """Count one call; returns (allowed, headers to send)."""
        now = time.monotonic() if now is None else now
        while self._calls and now - self._calls[0] >= 60.0:
            self._calls.popleft()
        last_second = sum(1 for t in self._calls if now - t < 1.0)
        allowed = not (
            (self.per_second and last_second >= self.per_second)
            or (self.per_minute and len(self._calls) >= self.per_minute)
        )
        self._calls.append(now)
        headers: dict[str, str] = {}
        retry_after = 0.0
        if self.per_second:
            headers["X-Quota-Remaining-By-Second"] = str(max(0, self.per_second - last_second - 1))
            if last_second >= self.per_second:
                retry_after = 1.0
        if self.per_minute:
            headers["X-Quota-Remaining-By-Minute"] = str(max(0, self.per_minute - len(self._calls)))
            if len(self._calls) > self.per_minute:
                retry_after = max(retry_after, 60.0 - (now - self._calls[0]))
        if not allowed:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return bool(allowed), headers
