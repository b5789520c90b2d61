"""Quotas per account (headers, 429 + Retry-After, failed calls count) and injected faults."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.sellsy_sandbox import SandboxHandle

pytestmark = pytest.mark.integration
QUOTA_HEADERS = (
    "X-Quota-Remaining-By-Second",
    "X-Quota-Remaining-By-Minute",
    "X-Quota-Remaining-By-Day",
    "X-Quota-Remaining-By-Month",
)


async def _client(
    sandbox: SandboxHandle, *, per_second: int | None = None, per_minute: int | None = None
) -> tuple[int, str]:
    client_id, secret, account_id = await sandbox.create_account(
        per_second=per_second, per_minute=per_minute
    )
    return account_id, await sandbox.token(client_id, secret)


async def test_burst_over_the_per_second_quota_gets_429_then_service_resumes(
    sandbox: SandboxHandle,
) -> None:
    _account_id, token = await _client(sandbox, per_second=5)
    async with sandbox.api_client(token) as api:
        answers = await asyncio.gather(*(api.get("/companies") for _ in range(12)))
        statuses = sorted(a.status_code for a in answers)
        assert 429 in statuses
        assert all(h in a.headers for a in answers for h in QUOTA_HEADERS)
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["error"]["code"] == 429
        assert refused.headers["X-Quota-Remaining-By-Second"] == "0"
        retry_after = int(refused.headers["Retry-After"])
        assert retry_after >= 1
        await asyncio.sleep(retry_after)
        answer = await api.get("/companies")
        assert answer.status_code == 200


async def test_quota_is_per_account(sandbox: SandboxHandle) -> None:
    _a, busy = await _client(sandbox, per_second=2, per_minute=2)
    _b, calm = await _client(sandbox, per_second=2, per_minute=2)
    async with sandbox.api_client(busy) as a, sandbox.api_client(calm) as b:
        for _ in range(3):
            last = await a.get("/companies")
        assert last.status_code == 429
        assert (await b.get("/companies")).status_code == 200


async def test_failed_calls_count_and_minute_window_reports_remaining(
    sandbox: SandboxHandle,
) -> None:
    _account_id, token = await _client(sandbox, per_second=0, per_minute=3)
    async with sandbox.api_client(token, check_requests=False) as api:
        first = await api.get("/companies/404")
        assert first.status_code == 404
        remaining = int(first.headers["X-Quota-Remaining-By-Minute"])
        assert remaining <= 2  # the 404 was counted
        assert first.headers["X-Quota-Remaining-By-Second"] == "1000000"  # window off
        for _ in range(remaining):
            await api.get("/companies")
        refused = await api.get("/companies")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60


async def test_fail_next_gives_500s_then_normal_service(sandbox: SandboxHandle) -> None:
    account_id, token = await _client(sandbox, per_second=0)
    await sandbox.set_faults(account_id, fail_next=2, error_status=503)
    async with sandbox.api_client(token) as api:
        statuses = [(await api.get("/companies")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    calls = await sandbox.calls(account_id)
    assert [c["status"] for c in calls if c["path"] == "/v2/companies"] == [503, 503, 200]


async def test_error_rate_one_fails_every_call_of_that_account_only(
    sandbox: SandboxHandle,
) -> None:
    sick, sick_token = await _client(sandbox, per_second=0)
    _healthy, healthy_token = await _client(sandbox, per_second=0)
    await sandbox.set_faults(sick, error_rate=1.0)
    async with sandbox.api_client(sick_token) as a, sandbox.api_client(healthy_token) as b:
        answer = await a.get("/companies")
        assert answer.status_code == 500 and answer.json()["error"]["code"] == 500
        assert (await b.get("/companies")).status_code == 200
    await sandbox.set_faults(sick)
    async with sandbox.api_client(sick_token) as a:
        assert (await a.get("/companies")).status_code == 200


async def test_dropped_connection_gives_no_answer(sandbox: SandboxHandle) -> None:
    account_id, token = await _client(sandbox, per_second=0)
    await sandbox.set_faults(account_id, drop_next=1)
    async with sandbox.api_client(token) as api:
        with pytest.raises(httpx.TransportError):
            await api.get("/companies")
        assert (await api.get("/companies")).status_code == 200
    calls = await sandbox.calls(account_id)
    assert [c["status"] for c in calls if c["path"] == "/v2/companies"] == [0, 200]


async def test_latency_makes_an_impatient_client_time_out(sandbox: SandboxHandle) -> None:
    account_id, token = await _client(sandbox, per_second=0)
    await sandbox.set_faults(account_id, latency_ms=3000)
    async with httpx.AsyncClient(
        base_url=sandbox.base_url, timeout=0.3, headers={"Authorization": f"Bearer {token}"}
    ) as api:
        with pytest.raises(httpx.ReadTimeout):
            await api.get("/companies")


async def test_global_faults_reach_the_token_endpoint(sandbox: SandboxHandle) -> None:
    client_id, secret, _ = await sandbox.create_account()
    await sandbox.set_faults(None, fail_next=1)
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    assert (await sandbox.admin.post(sandbox.token_url, data=form)).status_code == 500
    assert (await sandbox.admin.post(sandbox.token_url, data=form)).status_code == 200
