"""Each failure lands in the error class that says what to do about it."""

from __future__ import annotations

import httpx
import pytest

from sync_streams.errors import (
    ApiUnavailableError,
    FatalError,
    ForbiddenError,
    NotFoundError,
    RejectedError,
    RetriableError,
)
from sync_streams.sellsy import SellsyClient
from sync_streams.sellsy.models import CompanyCreate, CompanyUpdate
from tests.unit.sellsy.conftest import SECRET
from tests.unit.sellsy.fakes import FakeSellsy, company, sellsy_error


def fail_with(
    fake: FakeSellsy, method: str, path: str, *answers: httpx.Response | Exception
) -> None:
    queue = list(answers)

    def respond(request: httpx.Request) -> httpx.Response:
        if queue:
            answer = queue.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return httpx.Response(201 if method == "POST" else 200, json=company(7))

    fake.route(method, path, respond)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(400, RejectedError), (403, ForbiddenError), (404, NotFoundError), (422, RejectedError)],
)
async def test_client_errors_are_fatal_and_keep_sellsy_error_body(
    fake: FakeSellsy, client: SellsyClient, status: int, error_class: type[Exception]
) -> None:
    answer = sellsy_error(status, "Le champ est invalide", "validation", name="obligatoire")
    fail_with(fake, "PUT", r"/companies/\d+", answer)
    with pytest.raises(error_class) as caught:
        await client.update_company(7, CompanyUpdate(name="Nouvelle"))
    error = caught.value
    assert isinstance(error, FatalError)
    assert error.status == status  # type: ignore[attr-defined]
    assert error.body["error"]["details"] == {"name": "obligatoire"}  # type: ignore[attr-defined]
    assert "Le champ est invalide" in str(error)
    assert len(fake.api_requests) == 1


async def test_server_errors_on_reads_are_retried(fake: FakeSellsy, client: SellsyClient) -> None:
    fail_with(fake, "GET", r"/companies/\d+", httpx.Response(500), httpx.Response(503))
    assert (await client.get_company(7)).id == 7
    assert client.stats.server_errors == 2
    assert client.stats.retries == 2


async def test_server_errors_that_last_are_retriable_errors(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fail_with(fake, "GET", r"/companies/\d+", *(httpx.Response(502) for _ in range(5)))
    with pytest.raises(ApiUnavailableError) as caught:
        await client.get_company(7)
    assert isinstance(caught.value, RetriableError)
    assert len(fake.api_requests) == 3  # RetryPolicy(attempts=3) from the fixture


async def test_timeouts_and_dropped_connections_are_retriable(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fail_with(
        fake,
        "GET",
        r"/companies/\d+",
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
    )
    assert (await client.get_company(7)).id == 7
    assert client.stats.transport_errors == 2


async def test_a_create_whose_answer_was_lost_is_not_sent_twice(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fail_with(fake, "POST", "/companies", httpx.ReadTimeout("answer lost"))
    with pytest.raises(ApiUnavailableError) as caught:
        await client.create_company(CompanyCreate(type="client", name="Dupont SA"))
    assert caught.value.retriable  # the writer looks the company up, then tries again
    assert len(fake.api_requests) == 1


async def test_a_create_failing_with_5xx_is_not_sent_twice(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fail_with(fake, "POST", "/companies", httpx.Response(500))
    with pytest.raises(ApiUnavailableError):
        await client.create_company(CompanyCreate(type="client", name="Dupont SA"))
    assert len(fake.api_requests) == 1


async def test_a_create_refused_before_sending_is_retried(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    too_many = sellsy_error(429, "Quota dépassé", "quota")
    fail_with(fake, "POST", "/companies", httpx.ConnectError("refused"), too_many)
    created = await client.create_company(CompanyCreate(type="client", name="Dupont SA"))
    assert created.id == 7
    assert len(fake.api_requests) == 3


async def test_a_success_that_is_not_json_is_retriable(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fake.validate_responses = False
    proxy_page = httpx.Response(200, text="<html>maintenance</html>")
    fail_with(fake, "GET", r"/companies/\d+", proxy_page)
    assert (await client.get_company(7)).id == 7


async def test_no_error_carries_the_secret_or_the_token(
    fake: FakeSellsy, client: SellsyClient
) -> None:
    fail_with(fake, "GET", r"/companies/\d+", httpx.Response(404, json={"error": {}}))
    with pytest.raises(NotFoundError) as caught:
        await client.get_company(7)
    text = f"{caught.value} {caught.value!r} {caught.value.body}"
    assert SECRET not in text
    assert "token-1" not in text
