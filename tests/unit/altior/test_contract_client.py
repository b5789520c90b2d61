"""Every request the client can make is checked against docs/altior-openapi.yaml.

A mock Altior answers spec-valid records; the spec-checking transport validates
both the client's requests and those answers.  The test also proves that every
operation of the contract is reachable through the client.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from sync_streams.altior import (
    AffaireCreate,
    AffaireUpdate,
    AltiorClient,
    AmountWrite,
    Channel,
    ChannelUpdate,
    ContactCreate,
    ContactUpdate,
    ExternalReferenceWrite,
    OrderCreate,
    QuoteCreate,
    ThirdPartyCreate,
    ThirdPartyUpdate,
    replace_main,
    sellsy_reference,
)
from tests.support.altior_spec import SpecCheckingTransport, spec_dict
from tests.unit.altior.conftest import STAMP, affaire, third_party

Factory = Callable[..., AltiorClient]


def _stamped(**fields: Any) -> dict[str, Any]:
    return {**fields, "created_at": STAMP, "updated_at": STAMP}


CONTACT = _stamped(
    id=4,
    civility="Mme",
    first_name="Sophie",
    last_name="Lefèvre",
    position="Acheteuse",
    third_party_id=1,
    establishment_id=1,
    created_by=3,
    updated_by=3,
    emails=[],
    phones=[],
    urls=[],
    custom_fields={},
    external_references=[],
    archived=False,
)
QUOTE = _stamped(
    id=21,
    affaire_id=7,
    number="DEV-2024-00001",
    label="Devis",
    amount={"value": "10.00", "currency": "EUR"},
    status="draft",
    created_by=3,
)
ORDER = {**QUOTE, "id": 22, "number": "CDE-2024-00001", "status": "confirmed"}
LISTS: dict[str, list[dict[str, Any]]] = {
    "/establishments": [_stamped(id=1, name="ACME Lyon")],
    "/users": [_stamped(id=3, login="sync.sellsy", name="Synchronisation Sellsy")],
    "/admin/civilities": [_stamped(id=5, title="Madame", abbreviation="Mme")],
    "/admin/email-types": [_stamped(id=6, name="Principal")],
    "/admin/phone-types": [_stamped(id=7, name="Fixe")],
    "/admin/url-types": [_stamped(id=8, name="Site web")],
    "/admin/codifications": [
        _stamped(
            id=9,
            code="EXTERNAL",
            label="Références externes",
            entries=[{"key": "SELLSY", "name": "Sellsy"}],
        )
    ],
    "/admin/custom-fields": [
        _stamped(id=10, object="affaire", name="Workflow", type="text", options=None)
    ],
    "/third-parties": [third_party(1)],
    "/contacts": [CONTACT],
    "/affaires": [affaire(7)],
    "/quotes": [QUOTE],
    "/orders": [ORDER],
}


def mock_altior(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/api/v1")
    if re.fullmatch(r"/affaires/\d+/(close|reopen)", path):
        return httpx.Response(200, json=affaire(7, status="won", closed_at=STAMP))
    if match := re.fullmatch(r"/affaires/\d+/(quotes|orders)", path):
        record = QUOTE if match.group(1) == "quotes" else ORDER
        if request.method == "POST":
            return httpx.Response(201, json=record)
        return httpx.Response(200, json={"items": [record], "next_cursor": "c", "has_more": False})
    if path in LISTS:
        if request.method == "POST":
            return httpx.Response(201, json=LISTS[path][0])
        return httpx.Response(
            200, json={"items": LISTS[path], "next_cursor": "c", "has_more": False}
        )
    if match := re.fullmatch(r"(/[a-z-]+)/\d+", path):
        return httpx.Response(200, json=LISTS[match.group(1)][0])
    return httpx.Response(404, json={"error": {"code": "not_found", "message": "?", "field": None}})


def _operations() -> set[tuple[str, str]]:
    ops = set()
    for path, item in spec_dict()["paths"].items():
        for method in ("get", "post", "patch", "put", "delete"):
            if method in item:
                ops.add((method.upper(), path))
    return ops


def _operation_of(request: httpx.Request, ops: set[tuple[str, str]]) -> tuple[str, str]:
    path = request.url.path.removeprefix("/api/v1")
    for method, template in ops:
        pattern = "^" + re.sub(r"\{[^}]+\}", r"[^/]+", template) + "$"
        if method == request.method and re.match(pattern, path):
            return method, template
    raise AssertionError(f"{request.method} {path} is not a contract operation")


async def test_every_client_call_matches_the_contract(make_client: Factory) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return mock_altior(request)

    transport = SpecCheckingTransport(httpx.MockTransport(handler))
    since = datetime(2024, 5, 1, tzinfo=UTC)
    amount = AmountWrite(value=Decimal("18500"))
    async with make_client(transport) as client:
        for lister in (
            client.list_establishments,
            client.list_users,
            client.list_civilities,
            client.list_email_types,
            client.list_phone_types,
            client.list_url_types,
            client.list_codifications,
        ):
            assert await lister()
        assert await client.list_custom_fields("affaire")
        for pages in (
            client.third_party_pages(updated_since=since, limit=50, archived=False, kind="moral"),
            client.contact_pages(cursor="abc", third_party_id=1, linked=True, archived=True),
            client.affaire_pages(updated_since=since, third_party_id=1, status="open"),
            client.quote_pages(affaire_id=7),
            client.order_pages(updated_since=since, affaire_id=7),
        ):
            async for _ in pages:
                pass
        assert [q.number for q in await client.list_affaire_quotes(7)] == ["DEV-2024-00001"]
        assert [o.status for o in await client.list_affaire_orders(7)] == ["confirmed"]
        await client.get_third_party(1)
        await client.get_contact(4)
        await client.get_affaire(7)
        await client.get_quote(21)
        await client.get_order(22)
        await client.find_third_party_by_external_reference("48213")
        await client.find_contact_by_external_reference("12", key="SELLSY")
        await client.find_affaire_by_external_reference("99")
        await client.find_third_parties_by_siret("732 829 320 00074")
        await client.create_third_party(
            ThirdPartyCreate(
                kind="moral",
                name="Boulangerie Dupré",
                establishment_id=1,
                siret="73282932000074",
                emails=[Channel(type="Principal", value="contact@dupre.fr")],
                phones=[
                    Channel(type="Fixe", value="04 78 12 34 56"),
                    Channel(type="Portable", value="06 12 34 56 78"),
                ],
                custom_fields={"Secteur": "Commerce"},
                external_references=[sellsy_reference(48213)],
            )
        )
        await client.update_third_party(
            1,
            ThirdPartyUpdate(
                siret=None,
                phones=[
                    replace_main("Fixe", "04 78 00 00 00"),
                    ChannelUpdate(type="Fixe", value=None),
                ],
                external_references=[ExternalReferenceWrite(value=None)],
                archived=True,
            ),
        )
        await client.create_contact(
            ContactCreate(
                last_name="Lefèvre",
                first_name="Sophie",
                civility="Mme",
                establishment_id=1,
                third_party_id=1,
                external_references=[sellsy_reference(12)],
            )
        )
        await client.update_contact(4, ContactUpdate(third_party_id=None, position="Gérante"))
        await client.create_affaire(
            AffaireCreate(
                name="Four à sole",
                third_party_id=1,
                establishment_ids=[1],
                amount=amount,
                custom_fields={"Workflow": "Ventes", "Etape": "Proposition"},
                external_references=[sellsy_reference(99)],
            )
        )
        await client.update_affaire(7, AffaireUpdate(amount=None, name="Four"))
        await client.set_custom_fields("affaire", 7, {"Etape": "Gagné"})
        await client.set_custom_fields("third_party", 1, {"Secteur": None})
        await client.add_quote(7, QuoteCreate(label="Devis", amount=amount))
        await client.add_order(7, OrderCreate(label="Commande", amount=amount, status="confirmed"))
        await client.close_affaire(7, "won", closed_at=since)
        await client.close_affaire(7)
        await client.reopen_affaire(7)

    assert transport.problems == []
    ops = _operations()
    covered = {_operation_of(request, ops) for request in seen}
    assert covered == ops, f"not reachable through the client: {sorted(ops - covered)}"
