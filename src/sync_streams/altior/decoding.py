"""Raw Altior JSON -> models, one record at a time, and list pages.

A record that does not fit its model must not cost the rest of the page: it
becomes a ``MalformedAltiorRecord`` (a ``MalformedRecordError``, so the pipeline
dead-letters it with its reason, field and raw payload) in ``Page.errors`` and the
other records are kept.  Single-record calls raise it instead.  A broken page
envelope is different: without ``items``/``has_more`` we cannot know what we
missed, so it is a fatal contract error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from sync_streams.errors import FatalApiError, MalformedRecordError

M = TypeVar("M", bound=BaseModel)
SYSTEM = "altior"


class MalformedAltiorRecord(MalformedRecordError):
    """An Altior record that does not match our model.

    ``payload`` is the raw record (for the dead letter), ``entity`` its kind
    (``third_party``...), ``record_id`` its Altior id when readable, ``index`` its
    position in the page.
    """

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        payload: Any = None,
        entity: str | None = None,
        record_id: int | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(reason, field=field)
        self.payload = payload
        self.entity = entity
        self.record_id = record_id
        self.index = index

    def __str__(self) -> str:
        what = self.entity or "record"
        if self.record_id is not None:
            what = f"{what} {self.record_id}"
        return f"altior {what}: {super().__str__()}"


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page of a listing.

    ``next_cursor`` is the position after this page: store it to resume change
    capture later (it is set even on the last page).  ``has_more`` says whether to
    fetch the next page now.
    """

    items: list[M]
    errors: list[MalformedAltiorRecord] = field(default_factory=list)
    next_cursor: str | None = None
    has_more: bool = False


def _record_id(raw: Any) -> int | None:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def decode(model: type[M], raw: Any, *, entity: str, index: int | None = None) -> M:
    """Validate ``raw`` as ``model`` or raise ``MalformedAltiorRecord`` naming the field."""
    if not isinstance(raw, dict):
        raise MalformedAltiorRecord(
            f"expected a JSON object, got {type(raw).__name__}",
            payload=raw,
            entity=entity,
            index=index,
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        reason = str(first.get("msg", "invalid value"))
        if len(errors) > 1:
            reason += f" (and {len(errors) - 1} more problem(s))"
        raise MalformedAltiorRecord(
            reason,
            field=".".join(str(part) for part in first.get("loc", ())) or None,
            payload=raw,
            entity=entity,
            record_id=_record_id(raw),
            index=index,
        ) from None


def contract_error(message: str, body: Any) -> FatalApiError:
    return FatalApiError(message, system=SYSTEM, status=200, body=body)


def parse_page(model: type[M], body: Any, *, entity: str) -> Page[M]:
    """Decode a ``{items, next_cursor, has_more}`` answer record by record."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise contract_error("list answer without an items array", body)
    cursor = body.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise contract_error("next_cursor is not a string", cursor)
    has_more = body.get("has_more")
    if not isinstance(has_more, bool):
        raise contract_error("list answer without a has_more flag", has_more)
    items: list[M] = []
    errors: list[MalformedAltiorRecord] = []
    for index, raw in enumerate(body["items"]):
        try:
            items.append(decode(model, raw, entity=entity, index=index))
        except MalformedAltiorRecord as error:
            errors.append(error)
    return Page(items=items, errors=errors, next_cursor=cursor, has_more=has_more)
