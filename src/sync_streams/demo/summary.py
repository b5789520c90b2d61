"""The end-of-run summary table (pure: counts in, text out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from sync_streams.demo.ledger import EXPORT, IMPORT, Tally

SELLSY_KINDS = (
    ("company", "companies"),
    ("individual", "individuals"),
    ("contact", "contacts"),
    ("opportunity", "opportunities"),
)
ALTIOR_KINDS = (("third_party", "third parties"), ("contact", "contacts"), ("affaire", "affaires"))
DIRECTION_OF = {"import": IMPORT, "export": EXPORT}


@dataclass
class WorkerFigures:
    """What the worker's /metrics says, per direction (IMPORT / EXPORT)."""

    filtered: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    dead_lettered: Counter[str] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)
    available: bool = False


def worker_figures(metrics_text: str | None, tenant: str) -> WorkerFigures:
    figures = WorkerFigures()
    if not metrics_text:
        return figures
    figures.available = True
    wanted = {
        "applied": figures.applied,
        "filtered": figures.filtered,
        "dead_lettered": figures.dead_lettered,
    }
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            labels = sample.labels
            if labels.get("tenant") != tenant or sample.name.endswith("_created"):
                continue
            direction = DIRECTION_OF.get(labels.get("direction", ""))
            if direction is None:
                continue
            if sample.name == "sync_streams_events_total" and labels.get("outcome") in wanted:
                wanted[labels["outcome"]][direction] += int(sample.value)
            elif sample.name == "sync_streams_conflicts_total":
                figures.conflicts[direction] += int(sample.value)
    return figures


def _row(title: str, left: object, right: object, width: int = 34) -> str:
    return f"  {title:<{width}}{left!s:>17}{right!s:>17}"


def render_summary(
    *,
    elapsed: float,
    before: dict[str, dict[str, int]],
    after: dict[str, dict[str, int]],
    tally: Tally,
    worker: WorkerFigures,
    siret_pairs: tuple[int, int],
) -> str:
    """``before``/``after``: ``{"sellsy": {"company": 20, ...}, "altior": {...}}``."""
    minutes, seconds = divmod(int(elapsed), 60)
    lines = [f"Summary after {minutes} min {seconds:02d} s", ""]
    lines.append(_row("", IMPORT, EXPORT))

    def from_metrics(counter: Counter[str], direction: str) -> str:
        return str(counter[direction]) if worker.available else "n/a"

    lines.append(_row("created", tally.created[IMPORT], tally.created[EXPORT]))
    lines.append(_row("updated", tally.updated[IMPORT], tally.updated[EXPORT]))
    lines.append(
        _row(
            "filtered (not flagged)",
            from_metrics(worker.filtered, IMPORT),
            from_metrics(worker.filtered, EXPORT),
        )
    )
    lines.append(_row("dead-lettered", tally.dead_lettered[IMPORT], tally.dead_lettered[EXPORT]))
    lines.append(
        _row(
            "conflicts (resolved by rule)",
            from_metrics(worker.conflicts, IMPORT),
            from_metrics(worker.conflicts, EXPORT),
        )
    )
    lines.append(
        _row("writes refused by the target API", tally.refused[IMPORT], tally.refused[EXPORT])
    )
    lines += ["", _row("records", "before", "after")]
    for system, kinds in (("sellsy", SELLSY_KINDS), ("altior", ALTIOR_KINDS)):
        for kind, plural in kinds:
            title = f"{system.capitalize()} {plural}"
            lines.append(
                _row(
                    title,
                    before.get(system, {}).get(kind, "?"),
                    after.get(system, {}).get(kind, "?"),
                )
            )
    lines += [
        "",
        _row("", "Sellsy", "Altior"),
        _row("API calls by the worker", tally.calls["sellsy"], tally.calls["altior"]),
        _row(
            "  of which rate-limited (429)",
            tally.rate_limited["sellsy"],
            tally.rate_limited["altior"],
        ),
        _row("change events published", tally.changes["sellsy"], tally.changes["altior"]),
        "",
        f"  SIRET matches kept single (linked, not duplicated): {siret_pairs[0]} of "
        f"{siret_pairs[1]} pairs with the same valid SIRET on both sides",
    ]
    return "\n".join(lines) + "\n"
