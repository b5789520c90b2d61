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

from sync_streams.altior.writes import AffaireUpdate, ThirdPartyUpdate
from sync_streams.sellsy.models.writes import CompanyUpdate, OpportunityUpdate
from tests.faults import deals as deal_rules
from tests.support.stack import Stack, Tenant

T = TypeVar("T")

EDITS_PER_ROUND_CAP = 100
"""Most records a round of live edits creates (and renames): 5 % of a 2,000-record run."""


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
    sellsy_deals: Tally = field(default_factory=Tally)
    altior_deals: Tally = field(default_factory=Tally)

    @property
    def tallies(self) -> dict[str, Tally]:
        return {
            "sellsy": self.sellsy,
            "altior": self.altior,
            "sellsy deals": self.sellsy_deals,
            "altior deals": self.altior_deals,
        }

    @property
    def duplicates(self) -> int:
        return sum(t.duplicates for t in self.tallies.values())

    @property
    def lost(self) -> int:
        return sum(t.lost for t in self.tallies.values())

    @property
    def clean(self) -> bool:
        return not (self.duplicates or self.lost)

    def summary(self) -> str:
        parts = []
        for side, tally in self.tallies.items():
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
    deals: bool = False
    """A fifth of the records are deals (the tenant needs ``deals.DEAL_FLOWS``)."""
    sellsy_deal_ids: dict[str, int] = field(default_factory=dict)
    altior_deal_ids: dict[str, int] = field(default_factory=dict)
    deal_company: dict[str, str] = field(default_factory=dict)
    """Deal token → the token of the company (third party) it was created on."""
    deal_steps: dict[str, str] = field(default_factory=dict)
    """Deal born in Sellsy → the step its user set last."""
    step_ids: deal_rules.StepIds = field(default_factory=deal_rules.StepIds)

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

    async def add_sellsy_deals(self, count: int) -> list[str]:
        """``count`` opportunities at the import trigger, each on a company born in Sellsy."""
        companies = sorted(set(self.sellsy_ids) - self.excluded)  # not on a malformed one
        if count <= 0 or not companies:
            return []
        pipeline, step = await self.step_ids.of(self.tenant.sellsy, deal_rules.TRIGGER)
        tokens = self._new_tokens("DS", count)
        owners = [self.rng.choice(companies) for _ in tokens]
        rows = [
            {"name": self.expected[t], "pipeline": pipeline, "step": step, "amount": "1500.00",
             "related": [{"id": self.sellsy_ids[owner], "type": "company"}]}
            for t, owner in zip(tokens, owners, strict=True)
        ]  # fmt: skip
        account = self.tenant.sellsy_account
        seeded = await self.stack.sellsy_sandbox.seed(account, opportunities=rows)
        self.sellsy_deal_ids.update(zip(tokens, seeded["opportunities"], strict=True))
        self.deal_company.update(zip(tokens, owners, strict=True))
        self.deal_steps.update(dict.fromkeys(tokens, deal_rules.TRIGGER))
        return tokens

    async def add_altior_deals(self, count: int) -> list[str]:
        """``count`` affaires, each on a third party born in Altior."""
        third_parties = sorted(set(self.altior_ids) - self.excluded)
        if count <= 0 or not third_parties:
            return []
        tokens = self._new_tokens("DA", count)
        owners = [self.rng.choice(third_parties) for _ in tokens]
        sandbox = self.tenant.altior_sandbox or self.stack.altior_sandbox
        rows = [
            {"name": self.expected[t], "third_party_id": self.altior_ids[owner],
             "establishments": [deal_rules.ESTABLISHMENT]}
            for t, owner in zip(tokens, owners, strict=True)
        ]  # fmt: skip
        created = await sandbox.seed(self.tenant.altior_key, {"affaires": rows})
        self.altior_deal_ids.update(zip(tokens, created["affaires"], strict=True))
        self.deal_company.update(zip(tokens, owners, strict=True))
        return tokens

    async def seed(self, records: int) -> None:
        """Half the records born in Sellsy, half in Altior; with deals, a fifth of each
        half are deals on the third parties of their side."""
        deals = records // 5 if self.deals else 0
        await self.add_sellsy(records - records // 2 - deals // 2)
        await self.add_altior(records // 2 - (deals - deals // 2))
        await self.add_sellsy_deals(deals // 2)
        await self.add_altior_deals(deals - deals // 2)

    async def rename(self, token: str) -> None:
        """A user renames a record on the side it was born on (its next version)."""
        self.versions[token] += 1
        name = self._name(token)
        if token in self.sellsy_deal_ids:
            await self._edit_opportunity(token, name)
        elif token in self.altior_deal_ids:
            affaire = self.altior_deal_ids[token]
            update = AffaireUpdate(name=name)
            await patiently(lambda: self.tenant.altior.update_affaire(affaire, update))
        elif token in self.sellsy_ids:
            company = self.sellsy_ids[token]
            await patiently(
                lambda: self.tenant.sellsy.update_company(company, CompanyUpdate(name=name))
            )
        else:
            third_party = self.altior_ids[token]
            change = ThirdPartyUpdate.model_validate({"name": name})
            await patiently(lambda: self.tenant.altior.update_third_party(third_party, change))
        self.expected[token] = name

    async def _edit_opportunity(self, token: str, name: str) -> None:
        """Rename, and move between the trigger and the next step (what a poll sees)."""
        step = (
            deal_rules.OTHER_STEP
            if self.deal_steps[token] == deal_rules.TRIGGER
            else deal_rules.TRIGGER
        )
        _, step_id = await self.step_ids.of(self.tenant.sellsy, step)
        update = OpportunityUpdate(name=name, step=step_id)
        opportunity = self.sellsy_deal_ids[token]
        await patiently(lambda: self.tenant.sellsy.update_opportunity(opportunity, update))
        self.deal_steps[token] = step

    async def live_edits(self, rounds: int, *, pause: float = 1.0) -> None:
        """While the sync runs: each round creates a few records on each side and renames
        a few existing ones (some twice, so only their *last* update may survive).

        A round touches 5 % of the records, at most ``EDITS_PER_ROUND_CAP``: a
        10,000-record run would otherwise grow by half again over its 21 rounds."""
        per_round = max(1, min(len(self.expected) // 20, EDITS_PER_ROUND_CAP))
        for _ in range(rounds):
            await self.add_sellsy(max(1, per_round // 2))
            await self.add_altior(max(1, per_round // 2))
            if self.deals:
                await self.add_sellsy_deals(max(1, per_round // 10))
                await self.add_altior_deals(max(1, per_round // 10))
            candidates = sorted(t for t in self.expected if t not in self.excluded)
            for token in self.rng.sample(candidates, min(per_round, len(candidates))):
                await self.rename(token)
            await asyncio.sleep(pause)

    def _expected(self, deals: bool) -> dict[str, str]:
        return {
            t: n
            for t, n in self.expected.items()
            if t not in self.excluded and t.startswith("D") == deals
        }

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

    async def altior_third_parties(self) -> dict[int, str]:
        """Third-party id → name, through the API."""

        async def read() -> dict[int, str]:
            return {
                t.id: t.name or ""
                async for page in self.tenant.altior.third_party_pages()
                for t in page.items
            }

        return await patiently(read)

    async def audit(self) -> Audit:
        third_parties = await self.altior_third_parties()
        result = Audit(
            sellsy=tally(await self.sellsy_names(), self._expected(False), self.excluded),
            altior=tally(list(third_parties.values()), self._expected(False), self.excluded),
        )
        if self.deals:
            await self._audit_deals(result, third_parties)
        return result

    async def _audit_deals(self, result: Audit, third_parties: dict[int, str]) -> None:
        """Deals: once and at their latest name on each side (``tally``), on their
        company's twin, and in Altior at the step the opportunity stands at."""
        expected = self._expected(True)
        database = self.stack.directory / "sellsy.db"
        account = self.tenant.sellsy_account
        in_sellsy = await asyncio.to_thread(deal_rules.sellsy_deals, database, account)
        in_altior = await patiently(
            lambda: deal_rules.altior_deals(self.tenant.altior, third_parties)
        )
        result.sellsy_deals = tally([d.name for d in in_sellsy], expected)
        result.altior_deals = tally([d.name for d in in_altior], expected)
        stands = {deal_rules.token(d.name): d.step for d in in_sellsy}
        steps = {t: self.deal_steps.get(t) or stands.get(t) for t in expected}
        for side, found, checked in (
            (result.sellsy_deals, in_sellsy, dict(self.deal_steps)),
            (result.altior_deals, in_altior, steps),
        ):
            wrong = deal_rules.misplaced(found, self.deal_company, checked)
            side.lost += len(wrong)
            side.missing += wrong
