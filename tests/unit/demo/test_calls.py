"""Call-log rows -> the worker's writes, as the narrator and the summary read them."""

from __future__ import annotations

from sync_streams.demo.calls import (
    altior_write,
    changed_fields,
    display_name,
    sellsy_ref,
    sellsy_write,
)

AT = "2026-05-02T09:15:00.000123Z"


def test_sellsy_reads_are_not_writes() -> None:
    assert sellsy_write({"method": "POST", "path": "/v2/companies/search", "status": 200}) is None
    assert sellsy_write({"method": "GET", "path": "/v2/companies/3", "status": 200}) is None
    assert sellsy_write({"method": "POST", "path": "/oauth2/access-tokens", "status": 200}) is None


def test_sellsy_writes() -> None:
    created = sellsy_write({"method": "POST", "path": "/v2/companies", "status": 201, "at": AT})
    assert created is not None
    assert (created.kind, created.action, created.record_id, created.ok) == (
        "company", "create", None, True,
    )  # fmt: skip
    updated = sellsy_write({"method": "PUT", "path": "/v2/individuals/7", "status": 429})
    assert updated is not None
    assert (updated.kind, updated.action, updated.record_id, updated.ok) == (
        "individual", "update", 7, False,
    )  # fmt: skip
    flag = sellsy_write({"method": "PUT", "path": "/v2/companies/7/custom-fields", "status": 200})
    assert flag is not None and flag.action == "flag"
    link = sellsy_write({"method": "POST", "path": "/v2/companies/7/contacts/4", "status": 201})
    assert link is not None and (link.action, link.record_id, link.detail) == ("link", 7, "4")


def test_altior_writes_carry_their_body() -> None:
    body = '{"kind": "moral", "name": "Boulangerie Dupré", "external_references": [{"codification": "EXTERNAL", "key": "SELLSY", "value": "17"}]}'  # noqa: E501
    created = altior_write({"method": "POST", "path": "/api/v1/third-parties", "status": 201,
                            "body": body, "at": AT})  # fmt: skip
    assert created is not None
    assert (created.kind, created.action, created.record_id) == ("third_party", "create", None)
    assert sellsy_ref(created.body, "EXTERNAL", "SELLSY") == "17"
    assert sellsy_ref(created.body, "OTHER", "SELLSY") is None
    assert display_name(created.body) == "Boulangerie Dupré"
    quote = altior_write({"method": "POST", "path": "/api/v1/affaires/3/quotes", "status": 201})
    assert quote is not None and (quote.action, quote.detail) == ("add", "quote")
    close = altior_write({"method": "POST", "path": "/api/v1/affaires/3/close", "status": 200})
    assert close is not None and close.action == "close"
    assert altior_write({"method": "GET", "path": "/api/v1/third-parties", "status": 200}) is None


def test_names_and_fields() -> None:
    assert display_name({"first_name": "Élodie", "last_name": "GARNIER"}) == "Élodie GARNIER"
    assert display_name({"name": "  "}) is None
    assert changed_fields({"phones": [], "external_references": [], "legal_france": {}}) == [
        "link", "phones", "siret",
    ]  # fmt: skip
