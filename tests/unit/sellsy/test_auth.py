"""OAuth2 client credentials: token request, cache, early refresh, one re-auth on 401."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from pydantic import SecretStr

from sync_streams.errors import ApiUnavailableError, AuthenticationError
from sync_streams.sellsy import TokenCache
from tests.unit.sellsy.conftest import SECRET, FakeTime, MakeClient
from tests.unit.sellsy.fakes import TOKEN_URL, FakeSellsy, company, sellsy_error


@pytest.fixture(autouse=True)
def company_route(fake: FakeSellsy) -> None:
    fake.route("GET", r"/companies/\d+", httpx.Response(200, json=company(1)))


async def test_token_request_is_form_encoded_client_credentials(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    client = make_client()
    await client.get_company(1)
    (token_request,) = fake.token_requests
    assert token_request.method == "POST"
    assert str(token_request.url) == TOKEN_URL
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert dict(httpx.QueryParams(token_request.content.decode())) == {
        "grant_type": "client_credentials",
        "client_id": "tenant-a",
        "client_secret": SECRET,
    }
    assert fake.api_requests[0].headers["authorization"] == "Bearer token-1"


async def test_token_is_reused_until_shortly_before_expiry(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    client = make_client(token_refresh_margin=60)
    await client.get_company(1)
    fake_time.now += 3600 - 61
    await client.get_company(1)
    assert len(fake.token_requests) == 1
    fake_time.now += 2  # now inside the 60 s margin: refresh before Sellsy refuses it
    await client.get_company(1)
    assert len(fake.token_requests) == 2
    assert fake.api_requests[-1].headers["authorization"] == "Bearer token-2"


async def test_short_lived_token_is_used_for_half_its_life(
    fake: FakeSellsy, make_client: MakeClient, fake_time: FakeTime
) -> None:
    fake.token_lifetime = 30
    client = make_client(token_refresh_margin=60)
    await client.get_company(1)
    fake_time.now += 14
    await client.get_company(1)
    assert len(fake.token_requests) == 1
    fake_time.now += 2
    await client.get_company(1)
    assert len(fake.token_requests) == 2


async def test_a_401_triggers_exactly_one_reauthentication(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    client = make_client()
    await client.get_company(1)
    fake.revoke_tokens()
    found = await client.get_company(1)
    assert found.id == 1
    assert len(fake.token_requests) == 2
    assert client.auth.reauthentications == 1


async def test_a_second_401_is_an_authentication_error(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    fake.route("GET", r"/companies/\d+", sellsy_error(401, "Accès refusé", "auth"))
    client = make_client()
    with pytest.raises(AuthenticationError) as caught:
        await client.get_company(1)
    assert caught.value.status == 401
    assert len(fake.token_requests) == 2
    assert len(fake.api_requests) == 2
    assert not caught.value.retriable


async def test_refused_credentials_raise_without_revealing_the_secret(
    fake: FakeSellsy, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(client_secret=SecretStr("wrong-secret-value"))
    with pytest.raises(AuthenticationError) as caught:
        await client.get_company(1)
    assert caught.value.code == "invalid_client"
    assert fake.api_requests == []
    for text in (str(caught.value), repr(caught.value), repr(client), repr(client.auth)):
        assert "wrong-secret-value" not in text
    assert "wrong-secret-value" not in caplog.text
    assert "wrong-secret-value" not in repr(client.credentials)


async def test_token_endpoint_outage_is_retried(fake: FakeSellsy, make_client: MakeClient) -> None:
    answers = iter([httpx.Response(503, text="maintenance")])
    original = fake._token

    def flaky(request: httpx.Request) -> httpx.Response:
        fake.token_requests.append(request)
        return next(answers, None) or original(request)

    fake._token = flaky  # type: ignore[method-assign]
    client = make_client()
    assert (await client.get_company(1)).id == 1
    assert client.stats.retries == 1


async def test_token_endpoint_outage_that_lasts_is_retriable(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    fake._token = lambda request: httpx.Response(502, text="bad gateway")  # type: ignore[method-assign]
    client = make_client()
    with pytest.raises(ApiUnavailableError) as caught:
        await client.get_company(1)
    assert caught.value.retriable


async def test_concurrent_calls_share_one_token_request(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    client = make_client()
    await asyncio.gather(*(client.get_company(1) for _ in range(10)))
    assert len(fake.token_requests) == 1


async def test_a_shared_cache_reuses_the_token_between_clients_of_one_tenant(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    cache = TokenCache()
    await make_client(token_cache=cache).get_company(1)
    await make_client(token_cache=cache).get_company(1)
    assert len(fake.token_requests) == 1


async def test_a_shared_cache_never_lends_a_token_to_other_credentials(
    fake: FakeSellsy, make_client: MakeClient
) -> None:
    cache = TokenCache()
    await make_client(token_cache=cache).get_company(1)
    with pytest.raises(AuthenticationError):
        await make_client(token_cache=cache, client_secret=SecretStr("other")).get_company(1)
    assert len(fake.token_requests) == 2
