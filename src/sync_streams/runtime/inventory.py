"""What a tenant's APIs say exists, read once at tenant start.

The configuration names things (establishment, reference user, custom fields,
pipelines, steps, channel types); the APIs know them by id.  ``Inventory``
holds both the names for ``config.check_against_apis`` and the ids the sync
needs, so start-up costs a handful of calls, never one per record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync_streams.config import ApiInventory


@dataclass(frozen=True)
class SellsyField:
    """A Sellsy custom field the sync reads (a filter flag)."""

    id: int
    name: str
    type: str | None


@dataclass(frozen=True)
class SellsyStep:
    id: int
    name: str
    rank: int


@dataclass(frozen=True)
class SellsyPipeline:
    id: int
    name: str
    steps: tuple[SellsyStep, ...]

    def step(self, name: str) -> SellsyStep | None:
        folded = fold(name)
        return next((s for s in self.steps if fold(s.name) == folded), None)


def fold(name: str) -> str:
    """Compare names as an integrator would type them: case and spacing aside."""
    return " ".join(name.casefold().split())


@dataclass
class Inventory:
    sellsy_fields: list[SellsyField] = field(default_factory=list)
    sellsy_field_definitions: list[Any] = field(default_factory=list)
    pipelines: list[SellsyPipeline] = field(default_factory=list)
    establishments: dict[str, int] = field(default_factory=dict)
    users: list[str] = field(default_factory=list)
    altior_custom_fields: list[str] = field(default_factory=list)
    civilities: list[str] = field(default_factory=list)
    email_types: list[str] = field(default_factory=list)
    phone_types: list[str] = field(default_factory=list)
    url_types: list[str] = field(default_factory=list)

    def sellsy_field(self, name_or_code: str | None) -> SellsyField | None:
        if name_or_code is None:
            return None
        folded = fold(name_or_code)
        return next((f for f in self.sellsy_fields if fold(f.name) == folded), None)

    def pipeline(self, name: str) -> SellsyPipeline | None:
        folded = fold(name)
        return next((p for p in self.pipelines if fold(p.name) == folded), None)

    def pipeline_by_id(self, pipeline_id: int) -> SellsyPipeline | None:
        return next((p for p in self.pipelines if p.id == pipeline_id), None)

    def establishment_id(self, name: str) -> int | None:
        folded = fold(name)
        return next((i for n, i in self.establishments.items() if fold(n) == folded), None)

    def for_checks(self) -> ApiInventory:
        return ApiInventory(
            altior_establishments=list(self.establishments),
            altior_users=self.users,
            altior_custom_fields=self.altior_custom_fields,
            altior_civilities=self.civilities,
            altior_email_types=self.email_types,
            altior_phone_types=self.phone_types,
            altior_url_types=self.url_types,
            sellsy_custom_fields=[f.name for f in self.sellsy_fields],
            sellsy_pipelines={p.name: [s.name for s in p.steps] for p in self.pipelines},
        )


async def read_inventory(sellsy: Any, altior: Any) -> Inventory:
    """Ask both APIs what exists (about a dozen calls per tenant start)."""
    inventory = Inventory()
    inventory.sellsy_field_definitions = list(await sellsy.search_custom_fields())
    for definition in inventory.sellsy_field_definitions:
        names = {n for n in (definition.name, definition.code) if n}
        for name in names:
            inventory.sellsy_fields.append(SellsyField(definition.id, name, definition.type))
    for pipeline in await sellsy.list_pipelines():
        steps = await sellsy.list_steps(pipeline.id)
        ranked = sorted(steps, key=lambda s: (s.rank if s.rank is not None else 1_000_000, s.id))
        inventory.pipelines.append(
            SellsyPipeline(
                id=pipeline.id,
                name=pipeline.name or str(pipeline.id),
                steps=tuple(
                    SellsyStep(id=s.id, name=s.name or str(s.id), rank=index)
                    for index, s in enumerate(ranked)
                ),
            )
        )
    inventory.establishments = {e.name: e.id for e in await altior.list_establishments()}
    inventory.users = [u.login for u in await altior.list_users()]
    inventory.altior_custom_fields = [f.name for f in await altior.list_custom_fields()]
    inventory.civilities = [c.abbreviation for c in await altior.list_civilities()]
    inventory.email_types = [t.name for t in await altior.list_email_types()]
    inventory.phone_types = [t.name for t in await altior.list_phone_types()]
    inventory.url_types = [t.name for t in await altior.list_url_types()]
    return inventory
