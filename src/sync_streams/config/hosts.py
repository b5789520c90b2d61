"""Which hosts a tenant may point the service at.

One shared service runs every tenant with the platform's network access: a
tenant file must not be able to aim it at an arbitrary host (internal admin
APIs, cloud metadata endpoints) nor send credentials in clear over the
network.  The platform team lists the allowed API hosts at service level;
by default only Sellsy's official hosts and loopback (for the sandboxes).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from urllib.parse import urlsplit

SELLSY_OFFICIAL_HOSTS = ("api.sellsy.com", "login.sellsy.com")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_ALLOWED_API_HOSTS: tuple[str, ...] = SELLSY_OFFICIAL_HOSTS + LOOPBACK_HOSTS


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback IP address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Exact host match, or ``*.example.com`` for any sub-domain of example.com."""
    host = host.lower().rstrip(".")
    for pattern in allowed:
        pattern = pattern.lower().strip().rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and host != pattern[2:]:
                return True
        elif host == pattern.strip("[]"):
            return True
    return False


def check_api_url(
    url: str, *, allowed_hosts: Sequence[str], allow_plain_http: bool = False
) -> tuple[str | None, str | None]:
    """Return ``(normalised_url, None)`` or ``(None, what is expected)``.

    The normalised form has no trailing slash, so clients can append paths.
    The message never repeats user or password parts of the URL.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None, "expected an http(s) URL such as https://api.example.com/v2"
    if parts.scheme not in ("http", "https") or not host:
        return None, (
            "expected an http:// or https:// URL with a host, "
            f"such as https://api.example.com/v2 (got scheme '{parts.scheme or 'none'}')"
        )
    if parts.username is not None or parts.password is not None:
        return None, "must not contain a user name or password; credentials go in secret keys"
    if parts.query or parts.fragment:
        return None, "must not contain a query string (?...) or a fragment (#...)"
    if not host_allowed(host, allowed_hosts):
        listed = ", ".join(allowed_hosts) or "none"
        return None, (
            f"host '{host}' is not an allowed API host for this service "
            f"(allowed: {listed}); the platform team adds hosts with the service "
            "setting allowed_api_hosts (SYNC_STREAMS_ALLOWED_API_HOSTS)"
        )
    if parts.scheme == "http" and not is_loopback(host) and not allow_plain_http:
        return None, (
            f"plain http is only allowed for loopback hosts; use https://{parts.netloc}"
            " (or set the service setting allow_plain_http)"
        )
    return url.strip().rstrip("/"), None
