"""Typed views of the records the Altior contract returns (docs/altior-api.md).

Tolerant by design: unknown fields are kept (``extra="allow"``), enum-like fields
(``kind``, ``status``, channel ``type``) are plain strings so a new value never
breaks decoding, and lists default to empty.  Only what the sync cannot work
without is required: ``id`` and the timestamps that order changes.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_CODIFICATION = "EXTERNAL"
SELLSY_KEY = "SELLSY"

CustomValue = bool | int | float | str | None
CustomFieldObject = Literal["third_party", "contact", "affaire"]
ChannelList = Literal["emails", "phones", "urls"]


class AltiorModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=False)


class Channel(AltiorModel):
    """One typed email, phone or URL; ``type`` names an admin-list entry (e.g. ``Fixe``)."""

    type: str
    value: str


class ExternalReference(AltiorModel):
    """A foreign id stored on a record, e.g. ``EXTERNAL``/``SELLSY``/``Sellsy``/``"48213"``."""

    codification: str
    key: str
    name: str = ""
    value: str


class Amount(AltiorModel):
    """Money: a decimal (sent as a string, never a float) and an ISO 4217 currency."""

    value: Decimal
    currency: str = "EUR"


class Stamped(AltiorModel):
    id: int
    created_at: datetime | None = None
    updated_at: datetime


class Establishment(Stamped):
    name: str


class User(Stamped):
    login: str
    name: str = ""


class Civility(Stamped):
    title: str = ""
    abbreviation: str


class ChannelType(Stamped):
    """An entry of ``/admin/email-types``, ``/admin/phone-types`` or ``/admin/url-types``."""

    name: str


class CodificationEntry(AltiorModel):
    key: str
    name: str = ""


class Codification(Stamped):
    code: str
    label: str = ""
    entries: list[CodificationEntry] = Field(default_factory=list)


class CustomFieldDefinition(Stamped):
    object: str
    name: str
    type: str = "text"
    options: list[str] | None = None


class _WithReferences(Stamped):
    custom_fields: dict[str, CustomValue] = Field(default_factory=dict)
    external_references: list[ExternalReference] = Field(default_factory=list)
    created_by: int | None = None
    updated_by: int | None = None

    def external_value(
        self, key: str = SELLSY_KEY, codification: str = DEFAULT_CODIFICATION
    ) -> str | None:
        """The value stored under ``(codification, key)``, e.g. the Sellsy id."""
        for ref in self.external_references:
            if ref.codification == codification and ref.key == key:
                return ref.value
        return None


class _WithChannels(_WithReferences):
    emails: list[Channel] = Field(default_factory=list)
    phones: list[Channel] = Field(default_factory=list)
    urls: list[Channel] = Field(default_factory=list)
    archived: bool = False

    def channel_values(self, channels: ChannelList, type_name: str) -> list[str]:
        """Values of one type, in stored order (the first is the type's main one)."""
        return [c.value for c in getattr(self, channels) if c.type == type_name]

    def main_channel(self, channels: ChannelList, type_name: str) -> str | None:
        values = self.channel_values(channels, type_name)
        return values[0] if values else None


class ThirdParty(_WithChannels):
    """A tiers: ``kind`` is ``moral`` (legal person) or ``physique`` (natural person)."""

    kind: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    civility: str | None = None
    siret: str | None = None
    establishment_id: int | None = None


class Contact(_WithChannels):
    civility: str | None = None
    first_name: str | None = None
    last_name: str
    position: str | None = None
    third_party_id: int | None = None
    establishment_id: int | None = None


class Affaire(_WithReferences):
    """A deal; ``status`` is ``open``, ``won``, ``lost`` or ``closed`` (``closed_at`` set)."""

    reference: str
    name: str
    third_party_id: int | None = None
    establishment_ids: list[int] = Field(default_factory=list)
    amount: Amount | None = None
    status: str = "open"
    closed_at: datetime | None = None


class _Document(Stamped):
    affaire_id: int
    number: str = ""
    label: str = ""
    amount: Amount | None = None
    status: str = ""
    created_by: int | None = None


class Quote(_Document):
    """A devis: ``status`` ``draft``, ``sent``, ``accepted`` or ``refused``."""


class Order(_Document):
    """A commande: ``status`` ``confirmed``, ``delivered``, ``invoiced`` or ``cancelled``."""
