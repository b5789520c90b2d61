"""Reading the sandboxes' call logs: which write did the worker make, on what record.

Pure: a call-log row in, a ``Write`` (or None for reads) out.  The narrator turns
writes into sentences; the summary counts them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sync_streams.pipeline.mapping.references import INDIVIDUAL_PREFIX

Action = Literal["create", "update", "link", "close", "reopen", "flag", "add"]

_SELLSY_KINDS = {
    "companies": "company",
    "individuals": "individual",
    "contacts": "contact",
    "opportunities": "opportunity",
}
_ALTIOR_KINDS = {"third-parties": "third_party", "contacts": "contact", "affaires": "affaire"}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Write:
    """One write call of the worker, as its call log shows it."""

    system: Literal["sellsy", "altior"]
    kind: str
    action: Action
    record_id: int | None
    status: int
    at: datetime
    body: dict[str, Any] | None = None
    detail: str | None = None
    """A sub-resource: ``quote``/``order`` (Altior), the linked contact (Sellsy)."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def parse_at(raw: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _body(raw: object) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str) and raw:
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None
    return None


def sellsy_write(row: dict[str, Any]) -> Write | None:
    """``POST /v2/companies``, ``PUT /v2/companies/17``, ``PUT .../17/custom-fields``,
    ``POST /v2/companies/17/contacts/4`` (link); None for reads and searches."""
    method, path = str(row.get("method", "")).upper(), str(row.get("path", ""))
    if method not in _WRITES or path.endswith("/search") or "/oauth2/" in path:
        return None
    parts = [p for p in path.split("/") if p][1:] if path.startswith("/v2/") else []
    if not parts or parts[0] not in _SELLSY_KINDS:
        return None
    kind = _SELLSY_KINDS[parts[0]]
    record_id = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    action: Action = "create" if method == "POST" and record_id is None else "update"
    detail = None
    if len(parts) > 2 and parts[2] == "custom-fields":
        action = "flag"
    elif len(parts) > 3 and parts[2] == "contacts":
        action, detail = "link", parts[3]
    at = parse_at(row.get("at"))
    return Write("sellsy", kind, action, record_id, int(row.get("status", 0)), at, detail=detail)


_ALTIOR_PATH = re.compile(r"^/api/v1/([a-z-]+)(?:/(\d+))?(?:/([a-z]+))?$")


def altior_write(row: dict[str, Any]) -> Write | None:
    """``POST /api/v1/third-parties``, ``PATCH /api/v1/contacts/9``,
    ``POST /api/v1/affaires/3/quotes|orders|close|reopen``; None for reads."""
    method = str(row.get("method", "")).upper()
    match = _ALTIOR_PATH.match(str(row.get("path", "")))
    if method not in _WRITES or match is None or match.group(1) not in _ALTIOR_KINDS:
        return None
    kind = _ALTIOR_KINDS[match.group(1)]
    record_id = int(match.group(2)) if match.group(2) else None
    sub = match.group(3)
    action: Action
    detail = None
    if sub in ("close", "reopen"):
        action = sub  # type: ignore[assignment]
    elif sub in ("quotes", "orders"):
        action, detail = "add", sub[:-1]
    elif record_id is None:
        action = "create"
    else:
        action = "update"
    return Write(
        "altior",
        kind,
        action,
        record_id,
        int(row.get("status", 0)),
        parse_at(row.get("at")),
        body=_body(row.get("body")),
        detail=detail,
    )


def sellsy_ref(body: dict[str, Any] | None, codification: str, key: str) -> str | None:
    """The Sellsy id an Altior write body carries in its external references, if any
    (an individual's without its ``individual-`` prefix)."""
    for entry in (body or {}).get("external_references") or []:
        if (
            isinstance(entry, dict)
            and entry.get("key") == key
            and entry.get("codification", codification) == codification
        ):
            value = entry.get("value")
            return None if value is None else str(value).removeprefix(INDIVIDUAL_PREFIX)
    return None


def display_name(record: dict[str, Any] | None) -> str | None:
    """``name``, else ``First LAST``: how a person reads a record in a list."""
    if not record:
        return None
    name = record.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    parts = [record.get("first_name"), record.get("last_name")]
    text = " ".join(str(p) for p in parts if isinstance(p, str) and p.strip())
    return text or None


def changed_fields(body: dict[str, Any] | None) -> list[str]:
    """What an update body touches, in the words of the record (no values: they may be
    personal data that has no business in a terminal log)."""
    names = {"legal_france": "siret", "external_references": "link"}
    return sorted({names.get(key, key) for key in (body or {})})
