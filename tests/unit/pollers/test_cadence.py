"""Poll scheduling: fixed rate, no catch-up bursts, pollers spread over the interval.

A fake monotonic clock drives ``Poller.run``: its ``sleep`` advances the clock, and
each fake poll takes the time the test says.  No wall-clock time is involved.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Iterator

import pytest

from sync_streams.pollers.cadence import first_start, next_start, phase_of
from sync_streams.pollers.cursor import cursor_key
from sync_streams.pollers.poller import PollResult
from tests.support.fakes import RecordingPublisher
from tests.unit.pollers.test_poller import ListSource, _poller

INTERVAL = 5.0


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def _run(durations: list[float | Exception], clock: FakeClock) -> list[float]:
    """Start times of the polls of one poller whose polls take ``durations`` (or raise);
    the loop is stopped when they are used up."""
    poller = _poller(ListSource([]), {}, RecordingPublisher())
    poller.monotonic, poller.sleep = clock.monotonic, clock.sleep
    starts: list[float] = []
    todo: Iterator[float | Exception] = iter(durations)

    async def poll_once() -> PollResult:
        starts.append(clock.now)
        step = next(todo, None)
        if step is None:
            raise asyncio.CancelledError
        if isinstance(step, Exception):
            raise step
        clock.now += step
        return PollResult()

    poller.poll_once = poll_once  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await poller.run(INTERVAL, max_backoff=30.0)
    return starts[: len(durations)]


def _gaps(starts: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(starts)]


async def test_slow_polls_do_not_stretch_the_period() -> None:
    """Polls of 3.8 s at a 5 s interval start every 5 s (sleeping after each poll made
    the period 8.8 s)."""
    starts = await _run([3.8] * 6, FakeClock())
    assert _gaps(starts) == [INTERVAL] * 5


async def test_an_overrunning_poll_is_followed_after_a_short_rest_without_a_catch_up_burst() -> (
    None
):
    starts = await _run([1.0, 12.0, 1.0, 1.0, 1.0], FakeClock())
    # the 12 s poll is followed after a rest of 1 s (a fifth of the interval: the quota is
    # shared with the client's other programs); then the fixed rate resumes from there
    assert _gaps(starts) == [INTERVAL, 13.0, INTERVAL, INTERVAL]


async def test_failures_back_off_then_the_fixed_rate_resumes() -> None:
    boom = RuntimeError("API down")
    starts = await _run([boom, boom, boom, 0.5, 0.5, 0.5], FakeClock())
    # interval x 2, x 4, capped at max_backoff (30 s); then every interval again
    assert _gaps(starts) == [10.0, 20.0, 30.0, INTERVAL, INTERVAL]


async def test_the_first_poll_waits_for_the_pollers_phase_only() -> None:
    clock = FakeClock(now=1000.0)
    poller = _poller(ListSource([]), {}, RecordingPublisher())
    [start] = await _run([0.1], clock)
    assert 1000.0 <= start < 1000.0 + INTERVAL
    expected = first_start(1000.0, INTERVAL, phase_of(poller.key))
    assert start == pytest.approx(expected)


def test_phase_and_first_start_place_each_poller_in_its_slot() -> None:
    assert first_start(1000.0, 5.0, 0.0) == 1000.0
    assert first_start(1000.1, 5.0, 0.0) == 1005.0
    assert first_start(1000.0, 5.0, 0.5) == 1002.5
    assert first_start(1003.0, 5.0, 0.5) == 1007.5
    assert phase_of("a/sellsy/company") == phase_of("a/sellsy/company")
    assert next_start(10.0, 5.0, 12.0) == 15.0
    assert next_start(10.0, 5.0, 17.0) == 18.0


def test_a_workers_pollers_are_spread_over_the_interval() -> None:
    """200 tenants × 5 sources started in the same instant: their first polls fall
    all over the interval, not in the same instant (each tenth of it holds 5-15 %)."""
    now = 1234.5
    keys = [
        cursor_key(f"tenant-{n:03d}", system, entity)
        for n in range(200)
        for system, entity in [
            ("sellsy", "company"),
            ("sellsy", "individual"),
            ("sellsy", "contact"),
            ("altior", "third_party"),
            ("altior", "contact"),
        ]
    ]
    starts = [first_start(now, INTERVAL, phase_of(key)) for key in keys]
    assert all(now <= s < now + INTERVAL for s in starts)
    tenths = Counter(int((s - now) / INTERVAL * 10) for s in starts)
    assert len(tenths) == 10
    assert all(50 <= count <= 150 for count in tenths.values()), tenths
    # no 10 ms slot holds more than 1 % of the polls
    assert max(Counter(round(s, 2) for s in starts).values()) <= 10


async def _run_saturated(saturated: list[bool], polls: int) -> tuple[list[float], float]:
    """Start times of ``polls`` polls of 0.5 s when the quota reads ``saturated`` in turn
    at each due time (the last value holds), and the deferrals counted."""
    clock = FakeClock()
    poller = _poller(ListSource([]), {}, RecordingPublisher())
    poller.monotonic, poller.sleep = clock.monotonic, clock.sleep
    answers = iter(saturated)
    last = [saturated[-1]]

    def quota_saturated(within: float) -> bool:
        assert within == INTERVAL
        last[0] = next(answers, last[0])
        return last[0]

    poller.quota_saturated = quota_saturated
    starts: list[float] = []

    async def poll_once() -> PollResult:
        starts.append(clock.now)
        if len(starts) > polls:
            raise asyncio.CancelledError
        clock.now += 0.5
        return PollResult()

    poller.poll_once = poll_once  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await poller.run(INTERVAL)
    labels = (poller.tenant, poller.source.system, poller.source.entity)
    deferred = poller.metrics.polls_deferred.labels(*labels)._value.get()
    return starts[:polls], deferred


async def test_polls_yield_to_writes_while_the_quota_is_in_full_use_at_most_twice() -> None:
    starts, deferred = await _run_saturated([True], polls=4)
    # put off twice, then polled: every third interval while saturated, never starved
    assert _gaps(starts) == [3 * INTERVAL] * 3
    assert deferred == 2 * 5  # twice before each poll, the fifth (which ends the loop) too


async def test_polls_keep_their_interval_when_the_quota_has_room() -> None:
    starts, deferred = await _run_saturated([False], polls=4)
    assert _gaps(starts) == [INTERVAL] * 3
    assert deferred == 0


async def test_a_deferred_poll_runs_as_soon_as_the_quota_frees() -> None:
    starts, deferred = await _run_saturated([False, True, False, False], polls=3)
    assert _gaps(starts) == [2 * INTERVAL, INTERVAL]
    assert deferred == 1
