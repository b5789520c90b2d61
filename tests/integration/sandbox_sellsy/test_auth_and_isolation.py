"""OAuth2 client credentials, token expiry and revocation, and account isolation."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration


async def test_token_carries_the_account_and_opens_the_api(sandbox: SandboxHandle) -> None:
    client_id, secret, account_id = await sandbox.create_account(token_lifetime=1800)
    answer = await sandbox.admin.post(
        sandbox.token_url,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    claims = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[1] + "=="))
    assert claims["corpId"] == account_id
    async with sandbox.api_client(body["access_token"]) as api:
        assert (await api.get("/companies")).status_code == 200


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "client_credentials", "client_id": "inconnu", "client_secret": "x" * 20},
        {"grant_type": "password", "client_id": "a", "client_secret": "b"},
        {"grant_type": "client_credentials"},
    ],
)
async def test_bad_token_requests_are_refused(sandbox: SandboxHandle, form: dict[str, str]) -> None:
    answer = await sandbox.admin.post(sandbox.token_url, data=form)
    assert answer.status_code in (400, 401)
    assert "error" in answer.json() and "access_token" not in answer.json()


async def test_wrong_secret_is_refused(sandbox: SandboxHandle) -> None:
    client_id, _secret, _ = await sandbox.create_account()
    answer = await sandbox.admin.post(
        sandbox.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "faux" * 5,
        },
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


async def test_missing_forged_expired_and_revoked_tokens_get_401(sandbox: SandboxHandle) -> None:
    client_id, secret, account_id = await sandbox.create_account(per_second=0)
    for token in (None, "abc.def.ghi"):
        async with sandbox.api_client(token) as api:
            answer = await api.get("/companies")
            assert answer.status_code == 401 and answer.json()["error"]["code"] == 401
    await sandbox.set_faults(account_id, token_lifetime=0)
    expired = await sandbox.token(client_id, secret)
    await sandbox.set_faults(account_id)
    async with sandbox.api_client(expired) as api:
        answer = await api.get("/companies")
        assert answer.status_code == 401
        assert "expiré" in answer.json()["error"]["message"]
    fresh = await sandbox.token(client_id, secret)
    await sandbox.expire_tokens(account_id)
    async with sandbox.api_client(fresh) as api:
        assert (await api.get("/companies")).status_code == 401
    renewed = await sandbox.token(client_id, secret)
    async with sandbox.api_client(renewed) as api:
        assert (await api.get("/companies")).status_code == 200


async def test_accounts_have_their_own_ids_and_never_see_each_other(
    sandbox: SandboxHandle,
) -> None:
    tokens = []
    for name in ("Boulangerie", "Garage"):
        client_id, secret, _ = await sandbox.create_account(name, per_second=0)
        tokens.append(await sandbox.token(client_id, secret))
    async with sandbox.api_client(tokens[0]) as a, sandbox.api_client(tokens[1]) as b:
        first_a = (await a.post("/companies", json={"type": "client", "name": "Pain"})).json()
        second_a = (await a.post("/companies", json={"type": "client", "name": "Croissant"})).json()
        first_b = (await b.post("/companies", json={"type": "client", "name": "Pneu"})).json()
        assert first_a["id"] == first_b["id"] == 1
        assert (await b.get("/companies/1")).json()["name"] == "Pneu"
        assert (await b.get(f"/companies/{second_a['id']}")).status_code == 404
        listed_b = (await b.post("/companies/search", json={"filters": {}})).json()
        assert [c["name"] for c in listed_b["data"]] == ["Pneu"]
        assert (
            await b.put(f"/companies/{second_a['id']}", json={"name": "Vol"})
        ).status_code == 404
        assert (await a.get("/companies/1")).json()["name"] == "Pain"


async def test_a_client_of_one_account_cannot_reach_another_with_its_token(
    sandbox: SandboxHandle,
) -> None:
    """Two API clients of one account share its data; a second account stays apart."""
    client_id, secret, account_id = await sandbox.create_account(per_second=0)
    other_id, other_secret = await sandbox.create_client(account_id, "Second client")
    async with (
        sandbox.api_client(await sandbox.token(client_id, secret)) as first,
        sandbox.api_client(await sandbox.token(other_id, other_secret)) as second,
    ):
        created = (await first.post("/contacts", json={"last_name": "Durand"})).json()
        assert (await second.get(f"/contacts/{created['id']}")).status_code == 200
    calls = await sandbox.calls(account_id, client_id=other_id)
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("POST", "/oauth2/access-tokens", 200),
        ("GET", f"/v2/contacts/{created['id']}", 200),
    ]


async def test_unknown_routes_answer_sellsy_errors(sandbox: SandboxHandle) -> None:
    client_id, secret, _ = await sandbox.create_account(per_second=0)
    token = await sandbox.token(client_id, secret)
    async with httpx.AsyncClient(
        base_url=sandbox.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        for method, path in (
            ("GET", "/nothing-here"),
            ("PATCH", "/companies/1"),
            ("GET", "/companies/abc"),
        ):
            answer = await api.request(method, path)
            assert answer.status_code in (404, 405)
            assert answer.json()["error"]["code"] == answer.status_code
