"""Deal sync end to end (issue 7): real Kafka, both sandboxes over HTTP, a real worker.

What a user checks, acceptance by acceptance:
1. an opportunity moved to the trigger step appears in Altior in the trigger's
   establishment, on its company's third party (brought along), with Workflow and
   Etape; moving it to another step updates Etape;
2. a quote then an order added in Altior move the opportunity; a late quote does
   not move it back; closing the affaire moves it to the closing step with its status;
3. an Altior affaire appears in Sellsy as an opportunity of the right company;
4. ten more cycles after convergence write nothing;
5. ``opportunityAll`` (first start, then the CLI again) imports exactly the
   opportunities at or past a trigger, once;
6. a configuration naming a missing step is reported at start and turns off only
   that tenant's deal flow.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sync_streams.altior.writes import (
    AffaireCreate,
    AmountWrite,
    OrderCreate,
    QuoteCreate,
    ThirdPartyCreate,
)
from sync_streams.cli import main
from sync_streams.sellsy.models.writes import CompanyCreate, OpportunityCreate, OpportunityUpdate
from tests.support.stack import PARTITIONS, Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration

DEALS: dict[str, Any] = {
    "deals_import": True,
    "deals_export": True,
    "import_triggers": [
        {"pipeline": "Ventes", "step": "Signature", "establishments": ["ACME Paris"]}
    ],
    "on_quote_created": [{"pipeline": "Ventes", "step": "Devis envoyé"}],
    "on_order_created": [{"pipeline": "Ventes", "step": "Commande reçue"}],
    "on_deal_closed": [{"pipeline": "Ventes", "step": "Clôturé"}],
}


async def _steps(tenant: Tenant) -> dict[tuple[str, str], tuple[int, int]]:
    found = {}
    for pipeline in await tenant.sellsy.list_pipelines():
        for step in await tenant.sellsy.list_steps(pipeline.id):
            found[(str(pipeline.name), str(step.name))] = (pipeline.id, step.id)
    return found


async def _company(tenant: Tenant, name: str) -> int:
    made = await tenant.sellsy.create_company(
        CompanyCreate.model_validate({"type": "client", "name": name})
    )
    return made.id


async def _opportunity(
    tenant: Tenant, name: str, step: str, company: int, *, pipeline: str = "Ventes", **extra: Any
) -> int:
    pipeline_id, step_id = (await _steps(tenant))[(pipeline, step)]
    body = {
        "name": name,
        "pipeline": pipeline_id,
        "step": step_id,
        "amount": "12500.00",
        "related": [{"id": company, "type": "company"}],
        **extra,
    }
    return (await tenant.sellsy.create_opportunity(OpportunityCreate.model_validate(body))).id


async def _move(tenant: Tenant, opportunity: int, step: str) -> None:
    _, step_id = (await _steps(tenant))[("Ventes", step)]
    await tenant.sellsy.update_opportunity(opportunity, OpportunityUpdate(step=step_id))


async def _affaire(tenant: Tenant, opportunity: int) -> Any:
    return await tenant.altior.find_affaire_by_external_reference(str(opportunity))


async def _stands(tenant: Tenant, opportunity: int) -> tuple[str | None, str | None]:
    got = await tenant.sellsy.get_opportunity(opportunity)
    return (got.step.name if got.step else None), got.status


async def _writes(stack: Stack, tenant: Tenant) -> tuple[int, int]:
    sellsy = [
        c
        for c in await stack.sellsy_sandbox.calls(tenant.sellsy_account)
        if c["method"] in ("POST", "PUT")
        and "/search" not in c["path"]
        and "/oauth2/" not in c["path"]
    ]
    altior = [
        c
        for c in await (tenant.altior_sandbox or stack.altior_sandbox).calls(tenant.altior_key)
        if c["method"] in ("POST", "PATCH")
    ]
    return len(sellsy), len(altior)


def _euros(value: str) -> AmountWrite:
    return AmountWrite(value=Decimal(value))


async def test_trigger_import_moves_and_quiescence(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod", **DEALS)
        await stack.start_worker()
        establishments = {e.name: e.id for e in await acme.altior.list_establishments()}

        # 1. a company nobody flagged, an opportunity before the trigger, another at it
        company = await _company(acme, "Boulangerie Dupré")
        deal = await _opportunity(acme, "Four à sole", "Qualification", company)
        other = await _opportunity(acme, "Vitrine réfrigérée", "Signature", company)
        await wait_for(lambda: _affaire(acme, other), "the opportunity at the trigger in Altior")
        assert await _affaire(acme, deal) is None  # before its trigger: not imported

        await _move(acme, deal, "Signature")
        await wait_for(lambda: _affaire(acme, deal), "the opportunity moved to its trigger")
        affaire = await _affaire(acme, deal)
        assert affaire.name == "Four à sole"
        assert affaire.amount.value == Decimal("12500.00")
        assert affaire.establishment_ids == [establishments["ACME Paris"]]
        assert affaire.custom_fields["Workflow"] == "Ventes"
        assert affaire.custom_fields["Etape"] == "Signature"
        third_party = await acme.altior.get_third_party(affaire.third_party_id)
        assert third_party.name == "Boulangerie Dupré"  # brought along with its deal
        assert [r.value for r in third_party.external_references] == [str(company)]

        async def etape(wanted: str) -> bool:
            return bool(
                (await acme.altior.get_affaire(affaire.id)).custom_fields.get("Etape") == wanted
            )

        await _move(acme, deal, "Qualification")
        await wait_for(lambda: etape("Qualification"), "Etape follows the opportunity")

        # 2. quote, order, late quote, closure
        await acme.altior.add_quote(
            affaire.id, QuoteCreate(label="Devis four", amount=_euros("12500"))
        )

        async def at(step: str, status: str = "open") -> bool:
            return await _stands(acme, deal) == (step, status)

        await wait_for(lambda: at("Devis envoyé"), "the quote moves the opportunity")
        await wait_for(lambda: etape("Devis envoyé"), "and Etape follows the move")
        await acme.altior.add_order(
            affaire.id, OrderCreate(label="Commande four", amount=_euros("12500"))
        )
        await wait_for(lambda: at("Commande reçue"), "the order moves the opportunity")

        await acme.altior.add_quote(
            affaire.id, QuoteCreate(label="Devis tardif", amount=_euros("900"))
        )
        await wait_for(
            lambda: (
                stack.metric(
                    "sync_streams_deal_moves_total", tenant="acme-prod", outcome="backwards"
                )
                >= 1
            ),
            "the late quote handled",
        )
        assert await at("Commande reçue")  # not moved back

        await acme.altior.close_affaire(affaire.id, "won")
        await wait_for(lambda: at("Clôturé", "won"), "closing the affaire moves it, won")
        await wait_for(lambda: etape("Clôturé"), "Etape says where it ended")

        # 4. quiescence: ten more cycles write nothing on either side
        await asyncio.sleep(3 * stack.poll_interval)
        before = await _writes(stack, acme)
        await asyncio.sleep(10 * stack.poll_interval)
        assert await _writes(stack, acme) == before
        assert await _stands(acme, deal) == ("Clôturé", "won")


async def test_altior_affaire_becomes_an_opportunity_of_its_company(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod", **DEALS)
        await stack.start_worker()
        lyon = next(e.id for e in await acme.altior.list_establishments() if e.name == "ACME Lyon")
        third_party = await acme.altior.create_third_party(
            ThirdPartyCreate(kind="moral", name="Menuiserie Lefèvre", establishment_id=lyon)
        )
        plain = await acme.altior.create_affaire(
            AffaireCreate(
                name="Agencement atelier",
                third_party_id=third_party.id,
                establishment_ids=[lyon],
                amount=_euros("42000"),
            )
        )
        named = await acme.altior.create_affaire(
            AffaireCreate(
                name="Accord cadre",
                third_party_id=third_party.id,
                establishment_ids=[lyon],
                custom_fields={"Workflow": "Partenariats", "Etape": "Négociation"},
            )
        )

        async def opportunity_of(affaire_id: int) -> Any:
            affaire = await acme.altior.get_affaire(affaire_id)
            refs = [r.value for r in affaire.external_references if r.key == "SELLSY"]
            return await acme.sellsy.get_opportunity(int(refs[0])) if refs else None

        await wait_for(lambda: opportunity_of(plain.id), "the affaire in Sellsy")
        await wait_for(lambda: opportunity_of(named.id), "the other affaire in Sellsy")
        [company] = await acme.sellsy.find_companies(references=[f"ALTIOR-{third_party.id}"])
        first, second = await opportunity_of(plain.id), await opportunity_of(named.id)
        assert (first.name, first.company_id) == ("Agencement atelier", company.id)
        assert Decimal(first.amount.value) == Decimal("42000")
        assert (first.pipeline.name, first.step.name) == ("Ventes", "Prospection")
        assert (second.pipeline.name, second.step.name) == ("Partenariats", "Négociation")
        assert second.company_id == company.id
        fields = (await acme.altior.get_affaire(plain.id)).custom_fields
        assert (fields["Workflow"], fields["Etape"]) == ("Ventes", "Prospection")


async def test_opportunity_all_imports_at_or_past_a_trigger_once(
    kafka_url: str,
    unique_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod", deals_init_import_all=True, **DEALS)
        company = await _company(acme, "Fromagerie Lone")
        wanted = {
            await _opportunity(acme, "À la signature", "Signature", company),
            await _opportunity(acme, "Commandée", "Commande reçue", company),
            await _opportunity(acme, "Gagnée", "Clôturé", company, status="won"),
        }
        before = await _opportunity(acme, "En prospection", "Prospection", company)
        elsewhere = await _opportunity(
            acme, "Partenaire", "Accord signé", company, pipeline="Partenariats"
        )

        await stack.start_worker()  # first start: the initial load runs opportunityAll

        async def all_in() -> bool:
            return all([await _affaire(acme, opp) is not None for opp in wanted])

        await wait_for(all_in, "opportunities at or past the trigger in Altior", limit=90)
        assert await _affaire(acme, before) is None
        assert await _affaire(acme, elsewhere) is None
        won = await _affaire(acme, max(wanted))
        assert won.status == "won"

        # the CLI again: nothing new anywhere
        monkeypatch.setenv("SYNC_STREAMS_BROKER", kafka_url)
        monkeypatch.setenv("SYNC_STREAMS_TOPIC_PARTITIONS", str(PARTITIONS))
        handled = stack.metric(
            "sync_streams_events_total", tenant="acme-prod", direction="import", outcome="duplicate"
        )
        argv = ["init", "--tenant", "acme-prod", "--job", "opportunityAll"]
        argv += ["--tenants", str(stack.directory), "--prefix", unique_prefix]
        assert await asyncio.to_thread(main, argv) == 0
        assert "published 3" in capsys.readouterr().out

        def seen_again() -> bool:
            duplicates = stack.metric(
                "sync_streams_events_total",
                tenant="acme-prod",
                direction="import",
                outcome="duplicate",
            )
            return duplicates >= handled + 3

        await wait_for(seen_again, "the second run's events handled")
        affaires = [a async for page in acme.altior.affaire_pages() for a in page.items]
        assert sorted(str(a.name) for a in affaires) == ["Commandée", "Gagnée", "À la signature"]


async def test_a_missing_step_turns_off_only_that_tenants_deals(
    kafka_url: str, unique_prefix: str, tmp_path: Path
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        good = await stack.add_tenant("acme-prod", **DEALS)
        typo = {**DEALS, "on_quote_created": [{"pipeline": "Ventes", "step": "Devis signé"}]}
        bad = await stack.add_tenant("beta-prod", **typo)
        runtime = await stack.start_worker()

        beta = runtime.tenants.get("beta-prod")
        assert beta is not None
        assert set(beta.disabled) == {"deals"}
        line = beta.disabled["deals"]
        assert "deals.on_quote_created[0].step" in line and "'Devis signé'" in line
        acme = runtime.tenants.get("acme-prod")
        assert acme is not None and not acme.disabled

        def state(tenant: str, flow: str, value: str) -> bool:
            sample = stack.metric(
                "sync_streams_tenant_flow_state", tenant=tenant, flow=flow, state=value
            )
            return sample == 1

        await wait_for(lambda: state("beta-prod", "deals", "disabled"), "beta's deals disabled")
        assert state("beta-prod", "third_parties", "running")
        assert state("acme-prod", "deals", "running")

        # beta's third parties still sync; its deals do not; acme's deals do
        beta_company = await _company(bad, "Garage Martin")
        await bad.flag("companies", beta_company)
        beta_deal = await _opportunity(bad, "Pont élévateur", "Signature", beta_company)
        acme_company = await _company(good, "Boulangerie Dupré")
        acme_deal = await _opportunity(good, "Four à sole", "Signature", acme_company)

        async def beta_company_in_altior() -> bool:
            found = await bad.altior.find_third_party_by_external_reference(str(beta_company))
            return found is not None

        await wait_for(beta_company_in_altior, "beta's company in Altior")
        await wait_for(lambda: _affaire(good, acme_deal), "acme's deal in Altior")
        assert await _affaire(bad, beta_deal) is None
