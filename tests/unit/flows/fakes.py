"""In-memory Sellsy and Altior clients for the deal flows (no network).

They answer with the real pydantic models of both clients, apply writes the way
the sandboxes do (Sellsy moves ``updated_status`` on a step or status change;
Altior merges custom fields by name and external references by codification/key;
``/close`` and ``/reopen`` change the status), and log every call, so a test
counts writes as a user checking the APIs' logs would.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, TypeVar

from sync_streams.altior.models import Affaire, ThirdParty
from sync_streams.altior.models import Contact as AltiorContact
from sync_streams.errors import NotFoundError, PreconditionFailedError
from sync_streams.sellsy.models import (
    Company,
    Contact,
    ContactCompanyLink,
    Individual,
    Opportunity,
    Pipeline,
    Step,
)
from sync_streams.sellsy.models.custom_fields import CustomFieldDefinition

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

T = TypeVar("T")


async def answered(calls: list[tuple[str, str]], read: Awaitable[T]) -> T:
    """What a write answers: the record as a read gives it, the read not counted as a
    call (the API answers the write with the record)."""
    count = len(calls)
    result = await read
    del calls[count:]
    return result


PIPELINES: dict[str, list[str]] = {
    "Ventes": [
        "Prospection",
        "Qualification",
        "Signature",
        "Devis envoyé",
        "Commande reçue",
        "Clôturé",
    ],
    "Partenariats": ["Premier contact", "Négociation", "Accord signé"],
}
ESTABLISHMENTS = {"ACME Lyon": 1, "ACME Paris": 2}
COMPANY_FLAG = 90
DEAL_FLAG = 91


@dataclass
class Clock:
    now: datetime = T0

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def iso(self) -> str:
        return self.now.isoformat()


@dataclass
class FakeSellsy:
    clock: Clock
    pipelines: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    opportunities: dict[int, dict[str, Any]] = field(default_factory=dict)
    companies: dict[int, dict[str, Any]] = field(default_factory=dict)
    individuals: dict[int, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    contact_links: dict[int, list[int]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(500))

    def __post_init__(self) -> None:
        step_ids = itertools.count(10)
        for rank, (name, steps) in enumerate(PIPELINES.items(), start=1):
            self.pipelines.append({"id": rank, "name": name, "is_default": rank == 1})
            self.steps[rank] = [
                {"id": next(step_ids), "name": step, "rank": index}
                for index, step in enumerate(steps)
            ]

    # --- helpers for tests -------------------------------------------------------

    def step_of(self, pipeline: str, step: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = next(p for p in self.pipelines if p["name"] == pipeline)
        return found, next(s for s in self.steps[found["id"]] if s["name"] == step)

    def add_company(self, name: str, **extra: Any) -> int:
        ident = next(self.ids)
        self.companies[ident] = {
            "id": ident,
            "type": "client",
            "name": name,
            "updated_at": self.clock.tick().isoformat(),
            **extra,
        }
        return ident

    def add_opportunity(
        self,
        name: str,
        pipeline: str,
        step: str,
        *,
        company_id: int | None = None,
        status: str = "open",
        amount: str = "1000.00",
        flag: tuple[int, bool] | None = None,
    ) -> int:
        ident = next(self.ids)
        found, at = self.step_of(pipeline, step)
        stamp = self.clock.tick().isoformat()
        self.opportunities[ident] = {
            "id": ident,
            "name": name,
            "status": status,
            "amount": {"value": amount, "currency": "EUR"},
            "pipeline": {"id": found["id"], "name": found["name"]},
            "step": {"id": at["id"], "name": at["name"]},
            "company_id": company_id,
            "individual_id": None,
            "created": stamp,
            "updated_status": stamp,
        }
        if flag is not None:
            self.opportunities[ident]["_embed"] = {
                "custom_fields": [{"id": flag[0], "value": flag[1]}]
            }
        return ident

    def edit(self, ident: int, **changes: Any) -> None:
        """A salesperson's edit: ``step`` (name in the current pipeline), status, name..."""
        record = self.opportunities[ident]
        if "step" in changes:
            _, at = self.step_of(record["pipeline"]["name"], changes.pop("step"))
            record["step"] = {"id": at["id"], "name": at["name"]}
            record["updated_status"] = self.clock.tick().isoformat()
        if "status" in changes:
            record["updated_status"] = self.clock.tick().isoformat()
        record.update(changes)

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] in ("POST", "PUT")]

    # --- the client --------------------------------------------------------------

    async def list_pipelines(self) -> list[Pipeline]:
        self.calls.append(("GET", "/opportunities/pipelines"))
        return [Pipeline.model_validate(p) for p in self.pipelines]

    async def list_steps(self, pipeline_id: int) -> list[Step]:
        self.calls.append(("GET", f"/opportunities/pipelines/{pipeline_id}/steps"))
        return [Step.model_validate(s) for s in self.steps[pipeline_id]]

    async def search_custom_fields(self) -> list[CustomFieldDefinition]:
        return [
            CustomFieldDefinition.model_validate(
                {
                    "id": COMPANY_FLAG,
                    "name": "Synchronisation Altior",
                    "code": "synchronisation-altior",
                    "type": "boolean",
                    "related_object": ["client", "prospect", "supplier", "contact"],
                }
            ),
            CustomFieldDefinition.model_validate(
                {
                    "id": DEAL_FLAG,
                    "name": "Synchronisation Altior (opportunités)",
                    "code": "synchronisation-altior-opportunites",
                    "type": "boolean",
                    "related_object": ["opportunity"],
                }
            ),
        ]

    async def get_opportunity(
        self, opportunity_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Opportunity:
        self.calls.append(("GET", f"/opportunities/{opportunity_id}"))
        if opportunity_id not in self.opportunities:
            raise NotFoundError("no such opportunity", system="sellsy")
        return Opportunity.model_validate(copy.deepcopy(self.opportunities[opportunity_id]))

    async def iter_opportunities(
        self,
        *,
        pipelines: Iterable[int] = (),
        steps: Iterable[int] = (),
        statuses: Iterable[str] = (),
        created: Any = None,
        updated_status: Any = None,
        custom_field_ids: Iterable[int] = (),
        order: str = "id",
        limit: int | None = None,
    ) -> AsyncIterator[Opportunity]:
        wanted_steps, wanted_statuses = set(steps), set(statuses)
        start = updated_status.start if updated_status is not None else None
        found = [
            o
            for _, o in sorted(self.opportunities.items())
            if (not wanted_steps or o["step"]["id"] in wanted_steps)
            and (not wanted_statuses or o["status"] in wanted_statuses)
            and (start is None or datetime.fromisoformat(o["updated_status"]) >= start)
        ]
        for page in range(max(1, -(-len(found) // 100))):
            self.calls.append(("POST", "/opportunities/search"))
            for record in found[page * 100 : (page + 1) * 100]:
                yield Opportunity.model_validate(copy.deepcopy(record))

    async def create_opportunity(
        self, opportunity: Any, *, custom_field_ids: Iterable[int] = ()
    ) -> Opportunity:
        self.calls.append(("POST", "/opportunities"))
        body = opportunity.payload()
        ident = next(self.ids)
        pipeline = next(p for p in self.pipelines if p["id"] == body["pipeline"])
        step = next(s for s in self.steps[pipeline["id"]] if s["id"] == body["step"])
        related = {r["type"]: r["id"] for r in body["related"]}
        stamp = self.clock.tick().isoformat()
        self.opportunities[ident] = {
            "id": ident,
            "name": body["name"],
            "status": body.get("status", "open"),
            "amount": {"value": str(body.get("amount") or "0.00"), "currency": "EUR"},
            "pipeline": {"id": pipeline["id"], "name": pipeline["name"]},
            "step": {"id": step["id"], "name": step["name"]},
            "company_id": related.get("company"),
            "individual_id": related.get("individual"),
            "created": stamp,
            "updated_status": stamp,
        }
        return await answered(self.calls, self.get_opportunity(ident))

    async def update_opportunity(
        self, opportunity_id: int, changes: Any, *, custom_field_ids: Iterable[int] = ()
    ) -> Opportunity:
        self.calls.append(("PUT", f"/opportunities/{opportunity_id}"))
        record = self.opportunities[opportunity_id]
        body = changes.payload()
        if "step" in body:
            pipeline_id = body.get("pipeline", record["pipeline"]["id"])
            pipeline = next(p for p in self.pipelines if p["id"] == pipeline_id)
            step = next(s for s in self.steps[pipeline_id] if s["id"] == body["step"])
            record["pipeline"] = {"id": pipeline["id"], "name": pipeline["name"]}
            if record["step"]["id"] != step["id"]:
                record["updated_status"] = self.clock.tick().isoformat()
            record["step"] = {"id": step["id"], "name": step["name"]}
        if "status" in body and body["status"] != record["status"]:
            record["status"] = body["status"]
            record["updated_status"] = self.clock.tick().isoformat()
        if "name" in body:
            record["name"] = body["name"]
        if "amount" in body:
            record["amount"] = {"value": f"{float(body['amount']):.2f}", "currency": "EUR"}
        return await answered(self.calls, self.get_opportunity(opportunity_id))

    async def get_company(
        self, company_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Company:
        self.calls.append(("GET", f"/companies/{company_id}"))
        if company_id not in self.companies:
            raise NotFoundError("no such company", system="sellsy")
        return Company.model_validate(copy.deepcopy(self.companies[company_id]))

    async def get_individual(
        self, individual_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Individual:
        self.calls.append(("GET", f"/individuals/{individual_id}"))
        if individual_id not in self.individuals:
            raise NotFoundError("no such individual", system="sellsy")
        return Individual.model_validate(copy.deepcopy(self.individuals[individual_id]))

    async def find_companies(self, **filters: Any) -> list[Company]:
        self.calls.append(("POST", "/companies/search"))
        references = set(filters.get("references") or ())
        return [
            Company.model_validate(c)
            for c in self.companies.values()
            if c.get("reference") in references
        ]

    async def find_individuals(
        self, *, references: Iterable[str], custom_field_ids: Iterable[int] = ()
    ) -> list[Individual]:
        self.calls.append(("POST", "/individuals/search"))
        wanted = {r.lower() for r in references}
        return [
            Individual.model_validate(copy.deepcopy(i))
            for i in self.individuals.values()
            if str(i.get("reference") or "").lower() in wanted
        ]

    async def create_individual(
        self, individual: Any, *, custom_field_ids: Iterable[int] = ()
    ) -> Individual:
        self.calls.append(("POST", "/individuals"))
        ident = next(self.ids)
        stamp = self.clock.tick().isoformat()
        self.individuals[ident] = {"id": ident, **individual.payload(), "updated_at": stamp}
        return await answered(self.calls, self.get_individual(ident))

    # --- contacts (created from Altior) ----------------------------------------------

    async def get_contact(
        self, contact_id: int, *, custom_field_ids: Iterable[int] = ()
    ) -> Contact:
        self.calls.append(("GET", f"/contacts/{contact_id}"))
        if contact_id not in self.contacts:
            raise NotFoundError("no such contact", system="sellsy")
        return Contact.model_validate(copy.deepcopy(self.contacts[contact_id]))

    async def create_contact(
        self, contact: Any, *, custom_field_ids: Iterable[int] = ()
    ) -> Contact:
        self.calls.append(("POST", "/contacts"))
        ident = next(self.ids)
        stamp = self.clock.tick().isoformat()
        self.contacts[ident] = {
            "id": ident,
            **contact.payload(),
            "created": stamp,
            "updated": stamp,
        }
        return await answered(self.calls, self.get_contact(ident))

    async def find_contacts(
        self,
        *,
        created: Any,
        last_name: str | None = None,
        email: str | None = None,
        custom_field_ids: Iterable[int] = (),
    ) -> list[Contact]:
        self.calls.append(("POST", "/contacts/search"))
        return [
            Contact.model_validate(copy.deepcopy(c))
            for c in self.contacts.values()
            if datetime.fromisoformat(c["created"]) >= created.start
            and last_name in (None, c.get("last_name"))
            and email in (None, c.get("email"))
        ]

    async def list_contact_companies(self, contact_id: int) -> list[Company]:
        self.calls.append(("GET", f"/contacts/{contact_id}/companies"))
        return [await self.get_company(c) for c in self.contact_links.get(contact_id, [])]

    async def link_contact_to_company(self, company_id: int, contact_id: int) -> ContactCompanyLink:
        self.calls.append(("POST", f"/companies/{company_id}/contacts/{contact_id}"))
        linked = self.contact_links.setdefault(contact_id, [])
        if company_id not in linked:
            linked.append(company_id)
        return ContactCompanyLink(company_id=company_id, contact_id=contact_id)

    async def find_opportunities(
        self,
        *,
        created: Any,
        name: str | None = None,
        related: Iterable[Any] = (),
        custom_field_ids: Iterable[int] = (),
    ) -> list[Opportunity]:
        self.calls.append(("POST", "/opportunities/search"))
        wanted = {(r.type, r.id) for r in related}
        return [
            Opportunity.model_validate(copy.deepcopy(o))
            for o in self.opportunities.values()
            if datetime.fromisoformat(o["created"]) >= created.start
            and name in (None, o["name"])
            and (
                not wanted
                or ("company", o["company_id"]) in wanted
                or ("individual", o["individual_id"]) in wanted
            )
        ]

    async def create_company(
        self, company: Any, *, custom_field_ids: Iterable[int] = ()
    ) -> Company:
        self.calls.append(("POST", "/companies"))
        ident = self.add_company(**company.payload())
        return await answered(self.calls, self.get_company(ident))


@dataclass
class FakeAltior:
    clock: Clock
    affaires: dict[int, dict[str, Any]] = field(default_factory=dict)
    third_parties: dict[int, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[int, dict[str, Any]] = field(default_factory=dict)
    quotes: dict[int, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] in ("POST", "PATCH")]

    def _stamp(self, record: dict[str, Any]) -> None:
        record["updated_at"] = self.clock.tick().isoformat()

    @staticmethod
    def _check_version(record: dict[str, Any], if_match: str | None) -> None:
        """Altior's conditional PATCH: refused (412) once the record moved on."""
        if if_match is None:
            return
        if datetime.fromisoformat(if_match) != datetime.fromisoformat(record["updated_at"]):
            raise PreconditionFailedError("changed meanwhile", system="altior", status=412)

    def add_affaire(self, name: str, third_party_id: int, **extra: Any) -> int:
        ident = next(self.ids)
        self.affaires[ident] = {
            "id": ident,
            "reference": f"AFF-{ident:05d}",
            "name": name,
            "third_party_id": third_party_id,
            "establishment_ids": [1],
            "amount": {"value": "500.00", "currency": "EUR"},
            "status": "open",
            "closed_at": None,
            "custom_fields": {},
            "external_references": [],
            **extra,
        }
        self._stamp(self.affaires[ident])
        return ident

    def document(self, kind: str, affaire_id: int) -> dict[str, Any]:
        """A quote or order added in Altior, as ``/quotes`` or ``/orders`` lists it."""
        ident = next(self.ids)
        return {
            "id": ident,
            "affaire_id": affaire_id,
            "number": f"{kind[:3].upper()}-{ident:05d}",
            "label": f"{kind} {ident}",
            "amount": {"value": "100.00", "currency": "EUR"},
            "status": "draft" if kind == "quote" else "confirmed",
            "updated_at": self.clock.tick().isoformat(),
        }

    # --- the client --------------------------------------------------------------

    async def list_establishments(self) -> list[Any]:
        return [SimpleNamespace(name=n, id=i) for n, i in ESTABLISHMENTS.items()]

    async def list_users(self) -> list[Any]:
        return [SimpleNamespace(login="sync.sellsy")]

    async def list_custom_fields(self) -> list[Any]:
        return [SimpleNamespace(name=n) for n in ("Workflow", "Etape")]

    async def list_civilities(self) -> list[Any]:
        return [SimpleNamespace(abbreviation=a) for a in ("M", "Mme")]

    async def list_email_types(self) -> list[Any]:
        return [SimpleNamespace(name="Principal")]

    async def list_phone_types(self) -> list[Any]:
        return [SimpleNamespace(name=n) for n in ("Fixe", "Fax", "Portable")]

    async def list_url_types(self) -> list[Any]:
        return [SimpleNamespace(name="Site web")]

    async def get_affaire(self, affaire_id: int) -> Affaire:
        self.calls.append(("GET", f"/affaires/{affaire_id}"))
        if affaire_id not in self.affaires:
            raise NotFoundError("no such affaire", system="altior")
        return Affaire.model_validate(copy.deepcopy(self.affaires[affaire_id]))

    async def find_affaire_by_external_reference(
        self, value: str, *, key: str, codification: str
    ) -> Affaire | None:
        for record in self.affaires.values():
            for ref in record["external_references"]:
                if (ref["codification"], ref["key"], ref["value"]) == (codification, key, value):
                    return await self.get_affaire(record["id"])
        return None

    async def create_affaire(self, data: Any) -> Affaire:
        self.calls.append(("POST", "/affaires"))
        body = data.payload()
        ident = self.add_affaire(body.pop("name"), body.pop("third_party_id"))
        self._merge(self.affaires[ident], body)
        return await answered(self.calls, self.get_affaire(ident))

    def _merge(self, record: dict[str, Any], body: dict[str, Any]) -> None:
        for key, value in body.items():
            if key == "custom_fields":
                record["custom_fields"].update(value)
            elif key == "external_references":
                for ref in value:
                    record["external_references"] = [
                        r
                        for r in record["external_references"]
                        if (r["codification"], r["key"]) != (ref["codification"], ref["key"])
                    ] + [{"name": "", **{k: v for k, v in ref.items() if v is not None}}]
            else:
                record[key] = value

    async def update_affaire(
        self, affaire_id: int, data: Any, *, if_match: str | None = None
    ) -> Affaire:
        self.calls.append(("PATCH", f"/affaires/{affaire_id}"))
        self._check_version(self.affaires[affaire_id], if_match)
        self._merge(self.affaires[affaire_id], data.payload())
        self._stamp(self.affaires[affaire_id])
        return await answered(self.calls, self.get_affaire(affaire_id))

    async def close_affaire(self, affaire_id: int, status: str = "closed") -> Affaire:
        self.calls.append(("POST", f"/affaires/{affaire_id}/close"))
        record = self.affaires[affaire_id]
        record.update(status=status, closed_at=self.clock.tick().isoformat())
        self._stamp(record)
        return await answered(self.calls, self.get_affaire(affaire_id))

    async def reopen_affaire(self, affaire_id: int) -> Affaire:
        self.calls.append(("POST", f"/affaires/{affaire_id}/reopen"))
        self.affaires[affaire_id].update(status="open", closed_at=None)
        self._stamp(self.affaires[affaire_id])
        return await answered(self.calls, self.get_affaire(affaire_id))

    async def get_third_party(self, third_party_id: int) -> ThirdParty:
        if third_party_id not in self.third_parties:
            raise NotFoundError("no such third party", system="altior")
        return ThirdParty.model_validate(copy.deepcopy(self.third_parties[third_party_id]))

    async def find_third_party_by_external_reference(
        self, value: str, *, key: str, codification: str
    ) -> ThirdParty | None:
        for record in self.third_parties.values():
            for ref in record.get("external_references", []):
                if (ref["codification"], ref["key"], ref["value"]) == (codification, key, value):
                    return await self.get_third_party(record["id"])
        return None

    async def create_third_party(self, data: Any) -> ThirdParty:
        self.calls.append(("POST", "/third-parties"))
        body = data.payload()
        ident = next(self.ids)
        self.third_parties[ident] = {"id": ident, **body}
        self._stamp(self.third_parties[ident])
        return await answered(self.calls, self.get_third_party(ident))

    async def update_third_party(
        self, third_party_id: int, data: Any, *, if_match: str | None = None
    ) -> ThirdParty:
        self.calls.append(("PATCH", f"/third-parties/{third_party_id}"))
        record = self.third_parties[third_party_id]
        self._check_version(record, if_match)
        body = data.payload()
        refs = body.pop("external_references", None)
        record.update(body)
        if refs:
            record["external_references"] = [
                {"name": "", **{k: v for k, v in r.items() if v is not None}} for r in refs
            ]
        self._stamp(record)
        return await answered(self.calls, self.get_third_party(third_party_id))

    # --- contacts --------------------------------------------------------------------

    def add_contact(self, first_name: str, last_name: str, **extra: Any) -> int:
        ident = next(self.ids)
        self.contacts[ident] = {
            "id": ident,
            "first_name": first_name,
            "last_name": last_name,
            "establishment_id": 1,
            "external_references": [],
            **extra,
        }
        self._stamp(self.contacts[ident])
        return ident

    async def get_contact(self, contact_id: int) -> AltiorContact:
        self.calls.append(("GET", f"/contacts/{contact_id}"))
        if contact_id not in self.contacts:
            raise NotFoundError("no such contact", system="altior")
        return AltiorContact.model_validate(copy.deepcopy(self.contacts[contact_id]))

    async def update_contact(
        self, contact_id: int, data: Any, *, if_match: str | None = None
    ) -> AltiorContact:
        self.calls.append(("PATCH", f"/contacts/{contact_id}"))
        record = self.contacts[contact_id]
        self._check_version(record, if_match)
        self._merge(record, data.payload())
        self._stamp(record)
        return await answered(self.calls, self.get_contact(contact_id))
