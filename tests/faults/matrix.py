"""The scenarios in the issue's order, built or not.

A scenario not built shows as such in the table: never a made-up figure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tests.faults.context import Context
from tests.faults.outcome import RunResult
from tests.faults.scenarios import (
    api_faults,
    archive,
    broker,
    crash,
    cursor,
    isolation,
    malformed,
    quiescence,
    rebalance,
    secrets,
)

Run = Callable[[Context], Awaitable[RunResult]]


@dataclass(frozen=True)
class Scenario:
    key: str
    name: str
    run: Run | None
    """None: not built yet."""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("crash", crash.NAME, crash.run),
    Scenario("broker", broker.NAME, broker.run),
    Scenario("api-faults", api_faults.NAME, api_faults.run),
    Scenario("malformed", malformed.NAME, malformed.run),
    Scenario("isolation", isolation.NAME, isolation.run),
    Scenario("quiescence", quiescence.NAME, quiescence.run),
    Scenario("cursor", cursor.NAME, cursor.run),
    Scenario("rebalance", rebalance.NAME, rebalance.run),
    Scenario("archive", archive.NAME, archive.run),
    Scenario("secrets", secrets.NAME, secrets.run),
)
"""Secrets runs last: it searches what every scenario before it left behind."""


def by_key(key: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.key == key:
            return scenario
    raise KeyError(key)
