"""A Sellsy company create whose answer is lost is neither dead-lettered nor repeated."""

from __future__ import annotations

from typing import Any

import pytest

from sync_streams.altior.writes import ThirdPartyCreate
from sync_streams.errors import ApiUnavailableError
from sync_streams.flows.third_parties import SellsyThirdParties
from sync_streams.http.retry import RetryPolicy
from sync_streams.pipeline.state import link_key
from tests.unit.flows.conftest import TENANT, MakeWorld


async def _altior_company(w: Any, name: str) -> dict[str, Any]:
    made = await w.altior.create_third_party(
        ThirdPartyCreate.model_validate({"kind": "moral", "name": name, "establishment_id": 1})
    )
    return dict(w.altior.third_parties[made.id])


@pytest.mark.parametrize("made_before_failing", [True, False], ids=["answer-lost", "refused"])
async def test_a_create_that_fails_without_an_answer_is_looked_up_then_retried(
    make_world: MakeWorld, monkeypatch: pytest.MonkeyPatch, made_before_failing: bool
) -> None:
    monkeypatch.setattr(SellsyThirdParties, "create_retry", RetryPolicy(attempts=3, base_delay=0))
    w = await make_world()
    record = await _altior_company(w, "Dupré Frères")
    real_create = w.sellsy.create_company
    failures = [made_before_failing]

    async def flaky_create(company: Any, **kwargs: Any) -> Any:
        if failures:
            made = failures.pop()
            if made:
                await real_create(company, **kwargs)  # Sellsy made it; the answer is lost
            else:
                w.sellsy.calls.append(("POST", "/companies"))
            raise ApiUnavailableError("connection dropped", system="sellsy")
        return await real_create(company, **kwargs)

    monkeypatch.setattr(w.sellsy, "create_company", flaky_create)
    await w.handler.handle(w.event("altior", "third_party", record))

    names = [c["name"] for c in w.sellsy.companies.values()]
    assert names == ["Dupré Frères"]  # exactly once, and not dead-lettered (no exception)
    posts = [c for c in w.sellsy.calls if c == ("POST", "/companies")]
    assert len(posts) == (1 if made_before_failing else 2)  # found by its marker, or made again
    link = w.tables.links.get(link_key(TENANT, "altior", "third_party", str(record["id"])))
    assert link is not None and int(link.sellsy_id) in w.sellsy.companies
