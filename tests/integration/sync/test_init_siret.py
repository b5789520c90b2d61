"""``thirdPartyAll`` with SIRET matching against real Kafka, both sandboxes and a worker.

Pairs written differently are linked (not duplicated), invalid SIRETs never match,
an ambiguous SIRET is reported and left out, and a second run creates nothing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sync_streams.altior.writes import ThirdPartyCreate
from sync_streams.cli import main
from sync_streams.domain.siret import luhn_valid
from sync_streams.pipeline.mapping import name_key
from sync_streams.sellsy.models.writes import CompanyCreate
from tests.support.stack import PARTITIONS, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


def siret(head: str) -> str:
    """A valid SIRET starting with ``head`` (8 SIREN digits + 4 NIC digits): keys added."""
    siren = next(head[:8] + d for d in "0123456789" if luhn_valid(head[:8] + d))
    return next(siren + head[8:12] + d for d in "0123456789" if luhn_valid(siren + head[8:12] + d))


async def _sellsy_company(tenant: Tenant, name: str, number: str) -> int:
    made = await tenant.sellsy.create_company(
        CompanyCreate.model_validate(
            {"type": "client", "name": name, "legal_france": {"siret": number}}
        )
    )
    field = await tenant.sellsy_flag_field()
    await tenant.sellsy.set_custom_field_values("companies", made.id, {field: True})
    return made.id


async def _altior_tp(tenant: Tenant, name: str, number: str) -> int:
    made = await tenant.altior.create_third_party(
        ThirdPartyCreate.model_validate(
            {"kind": "moral", "name": name, "establishment_id": 1, "siret": number}
        )
    )
    return made.id


# names compared as the sync compares them (case and accents aside): the matched pair
# keeps the spelling of whichever side the first init event came from
EXPECTED_NAMES = (
    ["boulangerie dupre", "erreur siret", "erreur siret bis", "fromagerie lone", "garage martin"],
    [
        "boulangerie dupre",
        "erreur siret",
        "erreur siret bis",
        "fromagerie lone",
        "garage martin lyon",
        "garage martin villeurbanne",
    ],
)


async def _names(tenant: Tenant) -> tuple[list[str], list[str]]:
    sellsy = [c.name or "" async for c in tenant.sellsy.iter_companies()]
    altior = [t.name or "" async for page in tenant.altior.third_party_pages() for t in page.items]
    return sorted(map(name_key, sellsy)), sorted(map(name_key, altior))


async def _counts(tenant: Tenant) -> tuple[int, int]:
    sellsy = [c async for c in tenant.sellsy.iter_companies()]
    altior = [t async for page in tenant.altior.third_party_pages() for t in page.items]
    return len(sellsy), len(altior)


async def test_init_links_by_siret_reports_ambiguity_and_is_safe_twice(
    kafka_url: str,
    unique_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        same, shared, lone = siret("732829300007"), siret("442019980001"), siret("552100550001")
        pair_sellsy = await _sellsy_company(acme, "Boulangerie Dupré", same)
        pair_altior = await _altior_tp(
            acme, "BOULANGERIE DUPRE", f"{same[:3]} {same[3:6]} {same[6:9]} {same[9:]}"
        )
        amb_sellsy = await _sellsy_company(acme, "Garage Martin", shared)
        await _altior_tp(acme, "Garage Martin Lyon", shared)
        await _altior_tp(acme, "Garage Martin Villeurbanne", f"{shared[:9]}.{shared[9:]}")
        await _sellsy_company(acme, "Fromagerie Lone", lone)
        bad = "73282932000075"  # wrong Luhn key
        await _sellsy_company(acme, "Erreur SIRET", bad)
        await _altior_tp(acme, "Erreur SIRET bis", bad)

        monkeypatch.setenv("SYNC_STREAMS_BROKER", kafka_url)
        monkeypatch.setenv("SYNC_STREAMS_TOPIC_PARTITIONS", str(PARTITIONS))
        argv = [
            "init",
            "--tenant",
            "acme-prod",
            "--job",
            "thirdPartyAll",
            "--tenants",
            str(stack.directory),
            "--prefix",
            unique_prefix,
        ]
        assert await asyncio.to_thread(main, [*argv, "--dry-run"]) == 0
        dry = capsys.readouterr().out
        assert f"AMBIGUOUS SIRET {shared}" in dry and "1 SIRET matches" in dry
        assert await _counts(acme) == (4, 4)  # a dry run changes nothing

        await stack.start_worker()
        assert await asyncio.to_thread(main, argv) == 0
        out = capsys.readouterr().out
        assert "published" in out and f"AMBIGUOUS SIRET {shared}" in out

        # Sellsy companies not matched come to Altior, Altior ones go to Sellsy; the pair
        # is linked; the three ambiguous records are left alone.
        # Sellsy gains "Erreur SIRET bis"; Altior gains "Fromagerie Lone" and "Erreur SIRET"
        expected = (5, 6)

        async def settled() -> bool:
            return await _counts(acme) == expected

        await wait_for(settled, f"counts {expected}", limit=90)
        linked = await acme.altior.find_third_party_by_external_reference(str(pair_sellsy))
        assert linked is not None and linked.id == pair_altior
        assert await acme.altior.find_third_party_by_external_reference(str(amb_sellsy)) is None
        assert stack.metric("sync_streams_siret_ambiguous_total", tenant="acme-prod") >= 1

        assert await asyncio.to_thread(main, argv) == 0  # again: nothing new anywhere
        capsys.readouterr()
        await asyncio.sleep(5)
        assert await _names(acme) == EXPECTED_NAMES
