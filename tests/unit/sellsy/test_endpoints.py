"""What each client method sends (checked against the official spec by the fake)
and what it makes of Sellsy's answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from sync_streams.sellsy import DateRange, SellsyClient
from sync_streams.sellsy.models import (
    Company,
    CompanyCreate,
    CompanyUpdate,
    Contact,
    ContactCreate,
    ContactUpdate,
    CustomFieldValueWrite,
    IndividualCreate,
    IndividualUpdate,
    LegalFranceWrite,
    Opportunity,
    OpportunityCreate,
    RelatedWrite,
)
from tests.support.sellsy_spec import SpecDivergenceError
from tests.unit.sellsy.fakes import FakeSellsy, body_of, company, page

PARIS = timezone(timedelta(hours=2))
MAY = DateRange(
    datetime(2024, 5, 2, 10, 0, tzinfo=PARIS), datetime(2024, 5, 2, 10, 5, tzinfo=PARIS)
)


def contact(record_id: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": record_id,
        "civility": "mrs",
        "first_name": "Élodie",
        "last_name": "LEFÈVRE",
        "email": "elodie@example.fr",
        "phone_number": "+33100000000",
        "mobile_number": None,
        "fax_number": None,
        "position": "Directrice",
        "created": "2024-01-01T09:00:00+01:00",
        "updated": "2024-05-02T10:01:00+02:00",
        "is_archived": False,
    }
    return base | fields


def opportunity(record_id: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": record_id,
        "number": f"OPP-{record_id}",
        "name": "Refonte du site",
        "amount": {"value": "1500.00", "currency": "EUR"},
        "pipeline": {"id": 1, "name": "Ventes"},
        "step": {"id": 2, "name": "Qualification"},
        "status": "open",
        "probability": 20,
        "due_date": "2024-07-01",
        "created": "2024-05-02T10:00:00+02:00",
        "updated_status": None,
        "company_id": 12,
        "individual_id": None,
        "contact_ids": [4],
        "related": [{"id": 12, "type": "company"}],
    }
    return base | fields


def one_page(records: list[dict[str, Any]]) -> httpx.Response:
    return page(records, limit=100, total=len(records), offset="end")


def embeds(request: httpx.Request) -> list[str]:
    return request.url.params.get_list("embed[]")


async def test_companies_changed_in_a_window_with_custom_fields_in_the_same_call(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    sync_flag = {"id": 7, "name": "Synchronisation Altior", "type": "boolean", "value": True}
    fake.route(
        "POST",
        "/companies/search",
        one_page([company(1, _embed={"custom_fields": [sync_flag]}), company(2)]),
    )
    items = [c async for c in client.iter_companies(updated_at=MAY, custom_field_ids=[7, 8, 7])]
    (request,) = fake.api_requests
    assert body_of(request) == {
        "filters": {
            "updated_at": {"start": "2024-05-02T10:00:00+02:00", "end": "2024-05-02T10:05:00+02:00"}
        }
    }
    assert embeds(request) == ["cf.7", "cf.8"]
    assert (request.url.params["order"], request.url.params["limit"]) == ("id", "100")
    first = items[0]
    assert isinstance(first, Company)
    flag = first.custom_field(7)
    assert flag is not None and flag.as_bool() is True


async def test_find_companies_by_siret_or_reference(fake: FakeSellsy, client: SellsyClient) -> None:
    fake.route("POST", "/companies/search", one_page([company(3)]))
    found = await client.find_companies(siret="73282932000074")
    assert [c.id for c in found] == [3]
    await client.find_companies(references=["ALT-3", "ALT-3", "alt-4"])
    bodies = [body_of(r) for r in fake.api_requests]
    assert bodies == [
        {"filters": {"siret": "73282932000074"}},
        {"filters": {"reference": ["ALT-3", "alt-4"]}},
    ]
    with pytest.raises(ValueError, match="siret or references"):
        await client.find_companies()


async def test_create_and_update_company(fake: FakeSellsy, client: SellsyClient) -> None:
    fake.route("POST", "/companies", httpx.Response(201, json=company(40, name="Dupont SA")))
    fake.route("PUT", r"/companies/40", httpx.Response(200, json=company(40, email=None)))
    created = await client.create_company(
        CompanyCreate(
            type="prospect",
            name="Dupont SA",
            reference="ALT-900",
            legal_france=LegalFranceWrite(siret="73282932000074"),
        )
    )
    updated = await client.update_company(40, CompanyUpdate(email=None))
    create, update = fake.api_requests
    assert body_of(create) == {
        "type": "prospect",
        "name": "Dupont SA",
        "reference": "ALT-900",
        "legal_france": {"siret": "73282932000074"},
    }
    assert (update.method, update.url.path, body_of(update)) == (
        "PUT",
        "/v2/companies/40",
        {"email": None},
    )
    assert (created.id, updated.email) == (40, None)


async def test_individuals(fake: FakeSellsy, client: SellsyClient) -> None:
    person = {
        "id": 8,
        "type": "client",
        "last_name": "Martin",
        "updated_at": "2024-05-02T10:00:00Z",
    }
    fake.route("POST", "/individuals/search", one_page([person]))
    fake.route("POST", "/individuals", httpx.Response(201, json=person))
    fake.route("PUT", "/individuals/8", httpx.Response(200, json=person))
    fake.route("GET", "/individuals/8", httpx.Response(200, json=person))
    listed = [i async for i in client.iter_individuals(updated_at=MAY, custom_field_ids=[7])]
    await client.create_individual(IndividualCreate(type="client", last_name="Martin"))
    await client.update_individual(8, IndividualUpdate(first_name="Léa"))
    fetched = await client.get_individual(8, custom_field_ids=[7])
    search, create, update, get = fake.api_requests
    assert body_of(search)["filters"]["updated_at"]["start"] == "2024-05-02T10:00:00+02:00"
    assert body_of(create) == {"type": "client", "last_name": "Martin"}
    assert body_of(update) == {"first_name": "Léa"}
    assert embeds(get) == ["cf.7"]
    assert [type(i).__name__ for i in listed] == ["Individual"]
    assert fetched.last_name == "Martin"


async def test_contacts_changed_in_a_window_use_the_updated_filter(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fake.route("POST", "/contacts/search", one_page([contact(4)]))
    items = [c async for c in client.iter_contacts(updated=MAY, companies=[12], is_linked=True)]
    (request,) = fake.api_requests
    filters = body_of(request)["filters"]
    assert filters["updated"] == MAY.as_filter()
    assert (filters["companies"], filters["is_linked"]) == ([12], True)
    assert "updated_at" not in filters
    assert request.url.params["order"] == "id"
    first = items[0]
    assert isinstance(first, Contact)
    assert (first.civility, first.updated) == ("mrs", datetime(2024, 5, 2, 8, 1, tzinfo=UTC))


async def test_contact_writes(fake: FakeSellsy, client: SellsyClient) -> None:
    fake.route("POST", "/contacts", httpx.Response(201, json=contact(4)))
    fake.route("PUT", "/contacts/4", httpx.Response(200, json=contact(4, position="DAF")))
    fake.route("GET", "/contacts/4", httpx.Response(200, json=contact(4)))
    await client.create_contact(ContactCreate(last_name="LEFÈVRE", civility="mrs"))
    changed = await client.update_contact(4, ContactUpdate(position="DAF"))
    await client.get_contact(4)
    assert [body_of(r) for r in fake.api_requests[:2]] == [
        {"last_name": "LEFÈVRE", "civility": "mrs"},
        {"position": "DAF"},
    ]
    assert changed.position == "DAF"


async def test_linking_a_contact_twice_is_no_error(fake: FakeSellsy, client: SellsyClient) -> None:
    statuses = [201, 200]
    fake.route("POST", "/companies/12/contacts/4", lambda r: httpx.Response(statuses.pop(0)))
    first = await client.link_contact_to_company(12, 4, roles=["main"])
    again = await client.link_contact_to_company(12, 4)
    assert (first.newly_linked, again.newly_linked) == (True, False)
    assert first.roles == ("main",)
    assert [body_of(r) for r in fake.api_requests] == [{"roles": ["main"]}, {}]


async def test_a_contacts_companies(fake: FakeSellsy, client: SellsyClient) -> None:
    fake.route("GET", "/contacts/4/companies", one_page([company(12), company(13)]))
    companies = await client.list_contact_companies(4)
    assert [c.id for c in companies] == [12, 13]
    assert fake.api_requests[0].url.path == "/v2/contacts/4/companies"


async def test_a_contacts_companies_beyond_one_answer_are_paged_by_search(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    truncated = page([company(i) for i in range(1, 26)], limit=25, total=30, offset=25)
    fake.route("GET", "/contacts/4/companies", truncated)
    fake.route("POST", "/companies/search", one_page([company(i) for i in range(1, 31)]))
    companies = await client.list_contact_companies(4)
    assert len(companies) == 30
    assert body_of(fake.api_requests[1]) == {"filters": {"contacts": [4]}}


async def test_opportunities_are_re_read_with_their_filters(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fake.route("POST", "/opportunities/search", one_page([opportunity(9)]))
    items = [
        o
        async for o in client.iter_opportunities(
            pipelines=[1],
            steps=[2, 3],
            statuses=["open", "won"],
            created=DateRange(start=MAY.start),
            custom_field_ids=[11],
        )
    ]
    (request,) = fake.api_requests
    assert body_of(request) == {
        "filters": {
            "pipeline": [1],
            "step": [2, 3],
            "statuses": ["open", "won"],
            "created": {"start": "2024-05-02T10:00:00+02:00"},
        }
    }
    assert embeds(request) == ["cf.11"]
    assert isinstance(items[0], Opportunity)


async def test_opportunity_create_update_and_move(fake: FakeSellsy, client: SellsyClient) -> None:
    fake.route("POST", "/opportunities", httpx.Response(201, json=opportunity(9)))
    moved = opportunity(9, step={"id": 3, "name": "Devis envoyé"})
    fake.route("PUT", "/opportunities/9", httpx.Response(200, json=moved))
    await client.create_opportunity(
        OpportunityCreate(
            name="Refonte du site",
            pipeline=1,
            step=2,
            amount="1500.00",
            related=[RelatedWrite(id=12, type="company")],
            contact_ids=[4],
        )
    )
    result = await client.move_opportunity_to_step(9, 3)
    await client.move_opportunity_to_step(9, 5, pipeline_id=2)
    create, move, move_pipeline = fake.api_requests
    assert body_of(create) == {
        "name": "Refonte du site",
        "pipeline": 1,
        "step": 2,
        "amount": "1500.00",
        "related": [{"id": 12, "type": "company"}],
        "contact_ids": [4],
    }
    assert body_of(move) == {"step": 3}
    assert body_of(move_pipeline) == {"pipeline": 2, "step": 5}
    assert result.step is not None and result.step.id == 3


async def test_pipelines_and_their_steps_by_rank(fake: FakeSellsy, client: SellsyClient) -> None:
    pipeline = {"id": 1, "name": "Ventes", "is_default": True, "step": 2, "rank": 0}
    steps = [
        {"id": 2, "name": "Qualification", "probability": 20, "rank": 0},
        {"id": 3, "name": "Devis envoyé", "probability": 60, "rank": 1},
    ]
    fake.route("GET", "/opportunities/pipelines", one_page([pipeline]))
    fake.route("GET", "/opportunities/pipelines/1/steps", one_page(steps))
    pipelines = await client.list_pipelines()
    found = await client.list_steps(pipelines[0].id)
    assert [s.name for s in found] == ["Qualification", "Devis envoyé"]
    assert all(r.url.params["order"] == "rank" for r in fake.api_requests)


async def test_custom_field_definitions(fake: FakeSellsy, client: SellsyClient) -> None:
    definition = {
        "id": 7,
        "name": "Synchronisation Altior",
        "code": "sync-altior",
        "type": "boolean",
        "related_objects": ["client", "prospect"],  # what real answers say (section 7)
        "parameters": {"default_value": False},
    }
    fake.route("POST", "/custom-fields/search", one_page([definition]))
    found = await client.search_custom_fields(related_object="client")
    assert body_of(fake.api_requests[0]) == {"filters": {"related_object": "client"}}
    assert (found[0].id, found[0].type, found[0].related_object) == (
        7,
        "boolean",
        ["client", "prospect"],
    )


async def test_custom_field_values_read_and_written(fake: FakeSellsy, client: SellsyClient) -> None:
    values = [
        {"id": 7, "type": "boolean", "value": True},
        {"id": 8, "type": "checkbox", "value": [1]},
    ]
    fake.route("GET", "/contacts/4/custom-fields", one_page(values))
    fake.route("PUT", "/companies/12/custom-fields", httpx.Response(204))
    read = await client.get_custom_field_values("contacts", 4)
    await client.set_custom_field_values("companies", 12, {7: False, 8: [1, 2]})
    await client.set_custom_field_values(
        "companies", 12, [CustomFieldValueWrite(id=9, value="Texte")]
    )
    await client.set_custom_field_values("companies", 12, {})  # nothing to send
    get, put, put_again = fake.api_requests
    assert get.url.path == "/v2/contacts/4/custom-fields"
    assert [v.as_bool() if v.type == "boolean" else v.item_ids() for v in read] == [True, [1]]
    assert body_of(put) == [{"id": 7, "value": False}, {"id": 8, "value": [1, 2]}]
    assert body_of(put_again) == [{"id": 9, "value": "Texte"}]
    with pytest.raises(ValueError, match="custom field values exist on"):
        await client.set_custom_field_values("estimates", 1, {7: True})  # type: ignore[arg-type]


def test_date_ranges_are_aware_and_never_leave_a_gap() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DateRange(datetime(2024, 5, 2, 10, 0))
    with pytest.raises(ValueError, match="after its end"):
        DateRange(MAY.end, MAY.start)
    fractional = DateRange(
        datetime(2024, 5, 2, 10, 0, 0, 900_000, tzinfo=UTC),
        datetime(2024, 5, 2, 10, 5, 0, 100_000, tzinfo=UTC),
    )
    assert fractional.as_filter() == {
        "start": "2024-05-02T10:00:00+00:00",
        "end": "2024-05-02T10:05:01+00:00",
    }


async def test_the_fake_holds_every_request_to_the_spec(client: SellsyClient) -> None:
    """Guard for the tests above: an off-spec request fails them."""
    with pytest.raises(SpecDivergenceError, match="bogus"):
        await client._session.call("POST", "/companies/search", json={"filters": {"bogus": 1}})
    with pytest.raises(SpecDivergenceError, match="embed"):
        await client._session.call(
            "POST", "/companies/search", params=[("embed[]", "cf.x")], json={"filters": {}}
        )
