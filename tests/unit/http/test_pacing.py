"""QuotaPacer: local sliding windows, server quota headers, 429 pauses (fake clock)."""

from __future__ import annotations

import pytest

from sync_streams.http.pacing import QuotaPacer


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make(
    per_second: float | None = 5.0, per_minute: float | None = None
) -> tuple[QuotaPacer, FakeTime]:
    fake = FakeTime()
    return QuotaPacer(per_second, per_minute, clock=fake.clock, sleep=fake.sleep), fake


async def test_calls_within_the_per_second_quota_do_not_wait() -> None:
    pacer, fake = make(per_second=5)
    for _ in range(5):
        await pacer.acquire()
    assert fake.sleeps == []


async def test_the_call_over_the_per_second_quota_waits_for_the_window() -> None:
    pacer, fake = make(per_second=5)
    for _ in range(6):
        await pacer.acquire()
    assert sum(fake.sleeps) == 1.0
    assert pacer.waited_seconds == 1.0


async def test_per_minute_quota_spreads_calls_over_the_minute() -> None:
    pacer, fake = make(per_second=None, per_minute=3)
    start = fake.now
    for _ in range(4):
        await pacer.acquire()
    assert fake.now - start == 60.0


async def test_server_saying_nothing_left_this_second_holds_the_next_call() -> None:
    pacer, fake = make(per_second=100)
    await pacer.acquire()
    pacer.observe({"x-quota-remaining-by-second": "0", "x-quota-remaining-by-minute": "50"})
    await pacer.acquire()
    assert sum(fake.sleeps) == 1.0


async def test_server_remaining_budget_is_spent_before_waiting() -> None:
    pacer, fake = make(per_second=100)
    pacer.observe({"x-quota-remaining-by-second": "2"})
    await pacer.acquire()
    await pacer.acquire()
    assert fake.sleeps == []
    await pacer.acquire()
    assert sum(fake.sleeps) == 1.0


async def test_a_newer_observation_loosens_the_budget() -> None:
    pacer, fake = make(per_second=100)
    pacer.observe({"x-quota-remaining-by-second": "0"})
    pacer.observe({"x-quota-remaining-by-second": "3"})
    await pacer.acquire()
    assert fake.sleeps == []


async def test_minute_exhausted_waits_until_our_oldest_call_leaves_the_minute() -> None:
    pacer, fake = make(per_second=None)
    await pacer.acquire()
    fake.now += 20.0
    pacer.observe({"x-quota-remaining-by-minute": "0"})
    await pacer.acquire()
    assert sum(fake.sleeps) == 40.0


async def test_minute_exhausted_without_local_history_waits_a_full_minute() -> None:
    pacer, fake = make(per_second=None)
    pacer.observe({"x-quota-remaining-by-minute": "0"})
    await pacer.acquire()
    assert sum(fake.sleeps) == 60.0


async def test_unreadable_headers_are_ignored() -> None:
    pacer, fake = make(per_second=100)
    pacer.observe({"x-quota-remaining-by-second": "lots"})
    await pacer.acquire()
    assert fake.sleeps == []


async def test_pause_holds_callers_until_it_ends() -> None:
    pacer, fake = make(per_second=100)
    pacer.pause(7.5)
    assert pacer.paused_until == fake.now + 7.5
    await pacer.acquire()
    assert sum(fake.sleeps) == 7.5


async def test_two_pacers_never_wait_for_each_other() -> None:
    exhausted, fake_a = make(per_second=1)
    other, fake_b = make(per_second=1)
    exhausted.pause(30)
    await other.acquire()
    assert fake_b.sleeps == []
    assert fake_a.sleeps == []


class SlidingServer:
    """A server counting calls in a sliding second, as Altior's contract says."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self.calls: list[float] = []
        self.refused = 0

    def take(self, now: float) -> dict[str, str]:
        in_window = [t for t in self.calls if now - t < 1.0]
        if len(in_window) >= self.per_second:
            self.refused += 1
        self.calls.append(now)
        left = max(0, self.per_second - len(in_window) - 1)
        return {"x-quota-remaining-by-second": str(left)}


async def _serial_writer(sliding: bool, calls: int, round_trip: float) -> tuple[float, int]:
    """Calls per second a one-at-a-time writer gets through a 5/s sliding quota."""
    fake = FakeTime()
    pacer = QuotaPacer(10, clock=fake.clock, sleep=fake.sleep, sliding=sliding)
    server = SlidingServer(per_second=5)
    start = fake.now
    for _ in range(calls):
        await pacer.acquire()
        sent = fake.now
        fake.now += round_trip
        pacer.observe(server.take(sent))
    return calls / (fake.now - start), server.refused


async def test_a_sliding_window_frees_a_call_when_our_oldest_call_is_a_second_old() -> None:
    pacer, fake = make(per_second=100)
    pacer.sliding = True
    for _ in range(5):
        await pacer.acquire()
        fake.now += 0.05  # each answer takes 50 ms
    pacer.observe({"x-quota-remaining-by-second": "0"})  # at 1000.25
    await pacer.acquire()
    # the first call (1000.00) left the window (plus a margin for latencies), not 1001.25
    assert fake.now == pytest.approx(1001.05)
    await pacer.acquire()  # one call only, until the server says more
    assert fake.now == pytest.approx(1001.25)


async def test_a_serial_writer_uses_a_sliding_quota_nearly_fully_without_429() -> None:
    for round_trip in (0.01, 0.05, 0.1, 0.2):
        rate, refused = await _serial_writer(True, calls=200, round_trip=round_trip)
        before, refused_before = await _serial_writer(False, calls=200, round_trip=round_trip)
        assert refused == 0 and refused_before == 0
        assert rate >= 0.95 * 5  # the quota, less the safety margin once a second
        if round_trip >= 0.05:  # a full second from each answer lost the round trips
            assert before < 0.85 * 5


async def test_a_fixed_window_api_keeps_the_full_second_wait() -> None:
    pacer, fake = make(per_second=100)  # Sellsy: sliding=False
    for _ in range(5):
        await pacer.acquire()
        fake.now += 0.05
    pacer.observe({"x-quota-remaining-by-second": "0"})
    await pacer.acquire()
    assert fake.now == pytest.approx(1001.25)


async def test_saturated_means_callers_waited_a_fifth_of_the_window_not_once() -> None:
    """What a poller asks before listing: a burst that makes one call wait a little
    leaves the quota "not saturated"; calls held back for a fifth of the poll interval
    mean it is in steady full use (docs/performance.md, P3)."""
    pacer, fake = make(per_second=5)
    for _ in range(5):
        await pacer.acquire()
    assert not pacer.saturated(5.0)  # at the quota, nobody waited
    await pacer.acquire()  # the sixth waits for the window: 1 s of 5
    assert pacer.saturated(5.0)
    assert not pacer.saturated(10.0)  # 1 s of 10 is a burst
    fake.now += 4.9
    assert pacer.saturated(5.0)
    fake.now += 0.2
    assert not pacer.saturated(5.0)


async def test_a_short_wait_is_a_burst_not_saturation() -> None:
    pacer, fake = make(per_second=5)
    for _ in range(5):
        await pacer.acquire()
    fake.now += 0.7  # the window frees 0.3 s later
    await pacer.acquire()
    assert fake.sleeps == [pytest.approx(0.3)]
    assert not pacer.saturated(5.0)
