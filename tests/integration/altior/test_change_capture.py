"""Change capture over real HTTP: ``updated_since`` + cursor while records change.

The contract's guarantee (docs/altior-api.md): no change is missed, a record updated
during a listing comes back later with its new version, and an ``(id, updated_at)``
version is never returned twice.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sync_streams.altior import (
    AffaireCreate,
    AltiorClient,
    AmountWrite,
    Page,
    QuoteCreate,
    ThirdParty,
    ThirdPartyCreate,
    ThirdPartyUpdate,
)
from tests.support.altior_sandbox import AltiorSandbox

pytestmark = pytest.mark.integration

Version = tuple[int, datetime]


async def drain(pages: object) -> tuple[list[Version], str | None]:
    seen: list[Version] = []
    cursor = None
    async for page in pages:  # type: ignore[attr-defined]
        assert isinstance(page, Page) and page.errors == []
        seen += [(tp.id, tp.updated_at) for tp in page.items]
        cursor = page.next_cursor
    return seen, cursor


async def test_listing_while_records_change_misses_none_and_repeats_only_new_versions(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    seeded = await sandbox.seed(
        api_key,
        {
            "third_parties": [
                {"kind": "moral", "name": f"Société {n}", "establishment": "ACME Lyon"}
                for n in range(300)
            ]
        },
    )
    ids = seeded["third_parties"]
    [establishment] = [e.id for e in await client.list_establishments() if e.name == "ACME Lyon"]
    rng = random.Random(20240502)
    updated: Counter[int] = Counter()
    created: list[int] = []
    listing: list[Version] = []
    cursor: str | None = None

    async def rename(record_id: int, label: str) -> None:
        await client.update_third_party(record_id, ThirdPartyUpdate(name=label))
        updated[record_id] += 1

    async def create(label: str) -> None:
        record = await client.create_third_party(
            ThirdPartyCreate(kind="moral", name=label, establishment_id=establishment)
        )
        created.append(record.id)

    async for page in client.third_party_pages(updated_since=before, limit=25):
        listing += [(tp.id, tp.updated_at) for tp in page.items]
        cursor = page.next_cursor
        if len(listing) <= 250:
            # ERP users edit records already listed and not yet listed, and add new ones,
            # concurrently, while the listing is half-way
            seen_ids = sorted({i for i, _ in listing})
            unseen = sorted(set(ids) - set(seen_ids))
            targets = rng.sample(seen_ids, 2) + rng.sample(unseen, 2)
            await asyncio.gather(
                *(rename(t, f"Renommée {len(listing)}-{t}") for t in targets),
                create(f"Nouvelle {len(listing)}"),
            )
    # the next poll resumes from the stored cursor and finds nothing missed
    next_poll, _ = await drain(client.third_party_pages(cursor=cursor, limit=25))
    seen = listing + next_poll

    truth, _ = await drain(client.third_party_pages(limit=200))
    assert {record_id for record_id, _ in truth} == set(ids) | set(created)
    assert set(truth) <= set(seen), "a final version was missed"
    assert len(seen) == len(set(seen)), "a version was returned twice"
    repeated = {record_id for record_id, count in Counter(i for i, _ in seen).items() if count > 1}
    assert repeated <= set(updated), "only records that changed may come back"
    assert repeated, "records listed then edited must come back with their new version"
    assert next_poll == [], "the listing itself caught every change made while it ran"


async def test_a_poller_resumes_from_its_cursor_and_sees_only_newer_changes(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    seeded = await sandbox.seed(
        api_key,
        {
            "third_parties": [
                {"kind": "moral", "name": f"T{n}", "establishment": "ACME Paris"} for n in range(5)
            ]
        },
    )
    first, cursor = await drain(client.third_party_pages(limit=2))
    assert [i for i, _ in first] == seeded["third_parties"]
    nothing, same_cursor = await drain(client.third_party_pages(cursor=cursor))
    assert nothing == [] and same_cursor == cursor
    await client.update_third_party(seeded["third_parties"][1], ThirdPartyUpdate(archived=True))
    changed, _ = await drain(client.third_party_pages(cursor=cursor))
    assert [i for i, _ in changed] == [seeded["third_parties"][1]]
    archived_only = [p async for p in client.third_party_pages(archived=True)]
    assert [tp.id for tp in archived_only[0].items] == [seeded["third_parties"][1]]


async def test_new_quotes_are_found_by_polling_quotes_not_the_affaire(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    seeded = await sandbox.seed(
        api_key,
        {"third_parties": [{"kind": "moral", "name": "Dupré", "establishment": "ACME Lyon"}]},
    )
    [establishment] = [e.id for e in await client.list_establishments() if e.name == "ACME Lyon"]
    affaire = await client.create_affaire(
        AffaireCreate(
            name="Four",
            third_party_id=seeded["third_parties"][0],
            establishment_ids=[establishment],
            custom_fields={"Workflow": "Ventes", "Etape": "Proposition"},
        )
    )
    _, affaires_cursor = await drain(client.affaire_pages())
    quotes_before = [p async for p in client.quote_pages()]
    quote = await client.add_quote(
        affaire.id, QuoteCreate(label="Devis", amount=AmountWrite(value="18500"))
    )
    new_quotes = [
        q async for p in client.quote_pages(cursor=quotes_before[-1].next_cursor) for q in p.items
    ]
    assert [q.id for q in new_quotes] == [quote.id]
    assert new_quotes[0].affaire_id == affaire.id and new_quotes[0].created_at is not None
    assert (await client.get_affaire(affaire.id)).updated_at == affaire.updated_at
    unchanged: list[ThirdParty] = []
    async for page in client.affaire_pages(cursor=affaires_cursor):
        unchanged += page.items  # type: ignore[arg-type]
    assert unchanged == []
