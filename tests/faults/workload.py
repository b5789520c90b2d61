"""A two-way third-party workload and the audit that compares both sides with the sources.

Every record carries a *token* as the first word of its name (``S00012-acme`` for a
company born in Sellsy, ``A00007-acme`` for a third party born in Altior) and a version
after it.  The sources say which tokens exist and the latest name of each; the audit
counts, on each side, the tokens missing or not at their latest name (lost), the extra
copies and the tokens no source holds (duplicates).  Names keep the tenant's word, so a
record of another tenant is a token no source of this tenant holds.

Records created while the sync runs go through the sandboxes' admin surfaces (no
injected fault can lose a create's answer there and leave the harness unsure of its own
sources); renames go through the users' API clients, retried, since a rename is
idempotent.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sync_streams.altior.writes import ThirdPartyUpdate
from sync_streams.sellsy.models.writes import CompanyUpdate
from tests.support.stack import Stack, Tenant

T = TypeVar("T")


async def patiently(action: Callable[[], Awaitable[T]], *, attempts: int = 12) -> T:
    """``action()`` again after any failure (injected faults hit the users' clients too)."""
    for attempt in range(attempts):
        try:
            return await action()
        except Exception:  # a user retries whatever went wrong
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 + attempt * 0.5)
    raise AssertionError("unreachable")


@dataclass
class Tally:
    duplicates: int = 0
    lost: int = 0
    foreign: int = 0
    """Tokens no source of this tenant holds (part of ``duplicates``)."""
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


@dataclass
class Audit:
    sellsy: Tally
    altior: Tally

    @property
    def duplicates(self) -> int:
        return self.sellsy.duplicates + self.altior.duplicates

    @property
    def lost(self) -> int:
        return self.sellsy.lost + self.altior.lost

    @property
    def clean(self) -> bool:
        return not (self.duplicates or self.lost)

    def summary(self) -> str:
        parts = []
        for side, tally in (("sellsy", self.sellsy), ("altior", self.altior)):
            if tally.missing or tally.extra:
                parts.append(f"{side}: lost {tally.missing[:5]} extra {tally.extra[:5]}")
        return "; ".join(parts) or "clean"


def tally(names: list[str], expected: dict[str, str], ignore: set[str] | None = None) -> Tally:
    """Compare one side's names with the expected latest names (``ignore``: tokens left
    out of the comparison, e.g. malformed records a scenario checks by other means)."""
    by_token: dict[str, list[str]] = {}
    for name in names:
        token = name.split(" ", 1)[0]
        if token not in (ignore or set()):
            by_token.setdefault(token, []).append(name)
    result = Tally()
    for token, found in by_token.items():
        if token not in expected:
            result.foreign += len(found)
            result.duplicates += len(found)
            result.extra += found
        elif len(found) > 1:
            result.duplicates += len(found) - 1
            result.extra += found[1:]
    for token, want in expected.items():
        if want not in by_token.get(token, []):
            result.lost += 1
            result.missing.append(f"{want!r} (found {by_token.get(token, [])})")
    return result


@dataclass
class Workload:
    """The records of one tenant, as its sources say they should end."""

    stack: Stack
    tenant: Tenant
    word: str
    rng: random.Random = field(default_factory=random.Random)
    expected: dict[str, str] = field(default_factory=dict)
    sellsy_ids: dict[str, int] = field(default_factory=dict)
    altior_ids: dict[str, int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    """Tokens the audit leaves out (malformed records, checked by their scenario)."""

    def _name(self, token: str) -> str:
        return f"{token} {self.word} v{self.versions[token]}"

    def _new_tokens(self, prefix: str, count: int) -> list[str]:
        start = sum(1 for t in self.versions if t.startswith(prefix)) + 1
        tokens = [f"{prefix}{n:05d}-{self.word}" for n in range(start, start + count)]
        for token in tokens:
            self.versions[token] = 1
            self.expected[token] = self._name(token)
        return tokens

    @property
    def records(self) -> int:
        return len(self.expected)

    async def add_sellsy(self, count: int, **extra: Any) -> list[str]:
        """``count`` companies in Sellsy (through the admin seed)."""
        if count <= 0:
            return []
        tokens = self._new_tokens("S", count)
        companies = [{"type": "client", "name": self.expected[t], **extra} for t in tokens]
        seeded = await self.stack.sellsy_sandbox.seed(
            self.tenant.sellsy_account, companies=companies
        )
        self.sellsy_ids.update(zip(tokens, seeded["companies"], strict=True))
        return tokens

    async def add_altior(self, count: int, **extra: Any) -> list[str]:
        """``count`` legal-person third parties in Altior (through the admin records call)."""
        if count <= 0:
            return []
        tokens = self._new_tokens("A", count)
        sandbox = self.tenant.altior_sandbox or self.stack.altior_sandbox
        rows = [
            {"kind": "moral", "name": self.expected[t], "establishment": "ACME Lyon", **extra}
            for t in tokens
        ]
        created = await sandbox.seed(self.tenant.altior_key, {"third_parties": rows})
        self.altior_ids.update(zip(tokens, created["third_parties"], strict=True))
        return tokens

    async def seed(self, records: int) -> None:
        """Half the records born in Sellsy, half in Altior."""
        await self.add_sellsy(records - records // 2)
        await self.add_altior(records // 2)

    async def rename(self, token: str) -> None:
        """A user renames a record on the side it was born on (its next version)."""
        self.versions[token] += 1
        name = self._name(token)
        if token in self.sellsy_ids:
            company = self.sellsy_ids[token]
            await patiently(
                lambda: self.tenant.sellsy.update_company(company, CompanyUpdate(name=name))
            )
        else:
            third_party = self.altior_ids[token]
            change = ThirdPartyUpdate.model_validate({"name": name})
            await patiently(lambda: self.tenant.altior.update_third_party(third_party, change))
        self.expected[token] = name

    async def live_edits(self, rounds: int, *, pause: float = 1.0) -> None:
        """While the sync runs: each round creates a few records on each side and renames
        a few existing ones (some twice, so only their *last* update may survive)."""
        per_round = max(1, len(self.expected) // 20)
        for _ in range(rounds):
            await self.add_sellsy(max(1, per_round // 2))
            await self.add_altior(max(1, per_round // 2))
            candidates = sorted(t for t in self.expected if t not in self.excluded)
            for token in self.rng.sample(candidates, min(per_round, len(candidates))):
                await self.rename(token)
            await asyncio.sleep(pause)

    async def sellsy_names(self) -> list[str]:
        """Company names as the Sellsy sandbox stores them (read from its database: a
        malformed record would stop a typed client's listing, and reads cost no quota)."""

        def read() -> list[str]:
            path = self.stack.directory / "sellsy.db"
            with sqlite3.connect(path, timeout=30) as db:
                rows = db.execute(
                    "SELECT body FROM records WHERE account_id = ? AND kind = 'company'",
                    (self.tenant.sellsy_account,),
                ).fetchall()
            return [str(json.loads(body).get("name") or "") for (body,) in rows]

        return await asyncio.to_thread(read)

    async def altior_names(self) -> list[str]:
        async def read() -> list[str]:
            return [
                t.name or ""
                async for page in self.tenant.altior.third_party_pages()
                for t in page.items
            ]

        return await patiently(read)

    async def audit(self) -> Audit:
        expected = {t: n for t, n in self.expected.items() if t not in self.excluded}
        return Audit(
            sellsy=tally(await self.sellsy_names(), expected, self.excluded),
            altior=tally(await self.altior_names(), expected, self.excluded),
        )
