"""The sandbox's answers -- successes and every documented error -- match the contract.

Raw HTTP (no client), so the sandbox is also checked on requests our client would
never send (bad cursor, unknown types, no key...).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.altior_sandbox import AltiorSandbox
from tests.support.altior_spec import SpecCheckingTransport

pytestmark = pytest.mark.integration

USER = {"X-Altior-User": "sync.sellsy"}


@pytest.fixture
async def checked(
    sandbox: AltiorSandbox, api_key: str
) -> AsyncIterator[tuple[httpx.AsyncClient, SpecCheckingTransport]]:
    transport = SpecCheckingTransport(httpx.AsyncHTTPTransport(), check_requests=False)
    async with httpx.AsyncClient(
        base_url=sandbox.api_url, transport=transport, headers={"X-Api-Key": api_key}
    ) as raw:
        yield raw, transport
    assert transport.problems == [], "\n\n".join(transport.problems)


def err(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


async def test_every_answer_matches_the_contract(
    sandbox: AltiorSandbox,
    api_key: str,
    checked: tuple[httpx.AsyncClient, SpecCheckingTransport],
) -> None:
    raw, transport = checked
    for path in (
        "/establishments",
        "/users",
        "/admin/civilities",
        "/admin/email-types",
        "/admin/phone-types",
        "/admin/url-types",
        "/admin/codifications",
        "/admin/custom-fields?object=affaire",
    ):
        assert (await raw.get(path)).status_code == 200
    establishment = (await raw.get("/establishments")).json()["items"][0]["id"]

    tp = await raw.post(
        "/third-parties",
        headers=USER,
        json={
            "kind": "moral",
            "name": "Dupré",
            "establishment_id": establishment,
            "siret": "732.829.320.00074",
            "custom_fields": {"Secteur": "Commerce"},
            "phones": [{"type": "Fixe", "value": "04 78 12 34 56"}],
            "urls": [{"type": "Site web", "value": "https://www.dupre.fr"}],
            "external_references": [{"codification": "EXTERNAL", "key": "SELLSY", "value": "1"}],
        },
    )
    assert tp.status_code == 201
    tp_id = tp.json()["id"]
    contact = await raw.post(
        "/contacts",
        headers=USER,
        json={
            "last_name": "Dupré",
            "civility": "M",
            "third_party_id": tp_id,
            "establishment_id": establishment,
            "custom_fields": {"Newsletter": True},
        },
    )
    assert contact.status_code == 201
    affaire = await raw.post(
        "/affaires",
        json={
            "created_by": tp.json()["created_by"],
            "name": "Four",
            "third_party_id": tp_id,
            "establishment_ids": [establishment],
            "amount": {"value": "18500", "currency": "EUR"},
            "custom_fields": {"Workflow": "Ventes", "Etape": "Proposition"},
        },
    )
    assert affaire.status_code == 201, affaire.text
    assert affaire.json()["amount"]["value"] == "18500.00"
    aff_id = affaire.json()["id"]
    assert (
        await raw.post(
            f"/affaires/{aff_id}/quotes",
            headers=USER,
            json={"label": "Devis", "amount": {"value": "18500.00", "currency": "EUR"}},
        )
    ).status_code == 201
    assert (
        await raw.post(
            f"/affaires/{aff_id}/orders",
            headers=USER,
            json={
                "label": "Commande",
                "amount": {"value": "18500.00", "currency": "EUR"},
                "status": "confirmed",
            },
        )
    ).status_code == 201
    for path in (
        f"/third-parties/{tp_id}",
        f"/contacts/{contact.json()['id']}",
        f"/affaires/{aff_id}",
        f"/affaires/{aff_id}/quotes",
        f"/affaires/{aff_id}/orders",
        "/quotes",
        "/orders",
        "/contacts?linked=true",
        "/affaires?status=open",
        "/third-parties?siret=73282932000074&archived=false&kind=moral",
        "/third-parties?external_key=SELLSY&external_value=1",
    ):
        assert (await raw.get(path)).status_code == 200, path
    assert (
        await raw.patch(
            f"/contacts/{contact.json()['id']}", headers=USER, json={"third_party_id": None}
        )
    ).status_code == 200
    closed = await raw.post(f"/affaires/{aff_id}/close", headers=USER, json={"status": "won"})
    assert closed.json()["status"] == "won" and closed.json()["closed_at"]

    # --- every documented error, each naming what is wrong --------------------------
    unknown_type = await raw.post(
        "/third-parties",
        headers=USER,
        json={
            "kind": "moral",
            "name": "X",
            "establishment_id": establishment,
            "phones": [{"type": "Fixe", "value": "01"}, {"type": "Bureau", "value": "02"}],
        },
    )
    assert unknown_type.status_code == 422 and err(unknown_type)["field"] == "phones[1].type"
    assert "Bureau" in err(unknown_type)["message"]
    no_user = await raw.post(
        "/third-parties", json={"kind": "moral", "name": "X", "establishment_id": establishment}
    )
    assert no_user.status_code == 422 and err(no_user)["field"] == "created_by"
    unknown_field = await raw.patch(f"/third-parties/{tp_id}", headers=USER, json={"phone": []})
    assert unknown_field.status_code == 422 and err(unknown_field)["field"] == "phone"
    duplicate = await raw.post(
        "/third-parties",
        headers=USER,
        json={
            "kind": "moral",
            "name": "Y",
            "establishment_id": establishment,
            "external_references": [{"codification": "EXTERNAL", "key": "SELLSY", "value": "1"}],
        },
    )
    assert duplicate.status_code == 409 and err(duplicate)["details"][0]["record_id"] == tp_id
    closed_quote = await raw.post(
        f"/affaires/{aff_id}/quotes",
        headers=USER,
        json={"label": "Devis", "amount": {"value": "1.00", "currency": "EUR"}},
    )
    assert closed_quote.status_code == 409 and err(closed_quote)["code"] == "affaire_closed"
    other_status = await raw.post(
        f"/affaires/{aff_id}/close", headers=USER, json={"status": "lost"}
    )
    assert other_status.status_code == 409 and err(other_status)["code"] == "already_closed"
    bad_cursor = await raw.get("/third-parties?cursor=nope")
    assert bad_cursor.status_code == 400 and err(bad_cursor)["field"] == "cursor"
    bad_limit = await raw.get("/contacts?limit=201")
    assert bad_limit.status_code == 400 and err(bad_limit)["field"] == "limit"
    bad_since = await raw.get("/affaires?updated_since=hier")
    assert bad_since.status_code == 400 and err(bad_since)["field"] == "updated_since"
    bad_json = await raw.post(
        "/contacts", headers={**USER, "Content-Type": "application/json"}, content=b"{not json"
    )
    assert bad_json.status_code == 400
    assert (await raw.get("/third-parties/999999")).status_code == 404
    assert (await raw.get("/affaires/999999/quotes")).status_code == 404
    no_key = await raw.get("/third-parties", headers={"X-Api-Key": ""})
    assert no_key.status_code == 401

    await sandbox.set_faults(api_key, fail_next=1)
    assert (await raw.get("/users")).status_code == 500
    await sandbox.set_faults(api_key)
    await sandbox.set_quotas(api_key, per_second=2)
    burst = [await raw.get("/users") for _ in range(4)]
    limited = [r for r in burst if r.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].headers["X-Quota-Remaining-By-Second"] == "0"
    assert set(transport.statuses) >= {200, 201, 400, 401, 404, 409, 422, 429, 500}


async def test_a_cursor_is_only_valid_on_the_list_that_issued_it(
    checked: tuple[httpx.AsyncClient, SpecCheckingTransport],
) -> None:
    raw, _ = checked
    cursor = (await raw.get("/establishments?limit=1")).json()["next_cursor"]
    assert cursor
    assert (await raw.get(f"/establishments?cursor={cursor}")).status_code == 200
    foreign = await raw.get(f"/third-parties?cursor={cursor}")
    assert foreign.status_code == 400 and err(foreign)["code"] == "invalid_cursor"
