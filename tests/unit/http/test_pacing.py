"""QuotaPacer: local sliding windows, server quota headers, 429 pauses (fake clock)."""

from __future__ import annotations

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
