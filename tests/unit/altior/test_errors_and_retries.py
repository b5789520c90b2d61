"""Retriable vs fatal errors, pacing on 429, and when a write may be sent again."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from sync_streams.altior import (
    AltiorClient,
    AmountWrite,
    Channel,
    QuoteCreate,
    ThirdPartyCreate,
    ThirdPartyUpdate,
    replace_main,
    sellsy_reference,
)
from sync_streams.errors import (
    AlreadyExistsError,
    ApiError,
    ApiUnavailableError,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PreconditionFailedError,
    RateLimitedError,
    RejectedError,
)
from tests.unit.altior.conftest import (
    API_KEY,
    VirtualClock,
    affaire,
    body_of,
    error,
    page,
    third_party,
)

Factory = Callable[..., AltiorClient]


def scripted(
    *answers: httpx.Response | Exception,
) -> tuple[list[httpx.Request], Callable[..., httpx.Response]]:
    """A handler answering in order; records the requests it saw."""
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return seen, handler


async def test_429_pauses_for_retry_after_then_succeeds(
    make_client: Factory, vclock: VirtualClock
) -> None:
    seen, handler = scripted(
        error(
            429, "rate_limited", headers={"Retry-After": "3", "X-Quota-Remaining-By-Second": "0"}
        ),
        httpx.Response(200, json=third_party(1), headers={"X-Quota-Remaining-By-Minute": "41"}),
    )
    async with make_client(handler) as client:
        record = await client.get_third_party(1)
        stats = client.stats
    assert record.id == 1 and len(seen) == 2
    assert (stats.rate_limited, stats.retries, stats.calls) == (1, 1, 2)
    assert stats.quota_remaining_by_minute == 41
    assert sum(vclock.slept) >= 3.0  # nothing went out before Retry-After


async def test_server_errors_are_retried_a_bounded_number_of_times(make_client: Factory) -> None:
    seen, handler = scripted(*[error(503, "internal_error") for _ in range(4)])
    async with make_client(handler) as client:
        with pytest.raises(ApiUnavailableError) as raised:
            await client.get_affaire(7)
        assert client.stats.server_errors == 4
    assert len(seen) == 4 and raised.value.retriable


async def test_persistent_429_surfaces_as_rate_limited(make_client: Factory) -> None:
    _, handler = scripted(*[error(429, "rate_limited", headers={"Retry-After": "1"})] * 4)
    async with make_client(handler) as client:
        with pytest.raises(RateLimitedError):
            await client.list_users()


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (401, "unauthorized", AuthenticationError),
        (404, "not_found", NotFoundError),
        (422, "validation_error", RejectedError),
        (409, "duplicate_reference", RejectedError),
        (400, "invalid_cursor", RejectedError),
    ],
)
async def test_client_errors_are_fatal_and_not_retried(
    make_client: Factory, status: int, code: str, error_class: type[ApiError]
) -> None:
    seen, handler = scripted(error(status, code, field="phones[1].type"))
    async with make_client(handler) as client:
        with pytest.raises(error_class) as raised:
            await client.get_third_party(1)
    assert len(seen) == 1
    assert raised.value.code == code
    assert raised.value.body["error"]["field"] == "phones[1].type"


async def test_a_create_without_reference_is_not_resent_after_an_uncertain_failure(
    make_client: Factory,
) -> None:
    seen, handler = scripted(error(500, "internal_error"), httpx.Response(201, json=third_party(2)))
    async with make_client(handler) as client:
        with pytest.raises(ApiUnavailableError):
            await client.create_third_party(
                ThirdPartyCreate(kind="moral", name="X", establishment_id=1)
            )
    assert len(seen) == 1  # the first attempt may have created it: the caller checks first


async def test_a_create_is_resent_when_the_connection_never_opened(make_client: Factory) -> None:
    seen, handler = scripted(
        httpx.ConnectError("refused"), httpx.Response(201, json=third_party(2))
    )
    async with make_client(handler) as client:
        created = await client.create_third_party(
            ThirdPartyCreate(kind="moral", name="X", establishment_id=1)
        )
    assert created.id == 2 and len(seen) == 2


async def test_a_create_with_reference_recovers_the_record_its_lost_attempt_made(
    make_client: Factory,
) -> None:
    holder = third_party(
        12,
        external_references=[
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "48213"}
        ],
    )
    seen, handler = scripted(
        httpx.ReadError("connection dropped after sending"),
        error(
            409,
            "duplicate_external_reference",
            field="external_references[0]",
            details=[{"field": "external_references[0]", "message": "déjà", "record_id": 12}],
        ),
        httpx.Response(200, json=holder),
    )
    payload = ThirdPartyCreate(
        kind="moral",
        name="Dupré",
        establishment_id=1,
        external_references=[sellsy_reference(48213)],
    )
    async with make_client(handler) as client:
        created = await client.create_third_party(payload)
        assert client.stats.recovered_creates == 1
    assert created.id == 12
    assert [r.method for r in seen] == ["POST", "POST", "GET"]
    assert seen[2].url.path == "/api/v1/third-parties/12"


async def test_a_first_attempt_duplicate_is_reported_with_its_holder(make_client: Factory) -> None:
    _, handler = scripted(
        error(
            409,
            "duplicate_external_reference",
            details=[{"field": None, "message": "déjà", "record_id": 12}],
        )
    )
    payload = ThirdPartyCreate(
        kind="moral",
        name="Dupré",
        establishment_id=1,
        external_references=[sellsy_reference(48213)],
    )
    async with make_client(handler) as client:
        with pytest.raises(AlreadyExistsError) as raised:
            await client.create_third_party(payload)
        assert client.stats.recovered_creates == 0
    assert raised.value.code == "duplicate_external_reference"
    assert raised.value.existing_id == 12  # the caller merges into it: no lookup needed


async def test_patch_is_idempotent_so_it_is_retried(make_client: Factory) -> None:
    seen, handler = scripted(httpx.ReadTimeout("slow"), httpx.Response(200, json=third_party(1)))
    async with make_client(handler) as client:
        await client.update_third_party(1, ThirdPartyUpdate(phones=[replace_main("Fixe", "01")]))
    assert len(seen) == 2
    assert body_of(seen[1]) == {"phones": [{"type": "Fixe", "value": "01"}]}


async def test_documents_are_not_resent_after_a_dropped_answer(make_client: Factory) -> None:
    seen, handler = scripted(httpx.RemoteProtocolError("dropped"))
    async with make_client(handler) as client:
        with pytest.raises(ApiUnavailableError):
            await client.add_quote(7, QuoteCreate(label="Devis", amount=AmountWrite(value="10")))
    assert len(seen) == 1


async def test_writes_are_made_as_the_reference_user_and_reads_carry_only_the_key(
    make_client: Factory,
) -> None:
    seen, handler = scripted(
        httpx.Response(200, json=affaire()), httpx.Response(201, json=third_party(3))
    )
    async with make_client(handler) as client:
        await client.get_affaire(7)
        await client.create_third_party(
            ThirdPartyCreate(
                kind="moral",
                name="X",
                establishment_id=1,
                phones=[Channel(type="Fixe", value="01"), Channel(type="Portable", value="06")],
            )
        )
    assert seen[0].headers["X-Api-Key"] == API_KEY and "X-Altior-User" not in seen[0].headers
    assert seen[1].headers["X-Altior-User"] == "sync.sellsy"


async def test_a_read_only_client_refuses_writes_before_calling(make_client: Factory) -> None:
    seen, handler = scripted()
    async with make_client(handler, user_login=None) as client:
        with pytest.raises(ConfigError):
            await client.close_affaire(7, "won")
    assert seen == []


async def test_the_api_key_never_shows_in_errors_or_repr(make_client: Factory) -> None:
    _, handler = scripted(
        error(401, "unauthorized"),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
        httpx.ConnectError("refused"),
    )
    async with make_client(handler) as client:
        assert API_KEY not in repr(client)
        for call in (client.list_establishments, client.list_users):
            with pytest.raises(Exception) as raised:
                await call()
            assert API_KEY not in str(raised.value) and API_KEY not in repr(raised.value)


async def test_a_non_json_success_is_retriable(make_client: Factory) -> None:
    _, handler = scripted(
        httpx.Response(200, text="<html>proxy</html>"), page([third_party(1)], "c")
    )
    async with make_client(handler) as client:
        [only] = [p async for p in client.third_party_pages()]
    assert [tp.id for tp in only.items] == [1]


async def test_a_conditional_patch_carries_its_version_and_a_412_is_not_retried(
    make_client: Factory,
) -> None:
    seen, handler = scripted(error(412, "precondition_failed", field="If-Match"))
    async with make_client(handler) as client:
        with pytest.raises(PreconditionFailedError) as refused:
            await client.update_third_party(
                1, ThirdPartyUpdate(name="Dupré"), if_match="2024-05-02T09:15:00.000123Z"
            )
    assert len(seen) == 1  # the same precondition would fail again: the caller reads
    assert seen[0].headers["If-Match"] == '"2024-05-02T09:15:00.000123Z"'
    assert refused.value.status == 412 and not refused.value.retriable
