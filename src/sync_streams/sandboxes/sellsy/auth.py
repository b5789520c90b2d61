"""OAuth2 client credentials: the token endpoint and bearer-token checks.

Tokens look like Sellsy's (a JWT whose claims carry the account id as
``corpId``) and are HMAC-signed with a key kept in the database, so a token
stays valid across a sandbox restart until it expires.  The token endpoint
answers RFC 6749 errors (it lives on Sellsy's login host, outside the API spec).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sync_streams.sandboxes.sellsy.errors import json_response

TOKEN_PATH = "/oauth2/access-tokens"  # noqa: S105 - a URL path, not a secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_client_credentials() -> tuple[str, str]:
    """A fresh (client_id, client_secret) pair."""
    return secrets.token_hex(16), secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Claims:
    client_id: str
    account_id: int
    issued_us: int
    expires_s: int


def mint_token(key: bytes, claims: Claims) -> str:
    header = {"typ": "JWT", "alg": "HS256"}
    payload = {
        "aud": "api",
        "iss": "sellsy-sandbox",
        "sub": claims.client_id,
        "corpId": claims.account_id,
        "iat": claims.issued_us // 1_000_000,
        "iat_us": claims.issued_us,
        "exp": claims.expires_s,
        "jti": secrets.token_hex(8),
    }
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def read_token(key: bytes, token: str) -> Claims | None:
    """The token's claims if its signature is ours (expiry is checked by the caller)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    signing_input = f"{parts[0]}.{parts[1]}"
    expected = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        payload: dict[str, Any] = json.loads(_unb64(parts[1]))
        return Claims(
            client_id=str(payload["sub"]),
            account_id=int(payload["corpId"]),
            issued_us=int(payload["iat_us"]),
            expires_s=int(payload["exp"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """RFC 6749 §5.2 error (with a ``message`` too, as Sellsy's login server adds)."""
    return json_response(
        {"error": error, "error_description": description, "message": description},
        status=status,
        headers={"Cache-Control": "no-store"},
    )


async def client_credentials(request: web.Request) -> tuple[str, str, str] | web.Response:
    """(grant_type, client_id, client_secret) from a form, JSON or Basic-auth request."""
    form: dict[str, Any]
    if request.content_type == "application/json":
        try:
            form = dict(await request.json())
        except (ValueError, TypeError):
            return oauth_error(400, "invalid_request", "Le corps de la requête est invalide.")
    else:
        form = dict(await request.post())
    client_id, client_secret = str(form.get("client_id", "")), str(form.get("client_secret", ""))
    basic = request.headers.get("Authorization", "")
    if basic.lower().startswith("basic ") and not client_id:
        try:
            client_id, _, client_secret = base64.b64decode(basic[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return oauth_error(400, "invalid_request", "En-tête Authorization invalide.")
    grant_type = str(form.get("grant_type", ""))
    if not grant_type:
        return oauth_error(400, "invalid_request", "Le paramètre grant_type est obligatoire.")
    if grant_type != "client_credentials":
        return oauth_error(
            400, "unsupported_grant_type", f"grant_type non supporté : {grant_type}."
        )
    if not client_id or not client_secret:
        return oauth_error(400, "invalid_request", "client_id et client_secret sont obligatoires.")
    return grant_type, client_id, client_secret
