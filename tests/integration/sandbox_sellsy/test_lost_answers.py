"""The ``lose_answer`` fault: a write is made, then its connection closes unanswered."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration


async def test_a_lost_answer_leaves_the_write_made_and_says_so_in_the_call_log(
    sandbox: SandboxHandle,
) -> None:
    client_id, secret, account_id = await sandbox.create_account(per_second=0)
    token = await sandbox.token(client_id, secret)
    await sandbox.set_faults(account_id, lose_answer_next=1)
    async with sandbox.api_client(token) as api:
        # reads and searches are not writes: the countdown waits for a write
        assert (await api.get("/companies")).status_code == 200
        search = await api.post("/companies/search", json={"filters": {}})
        assert search.status_code == 200
        with pytest.raises(httpx.TransportError):
            await api.post("/companies", json={"type": "client", "name": "Dupré Frères"})
        # made all the same, and only once; service is back to normal
        found = await api.post("/companies/search", json={"filters": {"name": "Dupré Frères"}})
        assert [c["name"] for c in found.json()["data"]] == ["Dupré Frères"]
        assert (await api.post("/companies", json={"type": "client", "name": "Autre"})).is_success
    logged = [
        (c["method"], c["path"], c["status"], c["fault"])
        for c in await sandbox.calls(account_id)
        if c["path"] == "/v2/companies" and c["method"] == "POST"
    ]
    assert logged == [
        ("POST", "/v2/companies", 201, "lose_answer"),
        ("POST", "/v2/companies", 201, None),
    ]


async def test_a_share_of_writes_lose_their_answer(sandbox: SandboxHandle) -> None:
    client_id, secret, account_id = await sandbox.create_account(per_second=0)
    token = await sandbox.token(client_id, secret)
    await sandbox.set_faults(account_id, lose_answer_rate=1.0)
    async with sandbox.api_client(token) as api:
        assert (await api.get("/companies")).status_code == 200  # a read keeps its answer
        for name in ("A", "B"):
            with pytest.raises(httpx.TransportError):
                await api.post("/contacts", json={"last_name": name})
    await sandbox.set_faults(account_id)
    async with sandbox.api_client(token) as api:
        listed = await api.post("/contacts/search", json={"filters": {}})
        assert sorted(c["last_name"] for c in listed.json()["data"]) == ["A", "B"]
