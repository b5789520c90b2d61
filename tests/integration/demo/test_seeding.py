"""The demo seeds both sandboxes as it says, checked through their APIs and admin surfaces."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sync_streams.demo import sample
from sync_streams.demo.altior_desk import AltiorDesk
from sync_streams.demo.seeding import seed_altior, seed_sellsy
from sync_streams.demo.sellsy_desk import SellsyDesk
from sync_streams.domain.siret import normalise_siret
from tests.support.altior_sandbox import altior_sandbox
from tests.support.sellsy_sandbox import running_sellsy_sandbox

pytestmark = pytest.mark.integration

CLIENT_ID = "0c4f0d3e-2f7a-4d5e-9a59-5f1c1a0b7e11"


async def test_both_sandboxes_are_seeded(tmp_path: Path) -> None:
    async with (
        running_sellsy_sandbox(tmp_path / "sellsy.db") as sellsy_box,
        altior_sandbox(tmp_path / "altior.db") as altior_box,
        httpx.AsyncClient(timeout=30) as http,
    ):
        sellsy = SellsyDesk(sellsy_box.root_url, http)
        seeded = await seed_sellsy(sellsy, client_id=CLIENT_ID, client_secret="secret-of-test")
        altior = AltiorDesk(altior_box.base_url, http)
        altior_seeded = await seed_altior(altior, api_key="altior-key-of-test")

        # The worker's client is the example's client id, with the secret the demo chose.
        token = await sellsy_box.token(CLIENT_ID, "secret-of-test")
        assert token
        assert await sellsy.count("company") == 20
        assert await sellsy.count("individual") == 3
        assert await sellsy.count("contact") == 8
        assert await sellsy.count("opportunity") == 4

        flagged_by_api = set()
        for company in await sellsy.list_all("company"):
            values = await sellsy.api("GET", f"/companies/{company['id']}/custom-fields")
            flag = [v for v in values["data"] if v["name"] == sample.FLAG_FIELD]
            if flag and flag[0]["value"] is True:
                flagged_by_api.add(int(company["id"]))
        assert flagged_by_api == set(seeded.flagged_ids("company"))
        assert 0 < len(flagged_by_api) < 20

        unlinked = [c for c in sample.SELLSY_CONTACTS if c.company is None]
        for contact in sample.SELLSY_CONTACTS:
            companies = await sellsy.api("GET", f"/contacts/{seeded.id_of(contact.key)}/companies")
            assert len(companies["data"]) == (0 if contact in unlinked else 1)

        pipeline, steps = await sellsy.steps("Ventes")
        opportunities = await sellsy.api("GET", "/opportunities", limit=100)
        assert {o["step"]["name"] for o in opportunities["data"]} == {
            o.step for o in sample.SELLSY_OPPORTUNITIES
        }
        assert {o["step"]["id"] for o in opportunities["data"]} <= set(steps.values())
        assert pipeline == seeded.pipeline_id

        # Altior: the tenant answers to the key the tenant file's env reference will hold.
        third_parties = await altior.list_all("third_party")
        assert len(third_parties) == 10
        assert len(await altior.list_all("contact")) == 2
        affaires = await altior.list_all("affaire")
        assert len(affaires) == 1 and affaires[0]["custom_fields"]["Workflow"] == "Ventes"
        quotes = await altior.api("GET", f"/affaires/{affaires[0]['id']}/quotes")
        assert len(quotes["items"]) == 1
        calls = await altior_box.admin.get(
            f"/_admin/tenants/{altior_seeded.tenant_id}/calls",
            params={"key_id": altior_seeded.worker_key_id},
        )
        assert calls.json()["items"] == []  # seeding used the admin surface and the demo's key
        sellsy_sirets = {
            normalise_siret(c.body.get("legal_france", {}).get("siret"))
            for c in sample.SELLSY_COMPANIES
        }
        shared = [t for t in third_parties if t["siret"] in sellsy_sirets - {None}]
        assert len(shared) >= 4  # three pairs and one SIRET held twice in Altior
        assert sorted(altior_seeded.ids.values()) == sorted(t["id"] for t in third_parties)
