"""The fault matrix, reduced for CI (docs/reliability.md): small record counts, one run
of the fastest scenarios, each on its own topics and sandboxes.

What a user checks: under API faults, with fuzzed records, at rest, with tenants whose
ids overlap, with records archived, un-archived and deleted, nothing is duplicated or
lost, dead letters hold exactly what the scenario says, archive flags match across each
pair, a hard delete is reported and not undone, and no secret value appears in any log,
topic or command output.  The crash and broker-restart scenarios run in ``make faults``
only (a single SIGKILL is covered by tests/integration/sync/test_crash_e2e.py), and so
does the cursor-edges one (its late writes must outlast the 30 s look-back, then wait
for a reconciliation pass: over two minutes).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.context import Context, captured_logs
from tests.faults.outcome import RunResult
from tests.faults.scenarios import api_faults, archive, isolation, malformed, quiescence, secrets

pytestmark = pytest.mark.integration

RECORDS = 12


@pytest.fixture
async def ctx(kafka_url: str, tmp_path: Path) -> AsyncIterator[Context]:
    context = Context(kafka_url, tmp_path / "matrix", records=RECORDS, limit=180.0)
    async with captured_logs(tmp_path / "in-process.log") as log:
        context.logs.append(log)
        yield context


async def _assert_no_leak(ctx: Context) -> None:
    leaks, searched = await secrets.search_matrix(ctx)
    assert ctx.secrets and ctx.logs, searched
    assert not leaks, [f"{leak.secret} in {leak.where}" for leak in leaks]


def _assert_synced(result: RunResult) -> None:
    detail = "\n".join(result.notes)
    assert result.converge_seconds is not None, detail
    assert (result.duplicates, result.lost) == (0, 0), detail


async def test_api_faults_converge_once_each_without_dead_letters(ctx: Context) -> None:
    result = await api_faults.run(ctx)
    _assert_synced(result)
    await _assert_no_leak(ctx)
    letters = [n for n in result.notes if n.startswith("dead letter:")]
    assert result.dead_letters == 0, letters  # F1, fixed: lost creates are found again
    assert result.calls_per_record is not None and result.calls_per_record < 20


async def test_malformed_records_are_dead_lettered_naming_the_field(ctx: Context) -> None:
    result = await malformed.run(ctx)
    detail = "\n".join(result.notes)
    _assert_synced(result)
    await _assert_no_leak(ctx)
    checks = result.checks
    assert (checks["letters repeated"], checks["letters without field"]) == (0, 0), detail
    bad = [n for n in result.notes if n.startswith(("missed: ", "written anyway: "))]
    assert not bad, detail
    assert checks["refused writes re-lettered"] == 0, detail  # F4, fixed
    assert checks["refused writes without field"] == 0, detail
    assert result.dead_letters == result.dead_letters_expected, detail


async def test_ten_poll_cycles_at_rest_write_nothing(ctx: Context) -> None:
    result = await quiescence.run(ctx)
    _assert_synced(result)
    assert result.checks == {"writes at rest": 0}, "\n".join(result.notes)
    assert result.dead_letters == 0
    await _assert_no_leak(ctx)


async def test_three_tenants_with_overlapping_ids_stay_apart(ctx: Context) -> None:
    result = await isolation.run(ctx)
    _assert_synced(result)
    assert result.checks == {"cross-tenant calls": 0, "foreign records": 0}, "\n".join(result.notes)
    assert result.dead_letters == 0
    await _assert_no_leak(ctx)


async def test_archives_follow_the_twin_and_hard_deletes_are_reported(ctx: Context) -> None:
    result = await archive.run(ctx)
    detail = "\n".join(result.notes)
    checks = result.checks
    assert (result.duplicates, result.lost, result.dead_letters) == (0, 0, 0), detail
    assert (checks["deleted re-created"], checks["deletes misreported"]) == (0, 0), detail
    assert checks["archive flags differing"] == 0, detail  # F8, fixed
    await _assert_no_leak(ctx)
    assert result.converge_seconds is not None, detail


async def test_no_secret_in_logs_topics_metrics_or_command_outputs(ctx: Context) -> None:
    result = await secrets.run(ctx)
    _assert_synced(result)
    assert result.checks == {"secret hits": 0}, "\n".join(result.notes)
    assert result.dead_letters == 1  # the malformed record it plants, carrying its original
