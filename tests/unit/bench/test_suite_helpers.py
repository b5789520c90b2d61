"""The bench suite's own arithmetic: what it prints must not overstate a figure.

The figures themselves are never asserted (a shared machine is not a test bench); these
tests check that a censored lag is reported as a lower bound, not as a number, that the
table keeps every figure, and that a renamed option of another script is dropped.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402
from common import Change, lag_stats, percentile  # noqa: E402


def changes(lags: list[float | None]) -> list[Change]:
    return [Change("t", str(n), f"v{n}", 0.0, lag) for n, lag in enumerate(lags)]


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0
    assert percentile([1.0, 2.0], 0.95) == 1.95
    assert percentile([7.0], 0.95) == 7.0


def test_a_p95_among_changes_never_applied_is_unknown_not_a_number() -> None:
    stats = lag_stats(changes([1.0] * 18 + [None, None]), censored_at=90)
    assert (stats.count, stats.seen, stats.censored) == (20, 18, 2)
    assert stats.p50 == 1.0
    assert stats.p95 is None
    assert "2 not applied within 90 s" in stats.line()


def test_a_few_changes_never_applied_beyond_the_p95_leave_it_known() -> None:
    stats = lag_stats(changes([float(n) for n in range(1, 100)] + [None]), censored_at=60)
    assert stats.p95 is not None and 94.0 <= stats.p95 <= 96.0


def test_no_change_applied_at_all() -> None:
    stats = lag_stats(changes([None, None, None]), censored_at=45)
    assert (stats.p50, stats.p95) == (None, None)


def test_options_a_script_no_longer_knows_are_dropped_with_their_values() -> None:
    kept = run_all.usable(
        ["--records", "1000", "--timeout", "500", "--quick"], {"--records", "--quick"}
    )
    assert kept == ["--records", "1000", "--quick"]


def test_the_table_has_one_row_per_figure_with_its_conditions() -> None:
    outcome = run_all.Outcome(
        "fairness.py",
        [
            {"figure": "P5 a", "value": "> 20", "target": "<= 1.25", "met": "NO",
             "conditions": "load 5 | busy"},
            {"figure": "P3 b", "value": "0.74", "target": ">= 0.9", "met": "NO",
             "conditions": "quota 5/s"},
        ],
        12.0,
        "ok",
    )  # fmt: skip
    lines = run_all.markdown([outcome]).splitlines()
    assert lines[0] == "| figure | value | target | met | conditions |"
    assert lines[2] == "| P5 a | > 20 | <= 1.25 | NO | load 5 / busy |"
    assert len(lines) == 4


def test_the_overhead_benchs_stub_adapter_has_the_handlers_adapter_signatures() -> None:
    """A stub that drifts from ``SideAdapter`` dead-letters every event: the bench then
    measures dead-lettering (it happened once, with a 4.06 ratio)."""
    import inspect

    from pipeline_overhead import StubAdapter

    from sync_streams.pipeline.sides import SideAdapter

    for name in ("view", "read", "find_counterpart", "create", "update", "anchor"):
        wanted = list(inspect.signature(getattr(SideAdapter, name)).parameters)
        assert list(inspect.signature(getattr(StubAdapter, name)).parameters) == wanted, name


def test_bench_sirets_are_valid_and_distinct() -> None:
    """SIRET matching only matches valid SIRETs: an invalid one would silently turn a
    matching bench into one without matches."""
    from common import siret

    from sync_streams.domain.siret import normalise_siret

    values = [siret(n) for n in range(0, 5000)]
    assert len(set(values)) == len(values)
    assert all(normalise_siret(v) == v for v in values)
