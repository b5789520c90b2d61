"""The rebalance scenario's reading of the call logs: which calls are polls, and when two
polls of one tenant's entity mean two pollers or a lost one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync_streams.kafka.partitioning import partition_of
from tests.faults.polls import (
    altior_polls,
    double_polls,
    longest_gaps,
    sellsy_polls,
    spread_tenants,
    within,
)

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).isoformat().replace("+00:00", "Z")


def test_spread_tenants_puts_one_tenant_on_each_partition() -> None:
    tenants = spread_tenants(("acme", "beta", "gamma", "delta"), 4)
    assert list(tenants.values()) == ["acme", "beta", "gamma", "delta"]
    assert sorted(partition_of(t, 4) for t in tenants) == [0, 1, 2, 3]


def test_sellsy_polls_are_the_first_pages_of_the_searches_but_companies() -> None:
    # a company search may be a writer's lookup by marker: the log cannot tell
    calls = [
        {"method": "POST", "path": "/v2/companies/search", "query": "limit=100", "at": stamp(0)},
        {"method": "POST", "path": "/v2/companies/search", "query": "offset=abc", "at": stamp(0.1)},
        {"method": "POST", "path": "/v2/individuals/search", "query": "", "at": stamp(0.2)},
        {"method": "POST", "path": "/v2/companies", "query": "", "at": stamp(0.3)},
        {"method": "PUT", "path": "/v2/companies/4", "query": "", "at": stamp(0.4)},
        {"method": "POST", "path": "/v2/contacts/search", "query": "", "at": stamp(5)},
    ]
    assert sellsy_polls(calls) == {"individual": [at(0.2)], "contact": [at(5)]}


def test_altior_polls_are_first_pages_of_updated_since_listings() -> None:
    since = "updated_since=2025-03-01T11:59:30Z"
    calls = [
        {"method": "GET", "path": "/api/v1/third-parties", "query": since, "at": stamp(0)},
        {"method": "GET", "path": "/api/v1/third-parties", "query": f"{since}&cursor=x",
         "at": stamp(0.1)},
        {"method": "GET", "path": "/api/v1/third-parties", "query": "external_reference=9",
         "at": stamp(0.2)},
        {"method": "GET", "path": "/api/v1/contacts", "query": since, "at": stamp(0.3)},
        {"method": "POST", "path": "/api/v1/third-parties", "query": "", "at": stamp(0.4)},
    ]  # fmt: skip
    assert altior_polls(calls) == {"third_party": [at(0)], "altior_contact": [at(0.3)]}


def test_polls_at_the_cadence_are_not_double_polls() -> None:
    polls = {"company": [at(s) for s in (0, 5, 10.2, 15)]}
    assert double_polls("acme-1", polls, closer_than=2.0) == []


def test_two_pollers_show_as_polls_too_close() -> None:
    # a second poller at another phase: polls 0.5 s after the first one's
    polls = {"company": [at(s) for s in (0, 0.5, 5, 5.5, 10)], "contact": [at(0), at(5)]}
    found = double_polls("acme-1", polls, closer_than=2.0)
    assert [(g.entity, g.seconds) for g in found] == [("company", 0.5), ("company", 0.5)]


def test_longest_gap_counts_the_window_edges_and_entities_never_polled() -> None:
    polls = {"company": [at(s) for s in (1, 6, 20, 25)]}
    gaps = longest_gaps("acme-1", polls, ["company", "contact"], (at(0), at(30)))
    assert [(g.entity, g.seconds) for g in gaps] == [("company", 14.0), ("contact", 30.0)]


def test_within_drops_the_polls_before_the_start() -> None:
    assert within({"company": [at(0), at(5)]}, at(1)) == {"company": [at(5)]}
