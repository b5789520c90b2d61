"""One scenario's figures, summed over its runs, and the table the runner prints.

A figure is either measured or absent: a scenario that was not built, or that failed
before measuring, says so in the table instead of showing a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class RunResult:
    """What one run of a scenario measured.

    ``lost`` counts records missing on a side *or* whose latest version is not there;
    ``duplicates`` counts extra copies of a record and records no source holds.
    ``checks`` are the scenario's own verdicts (name -> number of violations; 0 = held).
    """

    records: int
    duplicates: int
    lost: int
    dead_letters: int
    converge_seconds: float | None
    calls_per_record: float | None = None
    dead_letters_expected: int = 0
    """Dead letters the scenario causes on purpose (malformed records); others are faults."""
    checks: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    scenario: str
    runs: list[RunResult] = field(default_factory=list)
    status: str = "ok"
    """``ok``, ``not built``, ``error: ...`` (the scenario crashed: no figure is shown)."""

    @property
    def failed(self) -> bool:
        if self.status != "ok":
            return self.status != "not built"
        return any(
            r.duplicates
            or r.lost
            or r.converge_seconds is None
            or r.dead_letters != r.dead_letters_expected
            or any(r.checks.values())
            for r in self.runs
        )


def _cell_converge(runs: Sequence[RunResult]) -> str:
    times = [r.converge_seconds for r in runs]
    if any(t is None for t in times):
        done = sum(t is not None for t in times)
        return f"NO ({done}/{len(times)} converged)"
    values = [t for t in times if t is not None]
    if len(values) == 1:
        return f"{values[0]:.0f} s"
    return f"{min(values):.0f}-{max(values):.0f} s"


def _cell_calls(runs: Sequence[RunResult]) -> str:
    values = [r.calls_per_record for r in runs if r.calls_per_record is not None]
    if not values:
        return "-"
    return f"{sum(values) / len(values):.1f}"


def _cell_checks(runs: Sequence[RunResult]) -> str:
    merged: dict[str, int] = {}
    for run in runs:
        for name, value in run.checks.items():
            merged[name] = merged.get(name, 0) + value
    return ", ".join(f"{name} {value}" for name, value in merged.items()) or "-"


HEADERS = (
    "scenario",
    "runs",
    "records",
    "duplicates",
    "lost",
    "dead letters",
    "converged in",
    "calls/record",
    "checks (violations)",
)


def row(outcome: Outcome) -> tuple[str, ...]:
    if outcome.status != "ok" or not outcome.runs:
        status = outcome.status if outcome.status != "ok" else "no run"
        return (outcome.scenario, status, "", "", "", "", "", "", "")
    runs = outcome.runs
    return (
        outcome.scenario,
        str(len(runs)),
        str(sum(r.records for r in runs)),
        str(sum(r.duplicates for r in runs)),
        str(sum(r.lost for r in runs)),
        str(sum(r.dead_letters for r in runs)),
        _cell_converge(runs),
        _cell_calls(runs),
        _cell_checks(runs),
    )


def table(outcomes: Sequence[Outcome]) -> str:
    """A Markdown table (readable in a terminal, pasted as is into docs/reliability.md)."""
    rows = [HEADERS, *(row(o) for o in outcomes)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(rows[0]), separator, *(line(r) for r in rows[1:])])
