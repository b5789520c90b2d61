"""A create toward Sellsy whose answer is lost is neither dead-lettered nor repeated.

Sellsy has no idempotency keys and its client never resends a create that failed
without an answer.  For each record the sync creates in Sellsy from Altior (company,
individual, contact, opportunity), a create made but answered by a dropped
connection is found again instead of made twice; one refused before it was made is
made on the next attempt; and the attempts are bounded, then the error goes out (the
router dead-letters it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sync_streams.altior.writes import ThirdPartyCreate
from sync_streams.domain.events import ChangeEvent
from sync_streams.errors import ApiUnavailableError, RejectedError
from sync_streams.flows import lost_creates
from sync_streams.flows.contacts import SellsyContacts
from sync_streams.flows.deals import SellsyDeals
from sync_streams.flows.lost_creates import create_once
from sync_streams.flows.third_parties import SellsyThirdParties
from sync_streams.http.retry import RetryPolicy
from tests.unit.flows.conftest import MakeWorld, World

FAST = RetryPolicy(attempts=3, base_delay=0)


async def _company(w: World) -> tuple[ChangeEvent, dict[str, Any]]:
    made = await w.altior.create_third_party(
        ThirdPartyCreate.model_validate(
            {"kind": "moral", "name": "Dupré Frères", "establishment_id": 1}
        )
    )
    record = w.altior.third_parties[made.id]
    return w.event("altior", "third_party", dict(record)), record


async def _individual(w: World) -> tuple[ChangeEvent, dict[str, Any]]:
    made = await w.altior.create_third_party(
        ThirdPartyCreate.model_validate(
            {
                "kind": "physique",
                "name": "Martin Jeanne",
                "first_name": "Jeanne",
                "last_name": "Martin",
                "establishment_id": 1,
            }
        )
    )
    record = w.altior.third_parties[made.id]
    return w.event("altior", "third_party", dict(record)), record


async def _contact(w: World) -> tuple[ChangeEvent, dict[str, Any]]:
    ident = w.altior.add_contact("Anne", "Lefèvre")
    record = w.altior.contacts[ident]
    return w.event("altior", "altior_contact", dict(record)), record


async def _affaire(w: World) -> tuple[ChangeEvent, dict[str, Any]]:
    company = w.sellsy.add_company("Boulangerie Dupré")
    w.link_company(company, 7)
    ident = w.altior.add_affaire("Vitrine réfrigérée", 7)
    return w.affaire_event(ident), w.altior.affaires[ident]


@dataclass(frozen=True)
class Case:
    create: str  # the FakeSellsy method that creates
    path: str
    made: Callable[[World], dict[int, dict[str, Any]]]  # what Sellsy holds of that kind
    source: Callable[[World], Awaitable[tuple[ChangeEvent, dict[str, Any]]]]


CASES = {
    "company": Case("create_company", "/companies", lambda w: w.sellsy.companies, _company),
    "individual": Case(
        "create_individual", "/individuals", lambda w: w.sellsy.individuals, _individual
    ),
    "contact": Case("create_contact", "/contacts", lambda w: w.sellsy.contacts, _contact),
    "opportunity": Case(
        "create_opportunity", "/opportunities", lambda w: w.sellsy.opportunities, _affaire
    ),
}


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for adapter in (SellsyThirdParties, SellsyContacts, SellsyDeals):
        monkeypatch.setattr(adapter, "create_retry", FAST)


async def _world(make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch) -> World:
    w = await make_world()
    monkeypatch.setattr(lost_creates, "utc_now", lambda: w.clock.now)  # Sellsy's clock
    return w


def _flaky(w: World, monkeypatch: pytest.MonkeyPatch, case: Case, outcomes: list[bool]) -> None:
    """The next creates fail without an answer: made in Sellsy (True) or not (False)."""
    real = getattr(w.sellsy, case.create)
    pending = list(outcomes)

    async def flaky(*args: Any, **kwargs: Any) -> Any:
        if pending:
            if pending.pop(0):
                await real(*args, **kwargs)  # Sellsy made it; the answer is lost
            else:
                w.sellsy.calls.append(("POST", case.path))
            raise ApiUnavailableError("Server disconnected", system="sellsy")
        return await real(*args, **kwargs)

    monkeypatch.setattr(w.sellsy, case.create, flaky)


def _posts(w: World, case: Case) -> int:
    return sum(1 for call in w.sellsy.calls if call == ("POST", case.path))


def _named_by_altior(record: dict[str, Any]) -> str | None:
    """The Sellsy id the Altior record now carries as its external reference."""
    refs = [r["value"] for r in record.get("external_references", []) if r["key"] == "SELLSY"]
    return refs[0].removeprefix("individual-") if refs else None


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("kind", list(CASES))
@pytest.mark.parametrize(
    ("outcomes", "posts"),
    [([True], 1), ([False], 2), ([False, True], 2)],
    ids=["answer-lost", "refused", "refused-then-answer-lost"],
)
async def test_a_create_that_fails_without_an_answer_makes_exactly_one_record(
    make_world: MakeWorld,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    outcomes: list[bool],
    posts: int,
) -> None:
    case = CASES[kind]
    w = await _world(make_world, monkeypatch)
    event, altior_record = await case.source(w)
    _flaky(w, monkeypatch, case, outcomes)

    await w.handle(event)  # no exception: not dead-lettered

    made = case.made(w)
    assert len(made) == 1, made  # exactly once
    assert _posts(w, case) == posts  # found after a lost answer, made again after a refusal
    assert _named_by_altior(altior_record) == str(next(iter(made)))


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("kind", list(CASES))
async def test_attempts_are_bounded_then_the_error_goes_out(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    case = CASES[kind]
    w = await _world(make_world, monkeypatch)
    event, altior_record = await case.source(w)
    _flaky(w, monkeypatch, case, [False] * 10)

    with pytest.raises(ApiUnavailableError):
        await w.handle(event)

    assert _posts(w, case) == FAST.attempts
    assert case.made(w) == {}
    assert _named_by_altior(altior_record) is None


@pytest.mark.usefixtures("fast_retries")
async def test_a_contact_linked_to_another_altior_contact_is_not_taken_for_the_lost_one(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two Altior contacts with the same names: the second one's lost create must not
    adopt the first one's Sellsy contact, which the sync already links."""
    case = CASES["contact"]
    w = await _world(make_world, monkeypatch)
    first = w.altior.add_contact("Jean", "Martin")
    await w.handle(w.event("altior", "altior_contact", dict(w.altior.contacts[first])))
    second = w.altior.add_contact("Jean", "Martin")
    _flaky(w, monkeypatch, case, [False])

    await w.handle(w.event("altior", "altior_contact", dict(w.altior.contacts[second])))

    assert len(w.sellsy.contacts) == 2
    named = {_named_by_altior(w.altior.contacts[a]) for a in (first, second)}
    assert named == {str(c) for c in w.sellsy.contacts}


