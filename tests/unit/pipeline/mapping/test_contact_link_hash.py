"""A Sellsy contact linked to a company later is a change (found by the contacts e2e test).

The poller records a contact's first company as ``_company_id`` in its snapshot; if
the hash ignored it, a contact first seen unlinked (filtered) and linked afterwards
would only produce duplicates and never come down with its company.
"""

from __future__ import annotations

from sync_streams.pipeline.mapping import sync_hash

from .samples import CONFIG, sellsy_contact


def test_linking_a_sellsy_contact_changes_its_hash() -> None:
    free = sellsy_contact(_company_id=None)
    linked = sellsy_contact(_company_id=12)
    assert sync_hash("sellsy", "contact", free, CONFIG) != sync_hash(
        "sellsy", "contact", linked, CONFIG
    )
    assert sync_hash("sellsy", "contact", linked, CONFIG) == sync_hash(
        "sellsy", "contact", sellsy_contact(_company_id=12), CONFIG
    )
