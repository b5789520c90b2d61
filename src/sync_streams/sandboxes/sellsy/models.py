"""Request bodies of the implemented endpoints, as the spec defines them.

Where the spec says ``additionalProperties: false`` (companies, individuals
bodies and their search filters) an unknown field is a 400 naming it; where it
does not (contacts, opportunities), unknown and read-only fields are ignored.
Types are strict (no "1" for 1), like JSON-schema validation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from sync_streams.sandboxes.sellsy.errors import validation_error

M = TypeVar("M", bound=BaseModel)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^(https?://)?[^\s/.]+(\.[^\s/.]+)+(/\S*)?$", re.IGNORECASE)


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise ValueError("Adresse e-mail invalide.")
    return value


def _url(value: str | None) -> str | None:
    if value is not None and not _URL.match(value):
        raise ValueError("URL invalide.")
    return value


Email = Annotated[StrictStr | None, AfterValidator(_email)]
Url = Annotated[StrictStr | None, AfterValidator(_url)]
OptStr = StrictStr | None
OptInt = StrictInt | None
ThirdType = Literal["prospect", "client", "supplier"]
Civility = Literal["mr", "mrs", "ms"] | None
Campaign = Literal["sms", "phone", "email", "postal_mail", "custom"]
Status = Literal["open", "won", "lost", "cancelled", "closed", "late"]


class Closed(BaseModel):
    """``additionalProperties: false`` in the spec."""

    model_config = ConfigDict(extra="forbid")


class Open(BaseModel):
    """No ``additionalProperties`` in the spec: unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")


def _len(low: int, high: int) -> Any:
    return Field(default=None, min_length=low, max_length=high)


class LegalFrance(Closed):
    siret: OptStr = _len(14, 14)
    siren: OptStr = _len(9, 9)
    vat: OptStr = _len(2, 15)
    ape_naf_code: OptStr = _len(5, 6)
    company_type: OptStr = _len(2, 100)
    rcs_immatriculation: OptStr = _len(3, 200)


class Social(Open):
    twitter: Url = None
    facebook: Url = None
    linkedin: Url = None
    viadeo: Url = None


class Sync(Open):
    mailchimp: StrictBool | None = None
    mailjet: StrictBool | None = None
    simplemail: StrictBool | None = None


class _Channels(BaseModel):
    email: Email = None
    website: Url = None
    phone_number: OptStr = None
    mobile_number: OptStr = None
    fax_number: OptStr = None
    note: StrictStr | None = None
    social: Social | None = None
    owner_id: OptInt = Field(default=None, ge=1)
    is_archived: StrictBool | None = None
    marketing_campaigns_subscriptions: list[Campaign] | None = None


class _ThirdParty(_Channels):
    reference: OptStr = Field(default=None, max_length=100)
    auxiliary_code: OptStr = None
    rate_category_id: OptInt = None
    accounting_code_id: OptInt = None
    accounting_purchase_code_id: OptInt = None


class CompanyUpdate(_ThirdParty, Closed):
    name: StrictStr | None = Field(default=None, max_length=250)
    legal_france: LegalFrance | None = None
    capital: OptStr = None
    business_segment: OptInt = None
    number_of_employees: OptInt = None


class CompanyCreate(CompanyUpdate):
    type: ThirdType
    name: StrictStr = Field(max_length=250)
    created: dt.datetime | None = None


class IndividualUpdate(_ThirdParty, Closed):
    last_name: StrictStr | None = Field(default=None, max_length=200)
    first_name: OptStr = Field(default=None, max_length=200)
    civility: Civility = None
    sync: Sync | None = None


class IndividualCreate(IndividualUpdate):
    type: ThirdType
    last_name: StrictStr = Field(max_length=200)
    created: dt.datetime | None = None


class ContactUpdate(_Channels, Open):
    civility: Civility = None
    first_name: OptStr = Field(default=None, max_length=200)
    last_name: StrictStr | None = Field(default=None, max_length=200)
    position: OptStr = None
    birth_date: OptStr = None
    avatar: Url = None
    sync: Sync | None = None


class ContactCreate(ContactUpdate):
    last_name: StrictStr = Field(max_length=200)
    created: StrictStr | None = None


class Related(Open):
    id: StrictInt
    type: Literal["company", "individual", "contact"]


class OpportunityUpdate(Open):
    name: StrictStr | None = None
    owner_id: OptInt = Field(default=None, ge=1)
    status: Status | None = None
    pipeline: OptInt = None
    step: OptInt = None
    amount: OptStr = None
    probability: OptInt = Field(default=None, ge=0, le=100)
    source: OptInt = None
    due_date: dt.date | None = None
    note: StrictStr | None = None
    main_doc_id: OptInt = None
    assigned_staff_ids: list[StrictInt] | None = None
    contact_ids: list[StrictInt] | None = None
    related: list[Related] | None = Field(default=None, min_length=1)


class OpportunityCreate(OpportunityUpdate):
    name: StrictStr
    pipeline: StrictInt
    step: StrictInt
    related: list[Related] = Field(min_length=1)
    number: OptStr = None
    created: dt.datetime | None = None


class LinkRoles(Open):
    roles: list[Literal["main", "invoicing", "dunning"]] | None = None


class CustomFieldValue(Open):
    id: StrictInt
    value: Any


_FR_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas autorisé.",
    "string_type": "Une chaîne de caractères est attendue.",
    "int_type": "Un entier est attendu.",
    "bool_type": "Un booléen est attendu.",
    "list_type": "Une liste est attendue.",
    "model_type": "Un objet est attendu.",
    "dict_type": "Un objet est attendu.",
    "literal_error": "Valeur non autorisée.",
    "datetime_from_date_parsing": "Date et heure invalides (format ISO 8601 attendu).",
    "datetime_parsing": "Date et heure invalides (format ISO 8601 attendu).",
    "datetime_type": "Date et heure invalides (format ISO 8601 attendu).",
    "date_from_datetime_parsing": "Date invalide (format AAAA-MM-JJ attendu).",
    "date_parsing": "Date invalide (format AAAA-MM-JJ attendu).",
    "date_type": "Date invalide (format AAAA-MM-JJ attendu).",
    "too_short": "Trop peu d'éléments.",
    "greater_than_equal": "Valeur trop petite.",
    "less_than_equal": "Valeur trop grande.",
}


def french_details(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """Pydantic errors -> ``{"field.path": "message en français"}``."""
    details: dict[str, str] = {}
    for error in exc.errors():
        path = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
        path = f"{prefix}{path}" if path else prefix.rstrip(".") or "body"
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind == "string_too_long":
            message = f"Au plus {ctx.get('max_length')} caractères."
        elif kind == "string_too_short":
            message = f"Au moins {ctx.get('min_length')} caractères."
        elif kind == "literal_error":
            expected = str(ctx.get("expected")).replace(" or ", " ou ")
            message = f"Valeur non autorisée (attendu : {expected})."
        elif kind == "value_error":
            message = str(ctx.get("error", "Valeur invalide."))
        else:
            message = _FR_MESSAGES.get(kind, "Valeur invalide.")
        details.setdefault(path, message)
    return details


def parse(model: type[M], payload: object, prefix: str = "") -> M:
    """Validate ``payload`` or raise the 400 Sellsy answers, naming each field."""
    if not isinstance(payload, dict):
        raise validation_error({prefix.rstrip(".") or "body": "Un objet JSON est attendu."})
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise validation_error(french_details(exc, prefix)) from exc
