"""Common ground of every Sellsy payload model.

Sellsy adds fields and enum values without notice, so models keep unknown fields
(``extra="allow"``: a change event carries the whole record) and type enums as
``Literal[...] | str``.  Numbers sent where the spec says string (phones, amounts)
are accepted as strings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sync_streams.sellsy.models.custom_fields import CustomFieldValue


class SellsyModel(BaseModel):
    """A record read from Sellsy: tolerant, and field names exactly as the spec's."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)


class Owner(SellsyModel):
    """Staff (or contact) owning a record."""

    id: int | None = None
    type: str | None = None


class IdName(SellsyModel):
    """``{id, name}`` references: opportunity pipeline, step and source."""

    id: int
    name: str | None = None


class IdLabel(SellsyModel):
    """``{id, label}`` references: business segment, number of employees."""

    id: int | None = None
    label: str | None = None


class Social(SellsyModel):
    twitter: str | None = None
    facebook: str | None = None
    linkedin: str | None = None
    viadeo: str | None = None


class RecordEmbed(SellsyModel):
    """``_embed``: what ``embed[]=...`` asked for; we read the custom field values."""

    custom_fields: list[CustomFieldValue] | None = None


class WithCustomFields(SellsyModel):
    """A record that can carry custom field values under ``_embed.custom_fields``."""

    embed: RecordEmbed | None = Field(default=None, alias="_embed")

    @property
    def custom_fields(self) -> list[CustomFieldValue]:
        """The embedded custom field values (empty when none were asked for)."""
        if self.embed is None or self.embed.custom_fields is None:
            return []
        return self.embed.custom_fields

    def custom_field(self, field_id: int) -> CustomFieldValue | None:
        """The embedded value of custom field ``field_id``, if it was embedded."""
        for value in self.custom_fields:
            if value.id == field_id:
                return value
        return None
