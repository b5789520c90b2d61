"""A workload of every third-party kind, with archive flags and hard deletes, and its audit.

Scenario 10 needs more than company names: Sellsy companies / Altior legal persons,
Sellsy individuals / Altior natural persons, Sellsy contacts / Altior contacts, each
with its archive flag (Sellsy ``is_archived``, Altior ``archived``), some archived
before they ever had a twin, some deleted in Sellsy.  Every record carries a *token*
(``S00003-acme`` in a company's name, ``I00002-acme`` as a person's or contact's last
name) and a version (the rest of a company's name, a person's first name ``v2``).

The audit reads both sandboxes' databases (reads cost no quota and see every record,
archived or not) and compares each side with what the sources say: the latest version
and archive flag of every token, on the sides it must be on.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from sync_streams.altior.writes import ContactUpdate as AltiorContactUpdate
from sync_streams.altior.writes import ThirdPartyUpdate
from sync_streams.sellsy.models.writes import CompanyUpdate, ContactUpdate, IndividualUpdate
from tests.faults.workload import patiently
from tests.support.stack import Stack, Tenant

KINDS = ("company", "individual", "contact")
PREFIX = {
    "company": "S",
    "individual": "I",
    "contact": "C",
    "third_party": "A",
    "altior_contact": "K",
}
"""Token prefix by the kind a record is born as (``A`` and ``K`` are born in Altior)."""


@dataclass
class Twin:
    """One record as its sources say it should end, on both sides."""

    token: str
    kind: str
    """``company``, ``individual`` or ``contact`` (its Sellsy kind, wherever born)."""
    born: str
    version: int = 1
    archived: bool = False
    twinned: bool = True
    """False while it has only ever been archived: an archived record gets no twin."""
    deleted: bool = False
    """Hard-deleted in Sellsy: absent there for good, its Altior twin kept as it is."""
    ids: dict[str, int] = field(default_factory=dict)
    """Side -> id, once known (the sync's creates are read back from the databases)."""

    def value(self, word: str) -> str:
        """What a side must show: a company's whole name, a person's first name."""
        return (
            f"{self.token} {word} v{self.version}" if self.kind == "company" else f"v{self.version}"
        )

    def expected_on(self, side: str) -> bool:
        if side == "sellsy" and self.deleted:
            return False
        return side == self.born or self.twinned


@dataclass(frozen=True)
class Found:
    side: str
    id: int
    kind: str
    token: str
    value: str
    archived: bool


def read_sellsy(path: Path, account: int) -> list[Found]:
    with sqlite3.connect(path, timeout=30) as db:
        rows = db.execute(
            "SELECT kind, id, body FROM records WHERE account_id = ? AND kind IN (?, ?, ?)",
            (account, *KINDS),
        ).fetchall()
    found = []
    for kind, record_id, text in rows:
        body = json.loads(text)
        if kind == "company":
            token, value = str(body.get("name") or "").split(" ", 1)[0], str(body.get("name"))
        else:
            token, value = str(body.get("last_name") or ""), str(body.get("first_name") or "")
        archived = bool(body.get("is_archived"))
        found.append(Found("sellsy", int(record_id), kind, token, value, archived))
    return found


def read_altior(path: Path, tenant_id: int) -> list[Found]:
    with sqlite3.connect(path, timeout=30) as db:
        rows = db.execute(
            "SELECT kind, id, data FROM records WHERE tenant_id = ? AND kind IN (?, ?)",
            (tenant_id, "third_party", "contact"),
        ).fetchall()
    found = []
    for stored, record_id, text in rows:
        data = json.loads(text)
        if stored == "third_party" and data.get("kind") == "moral":
            kind, value = "company", str(data.get("name") or "")
            token = value.split(" ", 1)[0]
        else:
            kind = "individual" if stored == "third_party" else "contact"
            token, value = str(data.get("last_name") or ""), str(data.get("first_name") or "")
        archived = bool(data.get("archived"))
        found.append(Found("altior", int(record_id), kind, token, value, archived))
    return found


@dataclass
class TwinAudit:
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    """A side whose archive flag is not the one the sources say (so the pair differs)."""
    recreated: list[str] = field(default_factory=list)
    """A record deleted in Sellsy found there again."""

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicates or self.flags or self.recreated)

    def summary(self) -> str:
        parts = [f"{name} {items[:4]}" for name, items in (
            ("lost", self.lost), ("duplicates", self.duplicates), ("flags", self.flags),
            ("re-created", self.recreated)) if items]  # fmt: skip
        return "; ".join(parts) or "clean"


