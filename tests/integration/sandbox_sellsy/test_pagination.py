"""Seek pagination over 1,000 companies while some of them change.

The documented rule (docs/sellsy-sandbox.md): the cursor is the last row's sort
key and the next page starts strictly after it, on the data as it is *now*.
So, ordering by ``updated_at``, a record edited after being read moves behind
the cursor and is read again at the end (once more, with its new version);
one edited before being read is read once.  Ordering by ``id``, every record is
read exactly once and records created during the listing come at the end.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.integration.sandbox_sellsy.conftest import Account
from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration
TOTAL = 1000


async def _list_all(
    api: httpx.AsyncClient, params: dict[str, Any], on_page: Any = None
) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    offset: str | None = None
    pages = 0
    while True:
        query = {**params, "limit": 100, **({"offset": offset} if offset else {})}
        answer = (await api.post("/companies/search", params=query, json={"filters": {}})).json()
        seen.extend(answer["data"])
        pages += 1
        if on_page is not None:
            await on_page(pages, answer["data"])
        if answer["pagination"]["count"] < 100:
            return seen
        offset = answer["pagination"]["offset"]


async def test_updated_at_order_sees_everything_and_rereads_only_records_edited_after_read(
    sandbox: SandboxHandle, account: Account
) -> None:
    ids = (await sandbox.seed(account.account_id, generate={"companies": TOTAL}))["companies"]
    edited_after_read: set[int] = set()
    edited_before_read: set[int] = set()

    async def edit(page: int, rows: list[dict[str, Any]]) -> None:
        if page in (3, 6):
            read_ids = [rows[0]["id"], rows[50]["id"]]
            ahead = ids[page * 100 + 150], ids[page * 100 + 260]
            for ident in (*read_ids, *ahead):
                await account.api.put(f"/companies/{ident}", json={"note": f"page {page}"})
            edited_after_read.update(read_ids)
            edited_before_read.update(ahead)

    seen = await _list_all(account.api, {"order": "updated_at"}, edit)
    counts = Counter(row["id"] for row in seen)
    assert set(counts) == set(ids)  # none missed
    assert {i for i, n in counts.items() if n == 2} == edited_after_read
    assert max(counts.values()) == 2
    last = {row["id"]: row for row in seen}
    assert all(last[i]["note"].startswith("page") for i in edited_after_read | edited_before_read)
    stamps = [row["updated_at"] for row in seen]
    assert stamps == sorted(stamps)


async def test_id_order_sees_each_record_exactly_once_and_new_ones_at_the_end(
    sandbox: SandboxHandle, account: Account
) -> None:
    ids = (await sandbox.seed(account.account_id, generate={"companies": TOTAL}))["companies"]
    created: list[int] = []

    async def churn(page: int, rows: list[dict[str, Any]]) -> None:
        if page == 4:
            await account.api.put(f"/companies/{rows[10]['id']}", json={"note": "déjà lue"})
            await account.api.put(f"/companies/{ids[800]}", json={"note": "pas encore lue"})
            new = await account.api.post("/companies", json={"type": "client", "name": "Nouvelle"})
            created.append(new.json()["id"])

    seen = await _list_all(account.api, {}, churn)
    assert [row["id"] for row in seen] == [*ids, *created]
    assert {row["id"]: row["note"] for row in seen}[ids[800]] == "pas encore lue"


async def test_cursor_is_sellsy_shaped_and_numeric_offsets_work(account: Account) -> None:
    api = account.api
    for name in ("Alpha", "Bravo", "Charlie"):
        await api.post("/companies", json={"type": "client", "name": name})
    first = (await api.get("/companies", params={"limit": 2})).json()
    assert first["pagination"] == {
        "limit": 2,
        "count": 2,
        "total": 3,
        "offset": first["pagination"]["offset"],
    }
    assert json.loads(base64.b64decode(first["pagination"]["offset"])) == ["2"]
    rest = (
        await api.get("/companies", params={"limit": 2, "offset": first["pagination"]["offset"]})
    ).json()
    assert [c["name"] for c in rest["data"]] == ["Charlie"]
    numeric = (await api.get("/companies", params={"limit": 2, "offset": 1})).json()
    assert [c["name"] for c in numeric["data"]] == ["Bravo", "Charlie"]
    assert numeric["pagination"]["offset"] == 1
    by_name = (
        await api.get("/companies", params={"order": "name", "direction": "desc", "limit": 1})
    ).json()
    cursor = by_name["pagination"]["offset"]
    assert json.loads(base64.b64decode(cursor)) == ["charlie", "3"]
    after = (
        await api.get("/companies", params={"order": "name", "direction": "desc", "offset": cursor})
    ).json()
    assert [c["name"] for c in after["data"]] == ["Bravo", "Alpha"]
    empty = (await api.get("/companies", params={"offset": rest["pagination"]["offset"]})).json()
    assert empty["data"] == [] and empty["pagination"]["offset"] == rest["pagination"]["offset"]


async def test_updated_range_polling_finds_each_change_once(
    sandbox: SandboxHandle, account: Account
) -> None:
    """The poller's pattern: a window [last_seen, now], ordered by updated_at."""
    await sandbox.seed(account.account_id, generate={"companies": 30})
    api = account.api
    everything = (await api.get("/companies", params={"order": "updated_at", "limit": 100})).json()
    mark = everything["data"][-1]["updated_at"]
    await api.put("/companies/7", json={"note": "modifiée"})
    await api.put("/companies/3", json={"note": "modifiée"})
    window = {"updated_at": {"start": mark}}
    found = (
        await api.post(
            "/companies/search", params={"order": "updated_at"}, json={"filters": window}
        )
    ).json()
    assert [c["id"] for c in found["data"]] == [30, 7, 3]  # start is inclusive
