"""Create the demo tenant on both sandboxes and load the sample data into it.

Sellsy: one account whose API client is the example tenant's (client id from the
form, secret chosen by the demo), plus a second client for the demo's own calls.
Altior: one tenant with the sandbox's default reference data, keyed with the value
the tenant file's ``env:`` reference will resolve to, plus a second key for the demo.
What was created is returned by *key* -> id so edits and checks can name records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync_streams.demo import sample
from sync_streams.demo.altior_desk import HUMAN_USER, AltiorDesk
from sync_streams.demo.sellsy_desk import SellsyDesk

ACCOUNT_NAME = "ACME"


@dataclass
class SellsySeeded:
    account_id: int
    worker_client_id: str
    demo_client_id: str
    flag_field_id: int
    pipeline_id: int
    steps: dict[str, int]
    ids: dict[str, int]
    """Sample key -> Sellsy id (companies, individuals and contacts)."""
    kinds: dict[str, str]
    flagged: set[str]
    opportunities: dict[str, int]

    def id_of(self, key: str) -> int:
        return self.ids[key]

    def flagged_ids(self, kind: str) -> list[int]:
        return sorted(self.ids[k] for k in self.flagged if self.kinds[k] == kind)


@dataclass
class AltiorSeeded:
    tenant_id: int
    worker_key_id: int
    demo_key_id: int
    ids: dict[str, int]
    """Sample key -> Altior third-party id."""
    contacts: list[int] = field(default_factory=list)
    affaires: list[int] = field(default_factory=list)


def _flag_values(
    records: list[tuple[str, str, bool]], ids: dict[str, int], field_id: int
) -> list[dict[str, Any]]:
    """Custom field values: the flag set explicitly, true or false, on every record."""
    return [
        {"object": kind, "id": ids[key], "values": [{"id": field_id, "value": flagged}]}
        for key, kind, flagged in records
    ]


async def seed_sellsy(desk: SellsyDesk, *, client_id: str, client_secret: str) -> SellsySeeded:
    account_id = await desk.create_account(ACCOUNT_NAME, client_id, client_secret)
    demo_client_id, demo_secret = await desk.create_client(account_id, "Démo : poste commercial")
    await desk.login(demo_client_id, demo_secret)
    field_id = await desk.custom_field_id(sample.FLAG_FIELD)
    pipeline_id, steps = await desk.steps("Ventes")

    companies, individuals = sample.SELLSY_COMPANIES, sample.SELLSY_INDIVIDUALS
    contacts = sample.SELLSY_CONTACTS
    created = await desk.seed(
        account_id,
        {
            "companies": [c.body for c in companies],
            "individuals": [i.body for i in individuals],
            "contacts": [c.body for c in contacts],
        },
    )
    ids: dict[str, int] = {}
    kinds: dict[str, str] = {}
    groups: list[tuple[str, list[Any]]] = [
        ("company", list(companies)),
        ("individual", list(individuals)),
        ("contact", list(contacts)),
    ]
    for kind, items in groups:
        for item, new_id in zip(
            items, created[f"{kind}s" if kind != "company" else "companies"], strict=True
        ):
            ids[item.key], kinds[item.key] = int(new_id), kind

    flags = [(item.key, kind, bool(item.flagged)) for kind, items in groups for item in items]
    links = [
        {"company_id": ids[c.company], "contact_id": ids[c.key], "roles": ["main"]}
        for c in contacts
        if c.company is not None
    ]
    opportunities = [
        {
            "name": o.name,
            "pipeline": pipeline_id,
            "step": steps[o.step],
            "amount": o.amount,
            "related": [{"id": ids[o.company], "type": "company"}],
        }
        for o in sample.SELLSY_OPPORTUNITIES
    ]
    second = await desk.seed(
        account_id,
        {
            "links": links,
            "custom_field_values": _flag_values(flags, ids, field_id),
            "opportunities": opportunities,
        },
    )
    return SellsySeeded(
        account_id=account_id,
        worker_client_id=client_id,
        demo_client_id=demo_client_id,
        flag_field_id=field_id,
        pipeline_id=pipeline_id,
        steps=steps,
        ids=ids,
        kinds=kinds,
        flagged={key for key, _kind, flagged in flags if flagged},
        opportunities={
            o.name: int(i)
            for o, i in zip(sample.SELLSY_OPPORTUNITIES, second["opportunities"], strict=True)
        },
    )


async def seed_altior(desk: AltiorDesk, *, api_key: str) -> AltiorSeeded:
    tenant_id, worker_key_id = await desk.create_tenant(ACCOUNT_NAME, api_key)
    demo_key, demo_key_id = await desk.add_key(tenant_id)
    desk.use_key(demo_key)
    document = {"as_user": HUMAN_USER, **sample.altior_seed_document()}
    created = await desk.seed(tenant_id, document)
    third_parties = sample.ALTIOR.third_parties
    return AltiorSeeded(
        tenant_id=tenant_id,
        worker_key_id=worker_key_id,
        demo_key_id=demo_key_id,
        ids={tp.key: int(i) for tp, i in zip(third_parties, created["third_parties"], strict=True)},
        contacts=[int(i) for i in created["contacts"]],
        affaires=[int(i) for i in created["affaires"]],
    )
