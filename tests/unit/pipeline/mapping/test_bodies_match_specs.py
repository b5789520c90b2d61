"""Every body the mapping builds is a valid request for the API that receives it.

Sellsy bodies are checked against the official OpenAPI spec; Altior bodies against
the project's contract (docs/altior-openapi.yaml).  Creates from full records and
minimal updates are both checked, so a field name typo fails here, not as a 400.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sync_streams.pipeline.mapping import (
    altior_affaire_body,
    altior_contact_body,
    altior_third_party_body,
    altior_to_common,
    sellsy_company_body,
    sellsy_contact_body,
    sellsy_individual_body,
    sellsy_opportunity_body,
    sellsy_to_common,
)
from tests.support import altior_spec, sellsy_spec

from .samples import (
    CATALOG,
    CONFIG,
    affaire,
    altior_contact,
    altior_moral,
    altior_physique,
    opportunity,
    sellsy_company,
    sellsy_contact,
    sellsy_individual,
)

SELLSY = "https://api.sellsy.com/v2"
ALTIOR = "https://altior.example.fr/api/v1"


def sellsy_request(method: str, path: str, body: dict[str, Any]) -> None:
    assert body, "an empty body would not exercise the spec"
    request = httpx.Request(
        method, SELLSY + path, json=body, headers={"Authorization": "Bearer token"}
    )
    sellsy_spec.validate_request(request)


def altior_properties(schema: str) -> set[str]:
    return set(altior_spec.spec_dict()["components"]["schemas"][schema]["properties"])


def altior_request(method: str, path: str, body: dict[str, Any], schema: str) -> None:
    """Valid for the contract, and no key the contract does not name (it allows extras,
    so a misspelt field would be silently ignored by Altior)."""
    assert body, "an empty body would not exercise the contract"
    assert set(body) <= altior_properties(schema), set(body) - altior_properties(schema)
    for channels in ("emails", "phones", "urls"):
        for entry in body.get(channels, []):
            assert set(entry) == {"type", "value"}
    for ref in body.get("external_references", []):
        assert set(ref) <= altior_properties("ExternalReferenceWrite")
    request = httpx.Request(
        method,
        ALTIOR + path,
        json=body,
        headers={"X-Api-Key": "key", "X-Altior-User": "sync"},
    )
    altior_spec.validate_request(request)


def test_sellsy_company_bodies() -> None:
    common = altior_to_common("third_party", altior_moral(), CONFIG)
    sellsy_request("POST", "/companies", sellsy_company_body(common, None, reference="A-412"))
    changed = {**common, "siret": "35600000000048", "fax": None, "name": "Dupré & Fils"}
    sellsy_request("PUT", "/companies/48213", sellsy_company_body(changed, sellsy_company()))


def test_sellsy_individual_bodies() -> None:
    common = altior_to_common("third_party", altior_physique(), CONFIG)
    sellsy_request("POST", "/individuals", sellsy_individual_body(common, None, CONFIG))
    changed = {**common, "civility": "M", "first_name": None}
    body = sellsy_individual_body(changed, sellsy_individual(), CONFIG)
    sellsy_request("PUT", "/individuals/7301", body)


def test_sellsy_contact_bodies() -> None:
    common = altior_to_common("altior_contact", altior_contact(), CONFIG)
    sellsy_request("POST", "/contacts", sellsy_contact_body(common, None, CONFIG))
    changed = {**common, "position": "Gérant", "website": "https://www.dupre.fr"}
    sellsy_request("PUT", "/contacts/901", sellsy_contact_body(changed, sellsy_contact(), CONFIG))


def test_sellsy_opportunity_bodies() -> None:
    common = altior_to_common("affaire", affaire(), CONFIG)
    related = [{"id": 48213, "type": "company"}]
    body = sellsy_opportunity_body(common, None, catalog=CATALOG, related=related)
    sellsy_request("POST", "/opportunities", body)
    changed = {**common, "step": "Signé", "status": "won", "amount": "13000.00"}
    body = sellsy_opportunity_body(changed, opportunity(), catalog=CATALOG)
    sellsy_request("PUT", "/opportunities/5501", body)


@pytest.mark.parametrize("sellsy", [sellsy_company(), sellsy_individual()])
def test_altior_third_party_bodies(sellsy: dict[str, Any]) -> None:
    entity = "company" if "name" in sellsy else "individual"
    common = sellsy_to_common(entity, sellsy, CONFIG)
    body = altior_third_party_body(
        common, CONFIG, existing=None, establishment_id=1, sellsy_id=sellsy["id"]
    )
    altior_request("POST", "/third-parties", body, "ThirdPartyCreate")
    existing = altior_moral() if entity == "company" else altior_physique()
    changed = {**common, "phone": None, "email": "nouveau@dupre.fr", "website": None}
    body = altior_third_party_body(
        changed, CONFIG, existing=existing, establishment_id=1, sellsy_id=sellsy["id"]
    )
    altior_request("PATCH", "/third-parties/412", body, "ThirdPartyUpdate")


def test_altior_contact_bodies() -> None:
    common = sellsy_to_common("contact", sellsy_contact(), CONFIG)
    body = altior_contact_body(
        common, CONFIG, existing=None, establishment_id=1, sellsy_id=901, third_party_id=412
    )
    altior_request("POST", "/contacts", body, "ContactCreate")
    changed = {**common, "civility": "Mme", "phone": None, "mobile": "06 11 22 33 44"}
    body = altior_contact_body(
        changed,
        CONFIG,
        existing=altior_contact(),
        establishment_id=1,
        sellsy_id=902,
        third_party_id=None,
    )
    altior_request("PATCH", "/contacts/77", body, "ContactUpdate")


def test_altior_affaire_bodies() -> None:
    common = sellsy_to_common("opportunity", opportunity(), CONFIG)
    body = altior_affaire_body(
        common, CONFIG, existing=None, establishment_ids=[1], third_party_id=412, sellsy_id=5501
    )
    altior_request("POST", "/affaires", body, "AffaireCreate")
    changed = {**common, "step": "Signé", "amount": "13000", "name": "Four à pain (signé)"}
    body = altior_affaire_body(changed, CONFIG, existing=affaire(), sellsy_id=5501)
    altior_request("PATCH", "/affaires/300", body, "AffaireUpdate")
