"""Dead letters end to end: real Kafka, both sandboxes over HTTP, a real worker.

What a user checks (issue 6, acceptance 8): a malformed Sellsy record goes to the
dead-letter topic with the tenant, a reason and the faulty field, the other records
sync, and ``sync-streams dlq list`` shows it.  Malformed records are written into the
Sellsy sandbox's database directly, as a buggy Sellsy could answer them: the API and
the admin seed refuse them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from sync_streams.cli import main
from sync_streams.domain.events import DeadLetter
from sync_streams.sellsy.models.writes import CompanyCreate
from tests.support.stack import PARTITIONS, Stack, Tenant, sync_stack, wait_for

pytestmark = pytest.mark.integration


async def _in_altior(tenant: Tenant, sellsy_id: int) -> Any:
    return await tenant.altior.find_third_party_by_external_reference(str(sellsy_id))


def _of(letters: list[DeadLetter], sellsy_id: int) -> list[DeadLetter]:
    return [
        letter
        for letter in letters
        if isinstance(letter.original, dict) and letter.original.get("id") == sellsy_id
    ]


async def _letters_of(stack: Stack, sellsy_id: int) -> list[DeadLetter]:
    return _of(await stack.dead_letters(), sellsy_id)


async def test_malformed_sellsy_companies_are_dead_lettered_and_the_rest_syncs(
    kafka_url: str,
    unique_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with sync_stack(kafka_url, unique_prefix, tmp_path) as stack:
        acme = await stack.add_tenant("acme-prod")
        flag = await acme.sellsy_flag_field()
        seeded = await stack.sellsy_sandbox.seed(
            acme.sellsy_account,
            companies=[
                {"type": "client", "name": "Boulangerie Dupré"},
                {"type": "client", "name": "Legal en texte"},
                {"type": "client", "name": "Fromagerie Lone"},
            ],
            custom_field_values=[
                {"object": "company", "id": i, "values": [{"id": flag, "value": True}]}
                for i in (1, 2, 3)
            ],
        )
        good, bad_legal, other = seeded["companies"]
        await stack.raw_sellsy_edit(
            acme.sellsy_account, "company", bad_legal, legal_france="732 829 320 00074"
        )

        # first start: the initial load reads them all
        await stack.start_worker()
        await wait_for(lambda: _in_altior(acme, good), "well-formed company in Altior")
        await wait_for(lambda: _in_altior(acme, other), "second well-formed company in Altior")
        await wait_for(lambda: _letters_of(stack, bad_legal), "dead letter for legal_france")
        [letter] = await _letters_of(stack, bad_legal)
        assert (letter.tenant, letter.field, letter.stage) == ("acme-prod", "legal_france", "init")
        assert letter.reason and letter.original["legal_france"] == "732 829 320 00074"
        assert await _in_altior(acme, bad_legal) is None

        # live polling: a company whose update stamp is broken
        hidden = await acme.sellsy.create_company(
            CompanyCreate.model_validate({"type": "client", "name": "Société Cachée"})
        )
        await acme.flag("companies", hidden.id)
        await wait_for(lambda: _in_altior(acme, hidden.id), "flagged company in Altior")
        await stack.raw_sellsy_edit(
            acme.sellsy_account, "company", hidden.id, updated_at="pas une date", email="x@y.fr"
        )
        await wait_for(lambda: _letters_of(stack, hidden.id), "dead letter for the broken date")
        [broken] = await _letters_of(stack, hidden.id)
        assert (broken.tenant, broken.field, broken.stage) == ("acme-prod", "updated_at", "poll")

        # the stream goes on: a later change of another company syncs
        late = await acme.sellsy.create_company(
            CompanyCreate.model_validate({"type": "client", "name": "Garage Martin"})
        )
        await acme.flag("companies", late.id)
        await wait_for(lambda: _in_altior(acme, late.id), "company created after the bad ones")

        # a malformed record is dead-lettered once per malformed version, not once per poll
        await asyncio.sleep(5 * stack.poll_interval)
        letters = await stack.dead_letters()
        assert len(_of(letters, bad_legal)) == 1
        assert len(_of(letters, hidden.id)) == 1
        polled = stack.metric("sync_streams_dead_letters_total", tenant="acme-prod", stage="poll")
        assert polled == 1

        # ops see them
        monkeypatch.setenv("SYNC_STREAMS_TOPIC_PARTITIONS", str(PARTITIONS))
        argv = ["dlq", "list", "--broker", kafka_url, "--prefix", unique_prefix]
        assert await asyncio.to_thread(main, [*argv, "--tenant", "acme-prod"]) == 0
        out = capsys.readouterr().out
        rows = [line for line in out.splitlines() if "acme-prod" in line]
        assert len(rows) == 2
        assert any("legal_france" in row for row in rows)
        assert any("updated_at" in row for row in rows)
