"""Acceptance of the Sellsy client (issue 4): create -> search by updated range ->
1,000 records at limit 100 -> custom field values embedded -> 429 under a burst,
then success.  Real HTTP to the sandbox; each exchange is spec-checked."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from sync_streams.http import QuotaPacer, RetryPolicy
from sync_streams.sellsy import DateRange, MalformedSellsyRecord, SellsyClient
from sync_streams.sellsy.models import (
    Company,
    CompanyCreate,
    CompanyUpdate,
    Contact,
    ContactCreate,
    ContactUpdate,
    LegalFranceWrite,
    OpportunityCreate,
    RelatedWrite,
)
from tests.integration.sellsy.conftest import Account, MakeClient
from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration

SECOND = timedelta(seconds=1)


async def listed_companies(client: SellsyClient, **kwargs: object) -> list[Company]:
    out: list[Company] = []
    async for item in client.iter_companies(**kwargs):  # type: ignore[arg-type]
        assert not isinstance(item, MalformedSellsyRecord), item
        out.append(item)
    return out


async def test_a_created_company_is_found_by_its_update_window(client: SellsyClient) -> None:
    created = await client.create_company(
        CompanyCreate(
            type="prospect",
            name="Boulangerie Dupont",
            reference="ALT-42",
            legal_france=LegalFranceWrite(siret="73282932000074"),
        )
    )
    assert created.updated_at is not None
    around = DateRange(created.updated_at - SECOND, created.updated_at + SECOND)
    before = DateRange(created.updated_at - timedelta(hours=1), created.updated_at - 10 * SECOND)
    assert [c.id for c in await listed_companies(client, updated_at=around)] == [created.id]
    assert await listed_companies(client, updated_at=before) == []

    changed = await client.update_company(created.id, CompanyUpdate(email="contact@dupont.fr"))
    assert changed.updated_at is not None and changed.updated_at >= created.updated_at
    since_change = DateRange(changed.updated_at - SECOND, changed.updated_at + SECOND)
    found = await listed_companies(client, updated_at=since_change)
    assert [(c.id, c.email) for c in found] == [(created.id, "contact@dupont.fr")]

    assert [c.id for c in await client.find_companies(siret="73282932000074")] == [created.id]
    assert [c.id for c in await client.find_companies(references=["alt-42"])] == [created.id]


async def test_contacts_are_found_by_their_updated_window_and_linked(
    client: SellsyClient,
) -> None:
    company = await client.create_company(CompanyCreate(type="client", name="Martin SARL"))
    contact = await client.create_contact(
        ContactCreate(civility="ms", first_name="Élodie", last_name="LEFÈVRE")
    )
    first = await client.link_contact_to_company(company.id, contact.id, roles=["main"])
    again = await client.link_contact_to_company(company.id, contact.id)
    assert (first.newly_linked, again.newly_linked) == (True, False)
    assert [c.id for c in await client.list_contact_companies(contact.id)] == [company.id]

    changed = await client.update_contact(contact.id, ContactUpdate(position="Gérante"))
    assert changed.updated is not None
    window = DateRange(changed.updated - SECOND, changed.updated + SECOND)
    found = [c async for c in client.iter_contacts(updated=window, companies=[company.id])]
    assert len(found) == 1
    assert isinstance(found[0], Contact)
    assert (found[0].civility, found[0].position) == ("ms", "Gérante")


async def test_a_thousand_companies_are_listed_at_100_per_call(
    sandbox: SandboxHandle, account: Account, client: SellsyClient
) -> None:
    await sandbox.seed(account.account_id, generate={"companies": 1000})
    companies = await listed_companies(client, limit=100)
    assert len({c.id for c in companies}) == 1000
    assert [c.id for c in companies] == sorted(c.id for c in companies)
    # 10 full pages, then one that is short (empty): the stop rule is count < limit.
    assert client.stats.calls == 11
    searches = [
        call
        for call in await sandbox.calls(account.account_id)
        if call["path"].endswith("/companies/search")
    ]
    assert len(searches) == 11


async def test_custom_field_values_come_embedded_in_the_listing(
    sandbox: SandboxHandle, account: Account, client: SellsyClient
) -> None:
    definitions = await client.search_custom_fields(related_object="client")
    sync_flag = next(d for d in definitions if d.name == "Synchronisation Altior")
    assert sync_flag.type == "boolean"
    seeded = await sandbox.seed(account.account_id, generate={"companies": 30})
    ids = seeded["companies"]
    for company_id in ids[:10]:
        await client.set_custom_field_values("companies", company_id, {sync_flag.id: True})
    await client.set_custom_field_values("companies", ids[10], {sync_flag.id: False})
    calls_before = client.stats.calls

    companies = await listed_companies(client, custom_field_ids=[sync_flag.id])
    assert client.stats.calls - calls_before == 1  # values in the same call, not one per record
    flags = {}
    for company in companies:
        value = company.custom_field(sync_flag.id)
        assert value is not None, "the asked custom field is embedded in every record"
        flags[company.id] = value.as_bool()
    to_sync = sorted(i for i, flag in flags.items() if flag)
    assert to_sync == sorted(ids[:10])
    assert flags[ids[10]] is False

    read = await client.get_custom_field_values("companies", ids[0])
    assert next(v for v in read if v.id == sync_flag.id).as_bool() is True


async def test_custom_field_definitions_answering_related_objects_are_read(
    sandbox: SandboxHandle, account: Account, client: SellsyClient
) -> None:
    await sandbox.update_settings(account.account_id, quirks={"related_objects": True})
    definitions = await client.search_custom_fields()
    assert any("client" in d.related_object for d in definitions)


async def test_opportunity_created_moved_and_re_read(client: SellsyClient) -> None:
    company = await client.create_company(CompanyCreate(type="client", name="Durand & Fils"))
    pipeline = (await client.list_pipelines())[0]
    steps = await client.list_steps(pipeline.id)
    assert len(steps) >= 2
    assert [s.rank for s in steps] == sorted(s.rank for s in steps if s.rank is not None)
    created = await client.create_opportunity(
        OpportunityCreate(
            name="Refonte du site",
            pipeline=pipeline.id,
            step=steps[0].id,
            amount="1500.00",
            related=[RelatedWrite(id=company.id, type="company")],
        )
    )
    moved = await client.move_opportunity_to_step(created.id, steps[1].id)
    assert moved.step is not None and moved.step.id == steps[1].id
    listed = [
        o async for o in client.iter_opportunities(pipelines=[pipeline.id], steps=[steps[1].id])
    ]
    assert [o.id for o in listed if not isinstance(o, MalformedSellsyRecord)] == [created.id]


async def test_expired_tokens_are_renewed_transparently(
    sandbox: SandboxHandle, account: Account, client: SellsyClient
) -> None:
    company = await client.create_company(CompanyCreate(type="client", name="Petit SAS"))
    await sandbox.expire_tokens(account.account_id)
    assert (await client.get_company(company.id)).name == "Petit SAS"
    assert client.token_requests == 2


async def test_a_burst_gets_429_then_succeeds(
    sandbox: SandboxHandle, account: Account, make_client: MakeClient
) -> None:
    seeded = await sandbox.seed(account.account_id, generate={"companies": 1})
    company_id = seeded["companies"][0]
    await sandbox.set_quota(account.account_id, per_second=3)
    # No proactive pacing: the burst must hit the account's quota.
    client = make_client(account, pacer=QuotaPacer(None), retry=RetryPolicy(attempts=12))
    results = await asyncio.gather(*(client.get_company(company_id) for _ in range(12)))
    assert {c.id for c in results} == {company_id}
    assert client.stats.rate_limited >= 1
    assert client.stats.retries >= client.stats.rate_limited
    statuses = [call["status"] for call in await sandbox.calls(account.account_id)]
    assert 429 in statuses
    assert statuses.count(200) >= 12


async def test_with_a_plain_transport(make_client: MakeClient, account: Account) -> None:
    """No test wrapper between the client and the socket: what production runs."""
    client = make_client(account, transport=None)
    created = await client.create_company(CompanyCreate(type="client", name="Brut SA"))
    assert (await client.get_company(created.id)).name == "Brut SA"
    assert [c.id async for c in client.iter_companies() if isinstance(c, Company)] == [created.id]
