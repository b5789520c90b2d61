"""``python -m tests.faults.run`` (``make faults``): the fault matrix, one table.

Starts its own Kafka broker (``LocalKafka`` on a free port; or uses
``SYNC_STREAMS_FAULTS_BROKER=host:port``), runs each scenario ``--runs`` times on fresh
topics and sandboxes, and prints: scenario, runs, records, duplicates, lost, dead
letters, time to converge, calls per record, the scenario's own checks.  Exit status 1
when a built scenario found a violation.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from sync_streams.errors import FatalError
from sync_streams.local.kafka import LocalKafka
from sync_streams.ports import free_port
from tests.faults.context import Context, captured_logs
from tests.faults.matrix import SCENARIOS, Scenario
from tests.faults.outcome import Outcome, table


@contextlib.asynccontextmanager
async def broker(directory: Path) -> AsyncIterator[str]:
    """``host:port`` of a broker for the matrix (started in a thread: its readiness probe
    runs an event loop of its own)."""
    external = os.environ.get("SYNC_STREAMS_FAULTS_BROKER")
    if external:
        yield external
        return
    kafka = LocalKafka(directory / "kafka")
    try:
        info = await asyncio.to_thread(kafka.start, free_port())
    except FatalError:  # the probed port was taken meanwhile: once more
        await asyncio.to_thread(kafka.stop)
        kafka = LocalKafka(directory / "kafka-retry")
        info = await asyncio.to_thread(kafka.start, free_port())
    try:
        yield info.bootstrap
    finally:
        await asyncio.to_thread(kafka.stop)


async def run_scenario(scenario: Scenario, ctx: Context, runs: int, *, verbose: bool) -> Outcome:
    outcome = Outcome(scenario.name)
    if scenario.run is None:
        outcome.status = "not built"
        return outcome
    for number in range(1, runs + 1):
        began = time.monotonic()
        try:
            result = await scenario.run(ctx)
        except Exception as exc:  # the table says it failed, with no figure
            outcome.status = f"error: {type(exc).__name__}: {str(exc)[:80]}"
            print(f"[{scenario.name}] run {number} failed:", file=sys.stderr)
            traceback.print_exc()
            return outcome
        outcome.runs.append(result)
        if verbose:
            print(f"[{scenario.name}] run {number} in {time.monotonic() - began:.0f} s")
            for note in result.notes:
                print(f"    {note}")
            sys.stdout.flush()
    return outcome


async def run_matrix(
    ctx: Context, scenarios: Sequence[Scenario], runs: int, *, verbose: bool = True
) -> list[Outcome]:
    outcomes = []
    async with captured_logs(ctx.directory / "in-process.log") as log:
        ctx.logs.append(log)
        for scenario in scenarios:
            outcomes.append(await run_scenario(scenario, ctx, runs, verbose=verbose))
    return outcomes


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    keys = [s.key for s in SCENARIOS]
    parser = argparse.ArgumentParser(prog="make faults ARGS=...", description=__doc__)
    parser.add_argument("--records", type=int, default=60, help="records per run (default 60)")
    parser.add_argument("--runs", type=int, default=1, help="runs per scenario (default 1)")
    parser.add_argument(
        "--only", action="append", choices=keys, metavar="SCENARIO",
        help=f"run only this scenario (repeatable): {', '.join(keys)}",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="random seed (faults, edits)")
    parser.add_argument("--limit", type=float, default=300.0, help="convergence limit, seconds")
    parser.add_argument("--dir", type=Path, default=None, help="keep logs and databases here")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs of the crash scenario")
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    chosen = [s for s in SCENARIOS if not args.only or s.key in args.only]
    with contextlib.ExitStack() as cleanup:
        directory = args.dir or Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        started = time.monotonic()
        async with broker(directory) as bootstrap:
            ctx = Context(
                f"kafka://{bootstrap}", directory / "matrix", records=args.records,
                seed=args.seed, limit=args.limit, kills=args.kills,
            )  # fmt: skip
            outcomes = await run_matrix(ctx, chosen, args.runs)
        print()
        print(
            f"fault matrix: {args.records} records per run, seed {args.seed}, "
            f"{os.cpu_count()} CPUs, {time.monotonic() - started:.0f} s in all"
        )
        print(table(outcomes))
    return 1 if any(o.failed for o in outcomes) else 0


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(main_async(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
