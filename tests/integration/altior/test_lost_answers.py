"""The ``lose_answer`` fault: an Altior write is made, then its connection closes
unanswered -- and the client's creates carrying an external reference survive it."""

from __future__ import annotations

import pytest

from sync_streams.altior import AltiorClient, ThirdPartyCreate, sellsy_reference
from sync_streams.errors import ApiUnavailableError
from tests.support.altior_sandbox import AltiorSandbox

pytestmark = pytest.mark.integration


async def test_a_create_with_reference_whose_answer_is_lost_is_made_once(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    establishment = (await client.list_establishments())[0].id
    await sandbox.set_faults(api_key, lose_answer_next=1)
    created = await client.create_third_party(
        ThirdPartyCreate(
            kind="moral",
            name="Dupré",
            establishment_id=establishment,
            external_references=[sellsy_reference(48213)],
        )
    )
    assert created.external_value() == "48213"
    listed = [tp.id async for p in client.third_party_pages() for tp in p.items]
    assert listed == [created.id]  # the resent create found the first one's record
    assert client.stats.recovered_creates == 1
    posts = [
        (c["status"], c["fault"]) for c in await sandbox.calls(api_key) if c["method"] == "POST"
    ]
    assert posts == [(201, "lose_answer"), (409, None)]


async def test_a_plain_create_whose_answer_is_lost_was_made_but_not_resent(
    sandbox: AltiorSandbox, api_key: str, client: AltiorClient
) -> None:
    establishment = (await client.list_establishments())[0].id
    await sandbox.set_faults(api_key, lose_answer_rate=1.0)
    with pytest.raises(ApiUnavailableError):
        await client.create_third_party(
            ThirdPartyCreate(kind="moral", name="X", establishment_id=establishment)
        )
    await sandbox.set_faults(api_key)
    listed = [tp.name async for p in client.third_party_pages() for tp in p.items]
    assert listed == ["X"]
    reads = [c for c in await sandbox.calls(api_key) if c["method"] == "GET"]
    assert all(c["fault"] is None for c in reads)  # only writes lose their answer
