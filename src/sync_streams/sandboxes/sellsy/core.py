"""The sandbox's shared state: store, clock, quotas, settings and signing key.

Handlers reach it through ``request.app[SANDBOX]``.  Account settings are
cached in memory (they are read on every request) and written through to the
database, so quotas, faults and token lifetimes survive a restart.
"""

from __future__ import annotations

import hmac
import json
import random
import secrets
from pathlib import Path

from aiohttp import web

from sync_streams.sandboxes.sellsy import auth, faults
from sync_streams.sandboxes.sellsy.clock import Clock
from sync_streams.sandboxes.sellsy.errors import SellsyError, bad_json, unauthorized
from sync_streams.sandboxes.sellsy.quota import QuotaTracker
from sync_streams.sandboxes.sellsy.settings import AccountSettings, Faults
from sync_streams.sandboxes.sellsy.store import Store


class Sandbox:
    """Everything a request handler needs besides its request."""

    def __init__(self, store: Store, key: bytes, global_faults: Faults) -> None:
        self.store = store
        self.key = key
        self.clock = Clock()
        self.quota = QuotaTracker()
        self.rng = random.Random()  # fault injection only, not security
        self.global_faults = global_faults
        self._settings: dict[int, AccountSettings] = {}
        self._client_accounts: dict[str, int] = {}
        self._follow_visibility(None, global_faults)

    @classmethod
    async def open(cls, db_path: str | Path) -> Sandbox:
        store = await Store.open(db_path)
        key_hex = await store.meta("signing_key")
        if key_hex is None:
            key_hex = secrets.token_hex(32)
            await store.set_meta("signing_key", key_hex)
        raw_faults = await store.meta("global_faults")
        global_faults = Faults.model_validate_json(raw_faults) if raw_faults else Faults()
        return cls(store, bytes.fromhex(key_hex), global_faults)

    async def close(self) -> None:
        await self.store.close()

    # -- settings ---------------------------------------------------------------------------
    async def settings(self, account_id: int) -> AccountSettings | None:
        cached = self._settings.get(account_id)
        if cached is not None:
            return cached
        row = await self.store.account(account_id)
        if row is None:
            return None
        settings = AccountSettings.model_validate(row["settings"])
        self._settings[account_id] = settings
        self._follow_visibility(account_id, settings.faults)
        return settings

    async def save_settings(self, account_id: int, settings: AccountSettings) -> None:
        self._settings[account_id] = settings
        self._follow_visibility(account_id, settings.faults)
        await self.store.save_settings(account_id, settings.model_dump())

    async def set_global_faults(self, value: Faults) -> None:
        self.global_faults = value
        self._follow_visibility(None, value)
        await self.store.set_meta("global_faults", value.model_dump_json())

    def forget_settings(self) -> None:
        """Drop the caches (after a full reset)."""
        self._settings.clear()
        self._client_accounts.clear()
        self.store.visibility_delays_us = {
            k: v for k, v in self.store.visibility_delays_us.items() if k is None
        }

    def _follow_visibility(self, account_id: int | None, value: Faults) -> None:
        """Every write reaches the store (API, admin seeds, links): it stamps each record
        it writes with the late visibility in force (``late_visibility_seconds``)."""
        self.store.visibility_delays_us[account_id] = int(value.late_visibility_seconds * 1e6)

    # -- accounts and clients ---------------------------------------------------------------
    async def create_account(self, name: str, settings: AccountSettings) -> int:
        account_id = await self.store.insert_account(
            name, settings.model_dump(), self.clock.now_us()
        )
        self._settings[account_id] = settings
        self._follow_visibility(account_id, settings.faults)
        return account_id

    async def create_client(
        self, account_id: int, name: str, *, client_id: str | None = None, secret: str | None = None
    ) -> tuple[str, str]:
        """A new API client of the account; fixed credentials (demos) or fresh ones."""
        fresh_id, fresh_secret = auth.new_client_credentials()
        client_id, secret = client_id or fresh_id, secret or fresh_secret
        await self.store.insert_client(
            client_id, account_id, auth.hash_secret(secret), name, self.clock.now_us()
        )
        return client_id, secret

    # -- tokens -----------------------------------------------------------------------------
    async def issue_token(self, client_id: str, secret: str) -> tuple[str, int] | None:
        """(access token, expires_in) for valid credentials, else None."""
        row = await self.store.client(client_id)
        if row is None or not hmac.compare_digest(
            str(row["secret_sha256"]), auth.hash_secret(secret)
        ):
            return None
        account_id = int(row["account_id"])
        settings = await self.settings(account_id)
        if settings is None:
            return None
        override = faults.token_lifetime_override([self.global_faults, settings.faults])
        lifetime = settings.token_lifetime if override is None else override
        now_us = self.clock.now_us()
        claims = auth.Claims(client_id, account_id, now_us, now_us // 1_000_000 + lifetime)
        return auth.mint_token(self.key, claims), lifetime

    def identify(self, request: web.Request) -> auth.Claims | None:
        """Whose token this is (signature checked, expiry not yet)."""
        token = auth.bearer_token(request)
        return None if token is None else auth.read_token(self.key, token)

    async def check_token(self, claims: auth.Claims | None) -> None:
        """Raise 401 unless the token is current for a known client of a known account."""
        if claims is None:
            raise unauthorized("jeton d'accès absent ou invalide")
        if claims.expires_s <= self.clock.now_us() // 1_000_000:
            raise unauthorized("jeton d'accès expiré")
        settings = await self.settings(claims.account_id)
        owner = self._client_accounts.get(claims.client_id)
        if owner is None:
            client = await self.store.client(claims.client_id)
            owner = int(client["account_id"]) if client is not None else None
            if owner is not None:
                self._client_accounts[claims.client_id] = owner
        if settings is None or owner != claims.account_id:
            raise unauthorized("client API inconnu")
        if claims.issued_us < settings.tokens_not_before_us:
            raise unauthorized("jeton d'accès révoqué")

    # -- faults -----------------------------------------------------------------------------
    async def fault_decision(
        self, account_id: int | None, *, write: bool = False
    ) -> faults.FaultDecision:
        """Roll the dice for one request (``write``: it changes data) and persist any
        countdown that moved."""
        settings = await self.settings(account_id) if account_id is not None else None
        sets = [self.global_faults] + ([settings.faults] if settings is not None else [])
        if not any(f.active() for f in sets):
            return faults.FaultDecision(0, None)
        decision, updated = faults.decide(sets, self.rng, write=write)
        if updated[0] != self.global_faults:
            await self.set_global_faults(updated[0])
        if settings is not None and account_id is not None and updated[1] != settings.faults:
            await self.save_settings(account_id, settings.model_copy(update={"faults": updated[1]}))
        return decision


SANDBOX: web.AppKey[Sandbox] = web.AppKey("sellsy_sandbox", Sandbox)
ACCOUNT_ID: web.RequestKey[int | None] = web.RequestKey("sellsy_account_id")
"""The account whose token came with the request (set by the gate, None if unknown)."""
CLIENT_ID: web.RequestKey[str | None] = web.RequestKey("sellsy_client_id")


def sandbox_of(request: web.Request) -> Sandbox:
    return request.app[SANDBOX]


async def read_json(request: web.Request) -> object:
    """The request's JSON body; 400 in Sellsy's shape when it is not JSON."""
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise bad_json() from exc


__all__ = ["SANDBOX", "Sandbox", "SellsyError", "read_json", "sandbox_of"]
