"""Turn raw Sellsy JSON records into models, one record at a time.

A record that does not fit its model must not cost the rest of the page: the
listings yield a ``MalformedSellsyRecord`` *in place of* that record (and go on),
so the pipeline dead-letters it with its reason, the offending field and the raw
payload.  Single-record calls (get, create, update) raise it instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sync_streams.errors import MalformedRecordError

M = TypeVar("M", bound=BaseModel)


class MalformedSellsyRecord(MalformedRecordError):
    """A Sellsy record that does not match our model.

    ``payload`` is the raw record as Sellsy sent it (for the dead-letter topic);
    ``entity`` names the kind of record (``company``, ``contact``...);
    ``record_id`` is its Sellsy id when the payload had a readable one.
    """

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        payload: Any = None,
        entity: str | None = None,
        record_id: int | None = None,
    ) -> None:
        super().__init__(reason, field=field)
        self.payload = payload
        self.entity = entity
        self.record_id = record_id

    def __str__(self) -> str:
        what = self.entity or "record"
        if self.record_id is not None:
            what = f"{what} {self.record_id}"
        return f"sellsy {what}: {super().__str__()}"


def dotted(loc: tuple[int | str, ...]) -> str:
    """``("legal_france", "siret")`` -> ``"legal_france.siret"``; list indexes stay numbers."""
    return ".".join(str(part) for part in loc)


def _record_id(raw: Any) -> int | None:
    if isinstance(raw, dict):
        value = raw.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def decode(model: type[M], raw: Any, *, entity: str) -> M:
    """Validate ``raw`` as ``model``; raise ``MalformedSellsyRecord`` when it does not fit.

    The reason names the first problem (and how many more there are); ``field`` is
    its dotted path in the payload, e.g. ``legal_france.siret`` or ``_embed.custom_fields.0.id``.
    """
    if not isinstance(raw, dict):
        raise MalformedSellsyRecord(
            f"expected a JSON object, got {type(raw).__name__}", payload=raw, entity=entity
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        reason = str(first.get("msg", "invalid value"))
        if len(errors) > 1:
            reason += f" (and {len(errors) - 1} more problem(s))"
        raise MalformedSellsyRecord(
            reason,
            field=dotted(tuple(first.get("loc", ()))) or None,
            payload=raw,
            entity=entity,
            record_id=_record_id(raw),
        ) from None


def decode_or_error(model: type[M], raw: Any, *, entity: str) -> M | MalformedSellsyRecord:
    """Like ``decode`` but returns the error instead of raising it (used by listings)."""
    try:
        return decode(model, raw, entity=entity)
    except MalformedSellsyRecord as exc:
        return exc
