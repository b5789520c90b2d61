"""Host allow-list rules (pure)."""

from __future__ import annotations

import pytest

from sync_streams.config.hosts import DEFAULT_ALLOWED_API_HOSTS, check_api_url, host_allowed


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("api.sellsy.com", True),
        ("API.Sellsy.com", True),
        ("login.sellsy.com", True),
        ("sellsy.com", False),
        ("evil-api.sellsy.com.example", False),
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("10.0.0.1", False),
    ],
)
def test_default_allow_list(host: str, allowed: bool) -> None:
    assert host_allowed(host, DEFAULT_ALLOWED_API_HOSTS) is allowed


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("acme.altior.example", True), ("a.b.altior.example", True), ("altior.example", False)],
)
def test_wildcard_allows_sub_domains_only(host: str, allowed: bool) -> None:
    assert host_allowed(host, ["*.altior.example"]) is allowed


def test_ipv6_loopback_url_is_accepted_and_normalised() -> None:
    url, problem = check_api_url("http://[::1]:8081/v2/", allowed_hosts=DEFAULT_ALLOWED_API_HOSTS)

    assert (url, problem) == ("http://[::1]:8081/v2", None)