@pytest.mark.usefixtures("fast_retries")
@pytest.mark.parametrize("kind", ["individual", "contact", "opportunity"])
async def test_a_redelivered_event_finds_what_the_lost_attempt_made(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A worker killed after the create, before its state was stored: the event comes
    again and finds the record (marker, or the reference written back in Altior)."""
    case = CASES[kind]
    w = await _world(make_world, monkeypatch)
    event, _ = await case.source(w)
    await w.handle(event)
    w.states.crash()  # the state written after the create was lost with a crash
    if kind == "opportunity":
        w.link_company(next(iter(w.sellsy.companies)), 7)

    await w.handle(event)

    assert len(case.made(w)) == 1
    assert _posts(w, case) == 1


async def test_create_once_looks_before_each_new_attempt_and_stops_at_the_bound() -> None:
    made: list[int] = []
    looked: list[int] = []

    async def create() -> int:
        made.append(len(made))
        raise ApiUnavailableError("timeout", system="sellsy")

    async def find() -> int | None:
        looked.append(len(looked))
        return None

    with pytest.raises(ApiUnavailableError):
        await create_once(create, find, RetryPolicy(attempts=4, base_delay=0))
    assert (len(made), len(looked)) == (4, 3)


async def test_create_once_does_not_retry_a_refusal() -> None:
    async def create() -> int:
        raise RejectedError("name is required", system="sellsy", status=422)

    async def find() -> int | None:
        raise AssertionError("a refusal made nothing: no lookup")

    with pytest.raises(RejectedError):
        await create_once(create, find, FAST)


WRITE_BACKS = {
    "company": "update_third_party",
    "individual": "update_third_party",
    "contact": "update_contact",
    "opportunity": "update_affaire",
}
"""The Altior call that gives the source record its new Sellsy id, per kind."""


class WorkerKilled(Exception):
    """Stands for the worker dying at that point."""


@pytest.mark.parametrize("kind", list(CASES))
async def test_a_first_create_costs_the_post_and_the_altior_write_back_only(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """No lookup before a first attempt (nothing can exist yet), no read-back after."""
    case = CASES[kind]
    w = await _world(make_world, monkeypatch)
    event, altior_record = await case.source(w)
    sellsy_before, altior_before = len(w.sellsy.calls), len(w.altior.calls)

    await w.handle(event)

    catalog = ("/opportunities/pipelines",)  # read once per worker, not per record
    sellsy = [c for c in w.sellsy.calls[sellsy_before:] if not c[1].startswith(catalog)]
    assert sellsy == [("POST", case.path)]
    assert [c[0] for c in w.altior.calls[altior_before:]] == ["PATCH"]
    assert _named_by_altior(altior_record) == str(next(iter(case.made(w))))


@pytest.mark.parametrize("kind", list(CASES))
async def test_a_worker_killed_between_the_create_and_the_altior_write_back_makes_one_record(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The Sellsy record exists, Altior does not name it, the state after the create
    is lost: the announced attempt is looked for (marker, or what was created since
    it with the values sent) and adopted, never made twice."""
    case = CASES[kind]
    w = await _world(make_world, monkeypatch)
    event, altior_record = await case.source(w)
    write_back = getattr(w.altior, WRITE_BACKS[kind])

    async def killed(*args: Any, **kwargs: Any) -> Any:
        raise WorkerKilled

    monkeypatch.setattr(w.altior, WRITE_BACKS[kind], killed)
    with pytest.raises(WorkerKilled):
        await w.handle(event)
    assert len(case.made(w)) == 1 and _named_by_altior(altior_record) is None
    w.states.crash()
    monkeypatch.setattr(w.altior, WRITE_BACKS[kind], write_back)

    await w.handle(event)  # redelivered to the restarted worker

    made = case.made(w)
    assert len(made) == 1, made
    assert _posts(w, case) == 1
    assert _named_by_altior(altior_record) == str(next(iter(made)))
