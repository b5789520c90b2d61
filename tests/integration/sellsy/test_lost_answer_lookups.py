"""A create whose answer is lost (the sandbox's ``lose_answer`` fault) is not resent by
the client, and the lookups the writers use find the record it made.  Real HTTP to the
sandbox; every exchange spec-checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync_streams.errors import ApiUnavailableError
from sync_streams.sellsy import DateRange, SellsyClient
from sync_streams.sellsy.models import (
    CompanyCreate,
    ContactCreate,
    IndividualCreate,
    OpportunityCreate,
    RelatedObject,
    RelatedWrite,
)
from tests.integration.sellsy.conftest import Account
from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration


def _window() -> DateRange:
    return DateRange(start=datetime.now(UTC) - timedelta(minutes=2))


async def test_lookups_find_what_a_create_with_a_lost_answer_made(
    client: SellsyClient, sandbox: SandboxHandle, account: Account
) -> None:
    company = await client.create_company(CompanyCreate(type="client", name="Durand & Fils"))
    pipeline = (await client.list_pipelines())[0]
    step = (await client.list_steps(pipeline.id))[0]
    window = _window()
    await sandbox.set_faults(account.account_id, lose_answer_next=3)

    with pytest.raises(ApiUnavailableError):
        await client.create_individual(
            IndividualCreate(type="client", last_name="Martin", reference="ALTIOR-12")
        )
    with pytest.raises(ApiUnavailableError):
        await client.create_contact(ContactCreate(first_name="Anne", last_name="Lefèvre"))
    with pytest.raises(ApiUnavailableError):
        await client.create_opportunity(
            OpportunityCreate(
                name="Vitrine",
                pipeline=pipeline.id,
                step=step.id,
                related=[RelatedWrite(id=company.id, type="company")],
            )
        )

    people = await client.find_individuals(references=["altior-12"])
    assert [p.last_name for p in people] == ["Martin"]
    contacts = await client.find_contacts(created=window, last_name="Lefèvre")
    assert [c.first_name for c in contacts] == ["Anne"]
    assert await client.find_contacts(created=window, last_name="Lefebvre") == []
    deals = await client.find_opportunities(
        created=window, related=[RelatedObject(id=company.id, type="company")]
    )
    assert [(d.name, d.company_id) for d in deals] == [("Vitrine", company.id)]
    later = DateRange(start=datetime.now(UTC) + timedelta(minutes=1))
    assert await client.find_opportunities(created=later, name="Vitrine") == []
    # each create was sent once: the client does not resend a create without answer
    posts = [
        c["path"]
        for c in await sandbox.calls(account.account_id)
        if c["method"] == "POST" and c["path"].startswith("/v2/") and "/search" not in c["path"]
    ]
    assert posts == ["/v2/companies", "/v2/individuals", "/v2/contacts", "/v2/opportunities"]
