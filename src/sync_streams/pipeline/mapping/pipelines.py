"""Sellsy opportunity pipelines and steps, looked up by name.

The configuration names pipelines and steps as users see them; Sellsy writes take
ids, and "earlier step" means a lower rank.  The catalog is read once per tenant
(``GET /opportunities/pipelines`` and ``.../{id}/steps``) and names are compared
without case or accents, as everywhere in the deal rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from sync_streams.pipeline.mapping.common import same_name


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PipelineStep(_Frozen):
    id: int
    name: str
    rank: int


class Pipeline(_Frozen):
    id: int
    name: str
    is_default: bool = False
    steps: tuple[PipelineStep, ...] = ()

    def step(self, name: str | None) -> PipelineStep | None:
        """The step called ``name`` (case and accents ignored)."""
        if name is None:
            return None
        return next((s for s in self.steps if same_name(s.name, name)), None)

    def first_step(self) -> PipelineStep | None:
        """The step of lowest rank (where a new opportunity starts)."""
        return min(self.steps, key=lambda s: (s.rank, s.id), default=None)


class PipelineCatalog(_Frozen):
    """Every pipeline of a Sellsy account with its steps."""

    pipelines: tuple[Pipeline, ...] = ()

    def pipeline(self, name: str | None) -> Pipeline | None:
        if name is None:
            return None
        return next((p for p in self.pipelines if same_name(p.name, name)), None)

    def step(self, pipeline: str | None, step: str | None) -> PipelineStep | None:
        found = self.pipeline(pipeline)
        return found.step(step) if found else None

    def rank(self, pipeline: str | None, step: str | None) -> int | None:
        """Rank of ``step`` in ``pipeline``, None when either is unknown."""
        found = self.step(pipeline, step)
        return found.rank if found else None

    def default_pipeline(self) -> Pipeline | None:
        """Sellsy's default pipeline, else the first one listed."""
        return next((p for p in self.pipelines if p.is_default), None) or next(
            iter(self.pipelines), None
        )

    @classmethod
    def from_sellsy(
        cls,
        pipelines: Iterable[Mapping[str, Any]],
        steps: Mapping[int, Iterable[Mapping[str, Any]]],
    ) -> PipelineCatalog:
        """Build from raw API items: pipelines and, per pipeline id, its steps."""
        built: list[Pipeline] = []
        for raw in pipelines:
            pipeline_id = int(raw["id"])
            pipeline_steps = tuple(
                PipelineStep(
                    id=int(s["id"]),
                    name=str(s.get("name") or ""),
                    rank=int(s["rank"]) if s.get("rank") is not None else index,
                )
                for index, s in enumerate(steps.get(pipeline_id, ()))
            )
            built.append(
                Pipeline(
                    id=pipeline_id,
                    name=str(raw.get("name") or ""),
                    is_default=bool(raw.get("is_default")),
                    steps=pipeline_steps,
                )
            )
        return cls(pipelines=tuple(built))
