"""Custom field definitions and per-record values.

There is no search filter on custom field values in Sellsy: listings embed the
values (``embed[]=cf.{id}``) and the sync filters on its side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from sync_streams.sellsy.endpoints.base import EndpointGroup
from sync_streams.sellsy.models import (
    CustomFieldDefinition,
    CustomFieldValue,
    CustomFieldValueWrite,
)

CustomFieldResource = Literal["companies", "individuals", "contacts", "opportunities"]
RelatedObjectKind = Literal[
    "document", "contact", "client", "prospect", "supplier", "item", "service",
    "ticket", "task", "purchase", "opportunity", "project", "staff", "site",
]  # fmt: skip

_RESOURCES = ("companies", "individuals", "contacts", "opportunities")


def _values_path(resource: CustomFieldResource, record_id: int) -> str:
    if resource not in _RESOURCES:
        raise ValueError(f"custom field values exist on {', '.join(_RESOURCES)}, not {resource!r}")
    return f"/{resource}/{int(record_id)}/custom-fields"


class CustomFieldEndpoints(EndpointGroup):
    async def search_custom_fields(
        self, *, related_object: RelatedObjectKind | str | None = None
    ) -> list[CustomFieldDefinition]:
        """Custom field definitions, all or those applying to ``related_object``
        (``client``, ``prospect``, ``supplier``, ``contact``, ``opportunity``...)."""
        return await self._collect_search(
            "/custom-fields/search",
            {"related_object": related_object},
            CustomFieldDefinition,
            entity="custom_field",
            order="id",
        )

    async def get_custom_field_values(
        self, resource: CustomFieldResource, record_id: int
    ) -> list[CustomFieldValue]:
        """Every custom field of one record with its value (listings should embed
        the values instead: one call per page, not per record)."""
        return await self._collect_get(
            _values_path(resource, record_id),
            CustomFieldValue,
            entity="custom_field_value",
            params=[("order", "id"), ("direction", "asc")],
        )

    async def set_custom_field_values(
        self,
        resource: CustomFieldResource,
        record_id: int,
        values: Mapping[int, object] | Iterable[CustomFieldValueWrite],
    ) -> None:
        """Write custom field values: ``PUT /{resource}/{id}/custom-fields`` with
        ``[{id, value}]``.  Fields not named keep their value."""
        if isinstance(values, Mapping):
            items = [
                CustomFieldValueWrite.model_validate({"id": k, "value": v})
                for k, v in values.items()
            ]
        else:
            items = list(values)
        if not items:
            return
        await self._session.call(
            "PUT", _values_path(resource, record_id), json=[item.payload() for item in items]
        )
