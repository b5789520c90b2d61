"""The spec helper itself must catch divergences, or every contract test is hollow."""

from __future__ import annotations

import httpx
import pytest

from tests.support.sellsy_spec import SpecDivergenceError, validate_request, validate_response

SEARCH_URL = "http://127.0.0.1:9/v2/companies/search?limit=10"


def _search(body: object) -> httpx.Request:
    return httpx.Request("POST", SEARCH_URL, json=body, headers={"Authorization": "Bearer t"})


def test_a_valid_search_request_and_page_pass() -> None:
    request = _search({"filters": {"updated_at": {"start": "2024-01-01T00:00:00+00:00"}}})
    validate_request(request)
    page = {"data": [], "pagination": {"limit": 10, "count": 0, "total": 0, "offset": "WyIxIl0="}}
    validate_response(request, httpx.Response(200, json=page, request=request))


def test_an_unknown_filter_is_a_divergence_naming_the_field() -> None:
    with pytest.raises(SpecDivergenceError, match="bogus"):
        validate_request(_search({"filters": {"bogus": 1}}))


def test_a_wrongly_typed_response_field_is_a_divergence() -> None:
    request = _search({"filters": {}})
    page = {"data": [{"id": "x"}], "pagination": {"limit": 10, "count": 1, "total": 1, "offset": 1}}
    with pytest.raises(SpecDivergenceError, match="data/0/id"):
        validate_response(request, httpx.Response(200, json=page, request=request))


def test_undocumented_error_statuses_must_carry_the_error_shape() -> None:
    request = _search({"filters": {}})
    good = {"error": {"code": 429, "message": "Quota atteint", "context": None, "details": {}}}
    validate_response(request, httpx.Response(429, json=good, request=request))
    with pytest.raises(SpecDivergenceError, match="context"):
        bad = {"error": {"code": 429, "message": "Quota atteint", "details": {}}}
        validate_response(request, httpx.Response(429, json=bad, request=request))
    with pytest.raises(SpecDivergenceError, match="HTTP status"):
        wrong_code = {"error": {"code": 500, "message": "x", "context": None, "details": {}}}
        validate_response(request, httpx.Response(429, json=wrong_code, request=request))


def test_urls_without_a_v2_segment_are_refused() -> None:
    with pytest.raises(SpecDivergenceError, match="/v2/"):
        validate_request(httpx.Request("GET", "http://127.0.0.1:9/companies"))


def test_php_style_embed_values_are_validated() -> None:
    url = "http://127.0.0.1:9/v2/companies/1?embed[]=cf.12"
    validate_request(httpx.Request("GET", url))
    with pytest.raises(SpecDivergenceError, match="embed"):
        validate_request(httpx.Request("GET", "http://127.0.0.1:9/v2/companies/1?embed[]=bogus"))


def test_custom_field_items_validate_despite_the_spec_defect() -> None:
    """A boolean custom field with its value: unsatisfiable as published, valid once corrected."""
    request = httpx.Request("GET", "http://127.0.0.1:9/v2/companies/1/custom-fields")
    item = {
        "id": 1,
        "name": "Synchronisation Altior",
        "code": "synchronisation-altior",
        "description": "",
        "mandatory": False,
        "rank": 1,
        "related_object": ["client"],
        "customfield_group": {
            "id": 1,
            "name": "Général",
            "code": "general",
            "open_by_default": True,
        },
        "show_on_pdf": False,
        "type": "boolean",
        "parameters": {"default_value": False},
        "value": True,
    }
    page = {"data": [item], "pagination": {"limit": 25, "count": 1, "total": 1, "offset": 0}}
    validate_response(request, httpx.Response(200, json=page, request=request))
    wrong = dict(item, value="oui")
    page_wrong = {"data": [wrong], "pagination": page["pagination"]}
    with pytest.raises(SpecDivergenceError):
        validate_response(request, httpx.Response(200, json=page_wrong, request=request))
