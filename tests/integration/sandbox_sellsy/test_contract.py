"""Every endpoint the sync uses, over real HTTP, each exchange checked against the
official spec by the client's event hook (a divergence raises SpecDivergenceError)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.sandbox_sellsy.conftest import Account
from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration


async def _cf_ids(api: httpx.AsyncClient) -> dict[str, int]:
    answer = (await api.get("/custom-fields", params={"limit": 100})).json()
    return {field["code"]: field["id"] for field in answer["data"]}


async def test_company_lifecycle_follows_the_spec(account: Account) -> None:
    api = account.api
    created = await api.post(
        "/companies",
        json={
            "type": "client",
            "name": "Boulangerie Dupont",
            "email": "contact@dupont.fr",
            "legal_france": {"siret": "73282932000074"},
            "reference": "ALT-42",
        },
    )
    assert created.status_code == 201
    company = created.json()
    assert company["legal_france"]["siret"] == "73282932000074"
    fetched = (await api.get(f"/companies/{company['id']}")).json()
    assert fetched == company
    updated = await api.put(f"/companies/{company['id']}", json={"phone_number": "01 23 45 67 89"})
    assert updated.status_code == 200
    assert updated.json()["phone_number"] == "01 23 45 67 89"
    assert updated.json()["updated_at"] > company["updated_at"]
    found = await api.post("/companies/search", json={"filters": {"siret": "73282932000074"}})
    assert [c["id"] for c in found.json()["data"]] == [company["id"]]
    by_ref = await api.post("/companies/search", json={"filters": {"reference": ["alt-42"]}})
    assert by_ref.json()["pagination"]["total"] == 1
    listed = await api.get("/companies", params={"order": "updated_at", "direction": "desc"})
    assert listed.json()["data"][0]["id"] == company["id"]


async def test_verify_only_validates_and_persists_nothing(account: Account) -> None:
    answer = await account.api.post(
        "/companies", params={"verify": "true"}, json={"type": "client", "name": "Essai"}
    )
    assert answer.status_code == 204
    listed = await account.api.get("/companies")
    assert listed.json()["pagination"]["total"] == 0


async def test_individuals_follow_the_spec(account: Account) -> None:
    api = account.api
    body = {"type": "prospect", "last_name": "Martin", "first_name": "Élodie", "civility": "ms"}
    individual = (await api.post("/individuals", json=body)).json()
    assert individual["civility"] == "ms"
    again = await api.put(f"/individuals/{individual['id']}", json={"email": "elodie@martin.fr"})
    assert again.json()["updated_at"] > individual["updated_at"]
    found = await api.post("/individuals/search", json={"filters": {"name": "Martin"}})
    assert found.json()["pagination"]["total"] == 1
    assert (await api.get(f"/individuals/{individual['id']}")).status_code == 200


async def test_contacts_links_and_search_filters(account: Account) -> None:
    api = account.api
    company = (await api.post("/companies", json={"type": "client", "name": "ACME"})).json()
    alone = (await api.post("/contacts", json={"last_name": "Seul", "civility": "mr"})).json()
    contact = (
        await api.post(
            "/contacts",
            json={
                "last_name": "Durand",
                "first_name": "Anne",
                "civility": "mrs",
                "email": "anne.durand@acme.fr",
                "position": "Acheteuse",
            },
        )
    ).json()
    assert "updated" in contact and "updated_at" not in contact
    linked = await api.post(f"/companies/{company['id']}/contacts/{contact['id']}", json={})
    assert linked.status_code == 201
    again = await api.post(f"/companies/{company['id']}/contacts/{contact['id']}", json={})
    assert again.status_code == 200
    companies = (await api.get(f"/contacts/{contact['id']}/companies")).json()
    assert [c["id"] for c in companies["data"]] == [company["id"]]
    assert companies["data"][0]["main_contact_id"] == contact["id"]  # first contact: every role
    relinked = (await api.get(f"/contacts/{contact['id']}")).json()
    assert relinked["updated"] > contact["updated"]
    of_company = await api.post(
        "/contacts/search", json={"filters": {"companies": [company["id"]]}}
    )
    assert [c["id"] for c in of_company.json()["data"]] == [contact["id"]]
    unlinked = await api.post("/contacts/search", json={"filters": {"is_linked": False}})
    assert [c["id"] for c in unlinked.json()["data"]] == [alone["id"]]
    window = {"start": contact["updated"]}
    recent = await api.post("/contacts/search", json={"filters": {"updated": window}})
    assert contact["id"] in [c["id"] for c in recent.json()["data"]]
    updated = await api.put(f"/contacts/{contact['id']}", json={"mobile_number": "06 12 34 56 78"})
    assert updated.json()["mobile_number"] == "06 12 34 56 78"
    assert (
        await api.delete(f"/companies/{company['id']}/contacts/{contact['id']}")
    ).status_code == 204
    assert (await api.get(f"/contacts/{contact['id']}/companies")).json()["data"] == []


async def _pipeline(api: httpx.AsyncClient, name: str) -> tuple[int, dict[str, int]]:
    pipelines = (await api.get("/opportunities/pipelines")).json()["data"]
    pipeline = next(p for p in pipelines if p["name"] == name)
    steps = (await api.get(f"/opportunities/pipelines/{pipeline['id']}/steps")).json()["data"]
    return pipeline["id"], {step["name"]: step["id"] for step in steps}


async def test_pipelines_steps_and_opportunities(account: Account) -> None:
    api = account.api
    pipeline_id, steps = await _pipeline(api, "Ventes")
    assert list(steps) == [
        "Prospection",
        "Qualification",
        "Signature",
        "Devis envoyé",
        "Commande reçue",
        "Clôturé",
    ]
    company = (await api.post("/companies", json={"type": "client", "name": "ACME"})).json()
    created = await api.post(
        "/opportunities",
        json={
            "name": "Fours 2025",
            "pipeline": pipeline_id,
            "step": steps["Prospection"],
            "amount": "15000",
            "related": [{"id": company["id"], "type": "company"}],
        },
    )
    assert created.status_code == 201
    opportunity = created.json()
    assert opportunity["company_id"] == company["id"]
    assert opportunity["step"] == {"id": steps["Prospection"], "name": "Prospection"}
    assert opportunity["amount"] == {"value": "15000.00", "currency": "EUR"}
    renamed = (await api.put(f"/opportunities/{opportunity['id']}", json={"name": "Fours"})).json()
    assert renamed["updated_status"] == opportunity["updated_status"]  # not a status/step change
    moved = await api.put(
        f"/opportunities/{opportunity['id']}",
        json={"pipeline": pipeline_id, "step": steps["Devis envoyé"]},
    )
    assert moved.json()["updated_status"] > opportunity["updated_status"]
    assert moved.json()["probability"] == 70
    filters: dict[str, Any] = {
        "pipeline": [pipeline_id],
        "step": [steps["Devis envoyé"]],
        "statuses": ["open"],
    }
    found = await api.post("/opportunities/search", json={"filters": filters})
    assert [o["id"] for o in found.json()["data"]] == [opportunity["id"]]
    window = {"start": moved.json()["updated_status"]}
    recent = await api.post("/opportunities/search", json={"filters": {"updated_status": window}})
    assert recent.json()["pagination"]["total"] == 1
    counted = await api.get(
        f"/opportunities/pipelines/{pipeline_id}/steps", params={"embed[]": "opportunities_number"}
    )
    numbers = {s["name"]: s["_embed"]["opportunities_number"] for s in counted.json()["data"]}
    assert numbers["Devis envoyé"] == 1 and numbers["Prospection"] == 0
    ordered = await api.get("/opportunities", params={"order": "step_rank"})
    assert ordered.json()["data"][0]["id"] == opportunity["id"]
    assert (await api.get(f"/opportunities/{opportunity['id']}")).json()["name"] == "Fours"


async def test_custom_field_definitions_and_values(account: Account) -> None:
    api = account.api
    ids = await _cf_ids(api)
    sync_field, channels = ids["synchronisation-altior"], ids["canaux-contact"]
    searched = await api.post(
        "/custom-fields/search", json={"filters": {"related_object": "contact"}}
    )
    assert sync_field in [f["id"] for f in searched.json()["data"]]
    definition = (await api.get(f"/custom-fields/{channels}")).json()
    choice = definition["parameters"]["items"][0]["id"]
    company = (await api.post("/companies", json={"type": "client", "name": "ACME"})).json()
    put = await api.put(
        f"/companies/{company['id']}/custom-fields",
        json=[{"id": sync_field, "value": True}, {"id": channels, "value": [choice]}],
    )
    assert put.status_code == 200
    values = (await api.get(f"/companies/{company['id']}/custom-fields")).json()["data"]
    by_id = {v["id"]: v["value"] for v in values}
    assert by_id[sync_field] is True and by_id[channels] == [choice]
    embedded = await api.post(
        "/companies/search",
        params=[("embed[]", f"cf.{sync_field}"), ("embed[]", f"cf.{channels}")],
        json={"filters": {}},
    )
    [item] = embedded.json()["data"]
    assert [(f["id"], f["value"]) for f in item["_embed"]["custom_fields"]] == [
        (sync_field, True),
        (channels, [choice]),
    ]
    one = await api.get(f"/companies/{company['id']}", params={"embed[]": f"cf.{sync_field}"})
    assert one.json()["_embed"]["custom_fields"][0]["value"] is True
    after = (await api.get(f"/companies/{company['id']}")).json()
    assert after["updated_at"] > company["updated_at"]


async def test_custom_field_values_on_contacts_individuals_and_opportunities(
    account: Account,
) -> None:
    api = account.api
    ids = await _cf_ids(api)
    contact = (await api.post("/contacts", json={"last_name": "Durand"})).json()
    individual = (
        await api.post("/individuals", json={"type": "client", "last_name": "Roux"})
    ).json()
    for path, field in (
        (f"/contacts/{contact['id']}", ids["synchronisation-altior"]),
        (f"/individuals/{individual['id']}", ids["synchronisation-altior"]),
    ):
        assert (
            await api.put(f"{path}/custom-fields", json=[{"id": field, "value": True}])
        ).status_code == 200
        shown = (await api.get(f"{path}/custom-fields")).json()["data"]
        assert {v["id"]: v["value"] for v in shown}[field] is True
    pipeline_id, steps = await _pipeline(api, "Ventes")
    opportunity = (
        await api.post(
            "/opportunities",
            json={
                "name": "Deal",
                "pipeline": pipeline_id,
                "step": steps["Signature"],
                "related": [{"id": individual["id"], "type": "individual"}],
            },
        )
    ).json()
    opp_field = ids["synchronisation-altior-opportunites"]
    path = f"/opportunities/{opportunity['id']}/custom-fields"
    assert (await api.put(path, json=[{"id": opp_field, "value": True}])).status_code == 200
    listed = await api.post(
        "/opportunities/search", params={"embed[]": f"cf.{opp_field}"}, json={"filters": {}}
    )
    assert listed.json()["data"][0]["_embed"]["custom_fields"][0]["value"] is True


async def test_errors_use_sellsy_shape_and_name_the_field(
    sandbox: SandboxHandle, account: Account
) -> None:
    """Bad requests on purpose: only the answers are spec-checked here."""
    api = sandbox.api_client(account.token, check_requests=False)
    bad = await api.post("/companies", json={"type": "client", "name": "x" * 300, "bogus": 1})
    assert bad.status_code == 400
    details = bad.json()["error"]["details"]
    assert set(details) == {"name", "bogus"}
    missing = await api.get("/companies/999")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404
    ids = await _cf_ids(api)
    company = (await api.post("/companies", json={"type": "client", "name": "ACME"})).json()
    wrong = await api.put(
        f"/companies/{company['id']}/custom-fields",
        json=[{"id": ids["synchronisation-altior"], "value": "oui"}],
    )
    assert wrong.status_code == 400 and "0.value" in wrong.json()["error"]["details"]
    no_step = await api.post(
        "/opportunities",
        json={"name": "x", "pipeline": 999, "step": 1, "related": [{"id": 1, "type": "company"}]},
    )
    assert no_step.status_code == 400 and "pipeline" in no_step.json()["error"]["details"]
    bad_limit = await api.get("/companies", params={"limit": 500})
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["error"]["details"]
    bad_cursor = await api.get("/companies", params={"offset": "pas-un-curseur"})
    assert bad_cursor.status_code == 400 and "offset" in bad_cursor.json()["error"]["details"]
    bad_json = await api.post(
        "/companies/search", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400
    unknown_filter = await api.post("/companies/search", json={"filters": {"updated": {}}})
    assert "filters.updated" in unknown_filter.json()["error"]["details"]
    await api.aclose()


async def test_deletes_answer_204_and_take_links_and_values_along(account: Account) -> None:
    api = account.api
    ids = await _cf_ids(api)
    company = (await api.post("/companies", json={"type": "client", "name": "ACME"})).json()
    contact = (await api.post("/contacts", json={"last_name": "Durand"})).json()
    await api.post(f"/companies/{company['id']}/contacts/{contact['id']}", json={"roles": []})
    field = ids["synchronisation-altior"]
    await api.put(f"/contacts/{contact['id']}/custom-fields", json=[{"id": field, "value": True}])
    verify = await api.put(
        f"/contacts/{contact['id']}", params={"verify": "true"}, json={"last_name": "Autre"}
    )
    assert verify.status_code == 204
    assert (await api.get(f"/contacts/{contact['id']}")).json()["last_name"] == "Durand"
    assert (await api.delete(f"/contacts/{contact['id']}")).status_code == 204
    assert (await api.get(f"/contacts/{contact['id']}")).status_code == 404
    assert (await api.get(f"/companies/{company['id']}/contacts")).json()["data"] == []
    again = (await api.post("/contacts", json={"last_name": "Nouveau"})).json()
    assert again["id"] == contact["id"] + 1  # ids are never reused
    values = (await api.get(f"/contacts/{again['id']}/custom-fields")).json()["data"]
    assert {v["id"]: v["value"] for v in values}[field] is None
