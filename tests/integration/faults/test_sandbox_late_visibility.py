"""The sandboxes' ``late_visibility_seconds`` fault and the Altior seed's ``updated_at``.

The fault matrix's cursor scenario (docs/reliability.md, scenario 8) needs records that
carry the ``updated_at`` of their write but show up in listings only later, as behind a
long transaction or a lagging replica, and records sharing one timestamp.  What a client
sees: a listing leaves such a record out while its visibility has not come, a read by id
finds it, and once it shows it carries its old stamp.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.altior_sandbox import AltiorSandbox, altior_sandbox
from tests.support.sellsy_sandbox import SandboxHandle, running_sellsy_sandbox
from tests.support.stack import wait_for

pytestmark = pytest.mark.integration

HOUR = 3600


@pytest.fixture
async def sellsy(tmp_path: Path) -> AsyncIterator[SandboxHandle]:
    async with running_sellsy_sandbox(tmp_path / "sellsy.db") as sandbox:
        yield sandbox


@pytest.fixture
async def altior(tmp_path: Path) -> AsyncIterator[AltiorSandbox]:
    async with altior_sandbox(tmp_path / "altior.db") as sandbox:
        yield sandbox


async def _sellsy_names(sandbox: SandboxHandle, token: str, **filters: Any) -> list[str]:
    async with sandbox.api_client(token) as api:
        response = await api.post(
            "/companies/search", json={"filters": filters}, params={"limit": 100}
        )
        response.raise_for_status()
        return [str(c["name"]) for c in response.json()["data"]]


async def test_sellsy_record_written_under_late_visibility_is_listed_only_later(
    sellsy: SandboxHandle,
) -> None:
    client_id, secret, account = await sellsy.create_account()
    token = await sellsy.token(client_id, secret)
    before = datetime.now(UTC)
    [early] = (await sellsy.seed(account, companies=[{"type": "client", "name": "Avant"}]))[
        "companies"
    ]
    await sellsy.set_faults(account, late_visibility_seconds=HOUR)
    [hidden] = (await sellsy.seed(account, companies=[{"type": "client", "name": "Tardive"}]))[
        "companies"
    ]
    async with sellsy.api_client(token) as api:  # a user's rename, under the fault too
        renamed = await api.put(f"/companies/{early}", json={"name": "Avant renommée"})
        renamed.raise_for_status()
    await sellsy.set_faults(account)  # off: what is written now shows at once
    await sellsy.seed(account, companies=[{"type": "client", "name": "Immédiate"}])

    assert await _sellsy_names(sellsy, token) == ["Immédiate"]
    window = {"updated_at": {"start": before.isoformat(timespec="seconds")}}
    assert await _sellsy_names(sellsy, token, **window) == ["Immédiate"]
    async with sellsy.api_client(token) as api:  # a read by id finds it
        found = await api.get(f"/companies/{hidden}")
        assert found.status_code == 200
        stamp = datetime.fromisoformat(found.json()["updated_at"])
        assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC)
        assert (await api.get(f"/companies/{early}")).json()["name"] == "Avant renommée"


async def test_sellsy_late_record_shows_once_its_delay_ran_out(sellsy: SandboxHandle) -> None:
    client_id, secret, account = await sellsy.create_account()
    token = await sellsy.token(client_id, secret)
    await sellsy.set_faults(account, late_visibility_seconds=1)
    await sellsy.seed(account, companies=[{"type": "client", "name": "Bientôt"}])
    await sellsy.set_faults(account)
    assert await _sellsy_names(sellsy, token) == []

    async def listed() -> bool:
        return await _sellsy_names(sellsy, token) == ["Bientôt"]

    await wait_for(listed, "the late company listed", limit=30)


async def test_sellsy_late_visibility_is_checked(sellsy: SandboxHandle) -> None:
    _, _, account = await sellsy.create_account()
    with pytest.raises(AssertionError, match="late_visibility_seconds"):
        await sellsy.set_faults(account, late_visibility_seconds=-1)


async def _altior_names(sandbox: AltiorSandbox, key: str, **params: Any) -> list[str]:
    response = await sandbox.admin.get(
        sandbox.api_url + "/third-parties", params=params, headers={"X-Api-Key": key}
    )
    response.raise_for_status()
    return [str(t["name"]) for t in response.json()["items"]]


def _moral(name: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "moral", "name": name, "establishment": "ACME Lyon", **extra}


async def test_altior_record_written_under_late_visibility_is_listed_only_later(
    altior: AltiorSandbox,
) -> None:
    key = await altior.create_tenant("acme")
    [early] = (await altior.seed(key, {"third_parties": [_moral("Avant")]}))["third_parties"]
    await altior.set_faults(key, late_visibility_seconds=HOUR)
    [hidden] = (await altior.seed(key, {"third_parties": [_moral("Tardive")]}))["third_parties"]
    renamed = await altior.admin.patch(  # a user's update, under the fault too
        f"{altior.api_url}/third-parties/{early}",
        json={"name": "Avant renommée"},
        headers={"X-Api-Key": key, "X-Altior-User": "sync.sellsy"},
    )
    renamed.raise_for_status()
    await altior.set_faults(key)
    await altior.seed(key, {"third_parties": [_moral("Immédiate")]})

    assert await _altior_names(altior, key) == ["Immédiate"]
    found = await altior.admin.get(
        f"{altior.api_url}/third-parties/{hidden}", headers={"X-Api-Key": key}
    )
    assert found.status_code == 200
    stamp = found.json()["updated_at"]
    listed = await altior.admin.get(
        altior.api_url + "/third-parties", params={"updated_since": stamp},
        headers={"X-Api-Key": key},
    )  # fmt: skip
    assert [t["name"] for t in listed.json()["items"]] == ["Immédiate"]


async def test_altior_late_record_shows_once_its_delay_ran_out(altior: AltiorSandbox) -> None:
    key = await altior.create_tenant("acme")
    await altior.set_faults(key, late_visibility_seconds=1)
    await altior.seed(key, {"third_parties": [_moral("Bientôt")]})
    await altior.set_faults(key)
    assert await _altior_names(altior, key) == []

    async def listed() -> bool:
        return await _altior_names(altior, key) == ["Bientôt"]

    await wait_for(listed, "the late third party listed", limit=30)


async def test_altior_late_visibility_is_checked(altior: AltiorSandbox) -> None:
    key = await altior.create_tenant("acme")
    with pytest.raises(AssertionError, match="late_visibility_seconds"):
        await altior.set_faults(key, late_visibility_seconds=-1)


async def test_altior_seed_imposes_a_shared_updated_at_and_pages_split_no_tie(
    altior: AltiorSandbox,
) -> None:
    key = await altior.create_tenant("acme")
    stamp = "2026-01-05T10:00:00.123456Z"
    names = [f"Même instant {n:02d}" for n in range(7)]
    await altior.seed(key, {"third_parties": [_moral(n, updated_at=stamp) for n in names]})
    await altior.seed(key, {"third_parties": [_moral("Plus tard")]})

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"updated_since": stamp, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = await altior.admin.get(
            altior.api_url + "/third-parties", params=params, headers={"X-Api-Key": key}
        )
        body = page.json()
        seen += [t["name"] for t in body["items"]]
        assert all(t["updated_at"] == stamp for t in body["items"] if t["name"] != "Plus tard")
        if not body["has_more"]:
            break
        cursor = body["next_cursor"]
    assert seen == [*names, "Plus tard"]
    after = await altior.admin.get(
        altior.api_url + "/third-parties",
        params={"updated_since": "2026-01-05T10:00:00.123457Z"},
        headers={"X-Api-Key": key},
    )
    assert [t["name"] for t in after.json()["items"]] == ["Plus tard"]
