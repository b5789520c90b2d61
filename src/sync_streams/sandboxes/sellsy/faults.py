"""Fault injection: latency, server errors, 429s, dropped connections and lost answers.

Global faults (every account, and the token endpoint) and per-account faults
combine: the larger rate or latency wins and both countdowns apply.  The
countdowns (``fail_next`` / ``drop_next`` / ``lose_answer_next``) make reliability
tests deterministic; the rates serve soak tests and demos.

Every fault strikes before the request is processed except ``lose_answer``: the
write is made, then the connection is closed without its answer.  That is what a
timeout does in production, and the only way a client can meet a create that
happened although it never heard so.  It applies to writes only (a read whose
answer is lost is no different from a dropped one).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from sync_streams.sandboxes.sellsy.settings import Faults

Action = Literal["error", "drop", "rate_limited", "lose_answer"] | None


@dataclass(frozen=True)
class FaultDecision:
    latency_ms: int
    action: Action
    error_status: int = 500


def decide(
    faults: list[Faults], rng: random.Random, *, write: bool = False
) -> tuple[FaultDecision, list[Faults]]:
    """What happens to this request, and each fault set after its countdowns moved.

    Returns the decision and the (possibly decremented) fault sets, in order.
    ``write``: the request changes data (``lose_answer`` applies to writes only).
    """
    latency = max((f.latency_ms for f in faults), default=0)
    updated: list[Faults] = []
    action: Action = None
    status = 500
    for fault in faults:
        if action is None and fault.drop_next > 0:
            fault = fault.model_copy(update={"drop_next": fault.drop_next - 1})
            action = "drop"
        elif action is None and fault.fail_next > 0:
            fault = fault.model_copy(update={"fail_next": fault.fail_next - 1})
            action, status = "error", fault.error_status
        elif action is None and write and fault.lose_answer_next > 0:
            fault = fault.model_copy(update={"lose_answer_next": fault.lose_answer_next - 1})
            action = "lose_answer"
        updated.append(fault)
    if action is None:
        drop_rate = max((f.drop_rate for f in faults), default=0.0)
        limited_rate = max((f.rate_limit_rate for f in faults), default=0.0)
        error = max(faults, key=lambda f: f.error_rate, default=None)
        lose_rate = max((f.lose_answer_rate for f in faults), default=0.0)
        if drop_rate and rng.random() < drop_rate:
            action = "drop"
        elif limited_rate and rng.random() < limited_rate:
            action, status = "rate_limited", 429
        elif error is not None and error.error_rate and rng.random() < error.error_rate:
            action, status = "error", error.error_status
        elif write and lose_rate and rng.random() < lose_rate:
            action = "lose_answer"
    return FaultDecision(latency, action, status), updated


def token_lifetime_override(faults: list[Faults]) -> int | None:
    """The shortest forced token lifetime among the active fault sets, if any."""
    lifetimes = [f.token_lifetime for f in faults if f.token_lifetime is not None]
    return min(lifetimes) if lifetimes else None