@dataclass
class Twins:
    stack: Stack
    tenant: Tenant
    word: str
    records: dict[str, Twin] = field(default_factory=dict)

    def _tokens(self, born_as: str, count: int) -> list[str]:
        prefix = PREFIX[born_as]
        start = sum(1 for t in self.records if t.startswith(prefix)) + 1
        return [f"{prefix}{n:05d}-{self.word}" for n in range(start, start + count)]

    def _new(self, born_as: str, count: int, *, archived: bool) -> list[Twin]:
        kind = {"third_party": "company", "altior_contact": "contact"}.get(born_as, born_as)
        side = "altior" if born_as in ("third_party", "altior_contact") else "sellsy"
        made = [Twin(t, kind, side, archived=archived, twinned=not archived)
                for t in self._tokens(born_as, count)]  # fmt: skip
        self.records.update((t.token, t) for t in made)
        return made

    def of(self, kind: str, born: str) -> list[Twin]:
        return [t for t in self.records.values() if t.kind == kind and t.born == born]

    async def seed_sellsy(
        self, companies: int, individuals: int, contacts: int, *, archived: int = 0
    ) -> None:
        """Companies (the last ``archived`` archived from birth), individuals, and contacts
        each linked to one of the new companies."""
        made = self._new("company", companies, archived=False)
        for twin in made[companies - archived :]:
            twin.archived, twin.twinned = True, False
        people = self._new("individual", individuals, archived=False)
        staff = self._new("contact", contacts, archived=False)
        sandbox, account = self.stack.sellsy_sandbox, self.tenant.sellsy_account
        seeded = await sandbox.seed(
            account,
            companies=[{"type": "client", "name": t.value(self.word), "is_archived": t.archived}
                       for t in made],
            individuals=[{"type": "client", "last_name": t.token, "first_name": t.value(self.word)}
                         for t in people],
            contacts=[{"last_name": t.token, "first_name": t.value(self.word)} for t in staff],
        )  # fmt: skip
        for group, twins in (("companies", made), ("individuals", people), ("contacts", staff)):
            for twin, record_id in zip(twins, seeded.get(group, []), strict=True):
                twin.ids["sellsy"] = int(record_id)
        open_companies = [t for t in made if not t.archived]
        links = [{"company_id": open_companies[i % len(open_companies)].ids["sellsy"],
                  "contact_id": t.ids["sellsy"]} for i, t in enumerate(staff)]  # fmt: skip
        await sandbox.seed(account, links=links)

    async def seed_altior(self, third_parties: int, contacts: int, *, archived: int = 0) -> None:
        """Legal persons (the last ``archived`` archived from birth) and contacts of them."""
        made = self._new("third_party", third_parties, archived=False)
        for twin in made[third_parties - archived :]:
            twin.archived, twin.twinned = True, False
        staff = self._new("altior_contact", contacts, archived=False)
        open_ones = [i for i, t in enumerate(made) if not t.archived]
        sandbox = self.tenant.altior_sandbox or self.stack.altior_sandbox
        created = await sandbox.seed(self.tenant.altior_key, {
            "third_parties": [{"kind": "moral", "name": t.value(self.word), "archived": t.archived,
                               "establishment": "ACME Lyon"} for t in made],
            "contacts": [{"last_name": t.token, "first_name": t.value(self.word),
                          "establishment": "ACME Lyon",
                          "third_party_index": open_ones[i % len(open_ones)]}
                         for i, t in enumerate(staff)],
        })  # fmt: skip
        for twin, record_id in zip(made, created["third_parties"], strict=True):
            twin.ids["altior"] = record_id
        for twin, record_id in zip(staff, created["contacts"], strict=True):
            twin.ids["altior"] = record_id

    # --- reading both sides ---------------------------------------------------------

    async def sides(self) -> list[Found]:
        sandbox = self.tenant.altior_sandbox or self.stack.altior_sandbox
        tenant_id = sandbox.tenant_of(self.tenant.altior_key)
        sellsy = await asyncio.to_thread(
            read_sellsy, self.stack.directory / "sellsy.db", self.tenant.sellsy_account
        )
        altior = await asyncio.to_thread(read_altior, sandbox.db_path, tenant_id)
        return sellsy + altior

    async def paired(self) -> set[str]:
        """Tokens found exactly once on each side, with their ids noted."""
        found = await self.sides()
        tokens = {}
        for side in ("sellsy", "altior"):
            mine = [f for f in found if f.side == side]
            tokens[side] = {f.token: f for f in mine if sum(g.token == f.token for g in mine) == 1}
        both = set(tokens["sellsy"]) & set(tokens["altior"])
        for token in both & set(self.records):
            for side in ("sellsy", "altior"):
                self.records[token].ids.setdefault(side, tokens[side][token].id)
        return both

    async def twin_id(self, twin: Twin, side: str) -> int:
        """The id of ``twin`` on ``side`` (the sync's create, found by token)."""
        if side not in twin.ids:
            found = [f for f in await self.sides() if f.side == side and f.token == twin.token]
            assert len(found) == 1, f"{twin.token} on {side}: {found}"
            twin.ids[side] = found[0].id
        return twin.ids[side]

    async def audit(self) -> TwinAudit:
        result = TwinAudit()
        found = await self.sides()
        for side in ("sellsy", "altior"):
            by_token: dict[str, list[Found]] = {}
            for record in (f for f in found if f.side == side):
                by_token.setdefault(record.token, []).append(record)
            for token, copies in by_token.items():
                twin = self.records.get(token)
                if twin is None or twin.kind != copies[0].kind:
                    result.duplicates += [f"{side} {token} (no source)"] * len(copies)
                elif side == "sellsy" and twin.deleted:
                    result.recreated.append(token)
                elif len(copies) > 1:
                    result.duplicates += [f"{side} {token}"] * (len(copies) - 1)
            for twin in self.records.values():
                copies = by_token.get(twin.token, [])
                if not twin.expected_on(side):
                    if copies and not (side == "sellsy" and twin.deleted):
                        result.duplicates.append(f"{side} {twin.token} (archived, no twin due)")
                    continue
                want = twin.value(self.word)
                if not any(c.value == want for c in copies):
                    result.lost.append(f"{side} {want!r} (found {[c.value for c in copies]})")
                elif any(c.archived != twin.archived for c in copies if c.value == want):
                    result.flags.append(f"{side} {twin.token} archived={not twin.archived}")
        return result

    # --- a user's edits -------------------------------------------------------------

    async def rename(self, twin: Twin, side: str) -> None:
        """A user edits the record on ``side`` (its next version)."""
        twin.version += 1
        await self._write(twin, side, {"name" if twin.kind == "company" else "first_name":
                                       twin.value(self.word)})  # fmt: skip

    async def set_archived(self, twin: Twin, side: str, archived: bool) -> None:
        """A user archives (or un-archives) the record on ``side``."""
        twin.archived = archived
        twin.twinned = twin.twinned or not archived
        await self._write(twin, side, {"is_archived" if side == "sellsy" else "archived": archived})

    async def _write(self, twin: Twin, side: str, fields: dict[str, Any]) -> None:
        record_id = await self.twin_id(twin, side)
        sellsy, altior = self.tenant.sellsy, self.tenant.altior
        if side == "sellsy" and twin.kind == "company":
            change: Any = CompanyUpdate.model_validate(fields)
            await patiently(lambda: sellsy.update_company(record_id, change))
        elif side == "sellsy" and twin.kind == "individual":
            change = IndividualUpdate.model_validate(fields)
            await patiently(lambda: sellsy.update_individual(record_id, change))
        elif side == "sellsy":
            change = ContactUpdate.model_validate(fields)
            await patiently(lambda: sellsy.update_contact(record_id, change))
        elif twin.kind == "contact":
            change = AltiorContactUpdate.model_validate(fields)
            await patiently(lambda: altior.update_contact(record_id, change))
        else:
            change = ThirdPartyUpdate.model_validate(fields)
            await patiently(lambda: altior.update_third_party(record_id, change))

    async def delete_in_sellsy(self, twin: Twin) -> None:
        """A user hard-deletes the Sellsy record (``DELETE /companies/{id}`` and so on)."""
        record_id = await self.twin_id(twin, "sellsy")
        await self.twin_id(twin, "altior")  # the survivor, edited later
        credentials = self.tenant.sellsy.credentials
        secret = credentials.client_secret
        assert isinstance(secret, SecretStr)
        token = await self.stack.sellsy_sandbox.token(
            credentials.client_id, secret.get_secret_value()
        )
        resource = {"company": "companies", "individual": "individuals", "contact": "contacts"}
        async with self.stack.sellsy_sandbox.api_client(token) as api:
            response = await api.delete(f"/{resource[twin.kind]}/{record_id}")
            assert response.status_code in (200, 204), response.text
        twin.deleted = True
