"""Search filters of ``POST /{companies|individuals|contacts|opportunities}/search``.

Each filter object is validated like the spec says (unknown filters refused
for companies and individuals, whose spec forbids them) and turned into SQL
over the ``records`` table.  Date-time bounds are inclusive at both ends.
Addresses are not modelled, so ``country_code`` / ``postal_code`` (and the
contacts' ``individuals``) match nothing when given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, StrictBool, StrictInt, StrictStr

from sync_streams.sandboxes.sellsy.clock import to_us
from sync_streams.sandboxes.sellsy.errors import validation_error
from sync_streams.sandboxes.sellsy.models import Closed, Open, Status, ThirdType, parse
from sync_streams.sandboxes.sellsy.search import Where

_NOTHING = "0"


class Range(Open):
    start: dt.datetime | None = None
    end: dt.datetime | None = None


class DateRange(Open):
    start: dt.date | None = None
    end: dt.date | None = None


class _ThirdFilters(Closed):
    created: Range | None = None
    updated_at: Range | None = None
    name: StrictStr | None = None
    email: StrictStr | None = None
    type: ThirdType | list[ThirdType] | None = None
    is_archived: StrictBool | None = None
    id: list[StrictInt] | None = None
    favourite_filter: StrictInt | None = None
    country_code: StrictStr | None = None
    postal_code: list[StrictStr] | None = None
    reference: list[StrictStr] | None = Field(default=None, min_length=1, max_length=100)


class CompanyFilters(_ThirdFilters):
    contacts: list[StrictInt] | None = None
    siret: StrictStr | None = None


class IndividualFilters(_ThirdFilters):
    pass


class ContactFilters(Open):
    companies: list[StrictInt] | None = None
    individuals: list[StrictInt] | None = None
    created: Range | None = None
    updated: Range | None = None
    last_name: StrictStr | None = None
    birth_date: DateRange | None = None
    email: StrictStr | None = None
    phone_number: StrictStr | None = None
    mobile_number: StrictStr | None = None
    id: list[StrictInt] | None = None
    favourite_filter: StrictInt | None = None
    is_linked: StrictBool | None = None
    country_code: StrictStr | None = None
    postal_code: list[StrictStr] | None = None


class AmountRange(Open):
    min: float | None = None
    max: float | None = None


class RelatedObject(Open):
    type: Literal["company", "individual"]
    id: StrictInt


class OpportunityFilters(Open):
    created: Range | None = None
    updated_status: Range | None = None
    due_date: Range | None = None
    name: StrictStr | None = None
    pipeline: list[StrictInt] | None = None
    step: list[StrictInt] | None = None
    amount: AmountRange | None = None
    related_objects: list[RelatedObject] | None = None
    assigned_staffs: list[StrictInt] | None = None
    statuses: list[Status] | None = Field(default=None, min_length=1)
    favourite_filter: StrictInt | None = None


class CustomFieldFilters(Closed):
    related_object: StrictStr | None = None
    is_required: StrictBool | None = None


FILTERS: dict[str, type[Open] | type[Closed]] = {
    "company": CompanyFilters,
    "individual": IndividualFilters,
    "contact": ContactFilters,
    "opportunity": OpportunityFilters,
    "custom_field": CustomFieldFilters,
}


def _json(path: str) -> str:
    return f"json_extract(body, '$.{path}')"


def _in(where: Where, expr: str, values: list[Any]) -> None:
    if not values:
        where.add(_NOTHING)
        return
    where.add(f"{expr} IN ({','.join('?' * len(values))})", *values)


def _range(where: Where, column: str, bounds: Range | None) -> None:
    if bounds is None:
        return
    if bounds.start is not None:
        where.add(f"{column} >= ?", to_us(bounds.start))
    if bounds.end is not None:
        where.add(f"{column} <= ?", to_us(bounds.end))


def _third_party(where: Where, f: _ThirdFilters) -> None:
    _range(where, "created_us", f.created)
    _range(where, "updated_us", f.updated_at)
    if f.email is not None:
        where.add(f"{_json('email')} = ?", f.email)
    if f.type is not None:
        _in(where, _json("type"), [f.type] if isinstance(f.type, str) else list(f.type))
    if f.is_archived is not None:
        where.add(f"{_json('is_archived')} = ?", int(f.is_archived))
    if f.id is not None:
        _in(where, "id", f.id)
    if f.reference is not None:
        _in(where, f"lower({_json('reference')})", [r.lower() for r in f.reference])
    if f.country_code is not None or f.postal_code is not None:
        where.add(_NOTHING)


def filters_to_sql(kind: str, payload: object, account_id: int) -> Where:
    """Validate ``{"filters": {...}}`` for ``kind`` and return its SQL conditions."""
    if not isinstance(payload, dict) or "filters" not in payload:
        raise validation_error({"filters": "Ce champ est obligatoire."})
    extra = set(payload) - {"filters"}
    if extra and issubclass(FILTERS[kind], Closed):
        raise validation_error({key: "Ce champ n'est pas autorisé." for key in sorted(extra)})
    parsed = parse(FILTERS[kind], payload["filters"], "filters.")
    where = Where()
    if isinstance(parsed, CompanyFilters):
        _third_party(where, parsed)
        if parsed.name is not None:
            where.add(f"{_json('name')} = ?", parsed.name)
        if parsed.siret is not None:
            where.add(f"{_json('legal_france.siret')} = ?", parsed.siret)
        if parsed.contacts is not None:
            marks = ",".join("?" * len(parsed.contacts)) or "NULL"
            linked = (
                f"SELECT company_id FROM links WHERE account_id = ? AND contact_id IN ({marks})"  # noqa: S608
            )
            where.add(
                f"id IN ({linked})",
                account_id,
                *parsed.contacts,
            )
    elif isinstance(parsed, IndividualFilters):
        _third_party(where, parsed)
        if parsed.name is not None:
            full = f"trim(coalesce({_json('first_name')}, '') || ' ' || {_json('last_name')})"
            where.add(f"({_json('last_name')} = ? OR {full} = ?)", parsed.name, parsed.name)
    elif isinstance(parsed, ContactFilters):
        _contact(where, parsed, account_id)
    elif isinstance(parsed, OpportunityFilters):
        _opportunity(where, parsed)
    elif isinstance(parsed, CustomFieldFilters):
        if parsed.related_object is not None:
            where.add(
                "EXISTS (SELECT 1 FROM json_each(body, '$.related_object') WHERE value = ?)",
                parsed.related_object,
            )
        if parsed.is_required is not None:
            where.add(f"{_json('mandatory')} = ?", int(parsed.is_required))
    return where


def _contact(where: Where, f: ContactFilters, account_id: int) -> None:
    _range(where, "created_us", f.created)
    _range(where, "updated_us", f.updated)
    for name in ("last_name", "email", "phone_number", "mobile_number"):
        value = getattr(f, name)
        if value is not None:
            where.add(f"{_json(name)} = ?", value)
    if f.birth_date is not None:
        if f.birth_date.start is not None:
            where.add(f"{_json('birth_date')} >= ?", f.birth_date.start.isoformat())
        if f.birth_date.end is not None:
            where.add(f"{_json('birth_date')} <= ?", f.birth_date.end.isoformat())
    if f.id is not None:
        _in(where, "id", f.id)
    linked = "SELECT contact_id FROM links WHERE account_id = ?"
    if f.companies is not None:
        marks = ",".join("?" * len(f.companies)) or "NULL"
        where.add(f"id IN ({linked} AND company_id IN ({marks}))", account_id, *f.companies)
    if f.is_linked is not None:
        where.add(f"id {'' if f.is_linked else 'NOT '}IN ({linked})", account_id)
    if f.individuals or f.country_code is not None or f.postal_code is not None:
        where.add(_NOTHING)


def _opportunity(where: Where, f: OpportunityFilters) -> None:
    _range(where, "created_us", f.created)
    _range(where, "aux_us", f.updated_status)
    if f.due_date is not None:
        if f.due_date.start is not None:
            where.add(f"{_json('due_date')} >= ?", f.due_date.start.date().isoformat())
        if f.due_date.end is not None:
            where.add(f"{_json('due_date')} <= ?", f.due_date.end.date().isoformat())
    if f.name is not None:
        where.add(f"{_json('name')} = ?", f.name)
    if f.pipeline is not None:
        _in(where, _json("pipeline.id"), f.pipeline)
    if f.step is not None:
        _in(where, _json("step.id"), f.step)
    if f.statuses is not None:
        _in(where, _json("status"), list(f.statuses))
    if f.amount is not None:
        amount = f"CAST({_json('amount.value')} AS REAL)"
        if f.amount.min is not None:
            where.add(f"{amount} >= ?", f.amount.min)
        if f.amount.max is not None:
            where.add(f"{amount} <= ?", f.amount.max)
    if f.related_objects is not None:
        ors = [f"{_json(r.type + '_id')} = ?" for r in f.related_objects] or [_NOTHING]
        where.add(f"({' OR '.join(ors)})", *[r.id for r in f.related_objects])
    if f.assigned_staffs is not None:
        marks = ",".join("?" * len(f.assigned_staffs)) or "NULL"
        staffs = f"SELECT 1 FROM json_each(body, '$.assigned_staff_ids') WHERE value IN ({marks})"  # noqa: S608
        where.add(
            f"EXISTS ({staffs})",
            *f.assigned_staffs,
        )
