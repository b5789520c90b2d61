"""Deals in the fault matrix's workload, and how the audit reads them on each side.

Opportunities born in Sellsy are created at the import trigger (``Ventes`` / ``Signature``,
establishment ACME Lyon) on a company born in Sellsy; affaires born in Altior hang on a
third party born in Altior.  A user's later edit renames the deal; in Sellsy the same
edit also moves the opportunity between two steps at or past the trigger, so the
affaire's ``Etape`` must follow too (the opportunities stay open there, where every poll
re-reads them: Sellsy keeps no update stamp on opportunities, docs/sync-rules.md).

A deal is *as its sources say* on a side when it is there once, at its latest name, on
the twin of its company; on the Altior side its ``Etape`` must also equal the step the
opportunity stands at (the user's last move for a deal born in Sellsy).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync_streams.altior.client import AltiorClient

PIPELINE = "Ventes"
TRIGGER = "Signature"
OTHER_STEP = "Devis envoyé"
"""A Sellsy user's edits move an opportunity between the trigger and this step."""
ESTABLISHMENT = "ACME Lyon"

DEAL_FLOWS: dict[str, Any] = {
    "deals_import": True,
    "deals_export": True,
    "import_triggers": [{"pipeline": PIPELINE, "step": TRIGGER, "establishments": [ESTABLISHMENT]}],
}
"""The tenant file's deal settings for a workload with deals (``stack.add_tenant(**...)``)."""


@dataclass(frozen=True)
class SeenDeal:
    """A deal as one side stores it: its name, its company's name and its step."""

    name: str
    company: str
    step: str | None


def token(name: str) -> str:
    return name.split(" ", 1)[0]


def sellsy_deals(database: Path, account: int) -> list[SeenDeal]:
    """The account's opportunities, read from the Sellsy sandbox's database (reads cost no
    quota and no injected fault can fail them)."""
    with sqlite3.connect(database, timeout=30) as db:
        rows = db.execute(
            "SELECT kind, id, body FROM records WHERE account_id = ? "
            "AND kind IN ('company', 'opportunity')",
            (account,),
        ).fetchall()
    companies: dict[int, str] = {}
    opportunities: list[dict[str, Any]] = []
    for kind, ident, body in rows:
        data = json.loads(body)
        if kind == "company":
            companies[int(ident)] = str(data.get("name") or "")
        else:
            opportunities.append(data)
    return [
        SeenDeal(
            name=str(o.get("name") or ""),
            company=companies.get(o.get("company_id") or 0, ""),
            step=(o.get("step") or {}).get("name"),
        )
        for o in opportunities
    ]


async def altior_deals(client: AltiorClient, third_parties: dict[int, str]) -> list[SeenDeal]:
    """The tenant's affaires through the API (``third_parties``: id → name, read before)."""
    return [
        SeenDeal(
            name=affaire.name,
            company=third_parties.get(affaire.third_party_id or 0, ""),
            step=_text(affaire.custom_fields.get("Etape")),
        )
        async for page in client.affaire_pages()
        for affaire in page.items
    ]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def misplaced(
    found: Sequence[SeenDeal],
    companies: Mapping[str, str],
    steps: Mapping[str, str | None],
) -> list[str]:
    """Deals (by token) not on their company's twin, or whose step is not ``steps[token]``
    (``None``: the step is not checked on this side)."""
    wrong = []
    for deal in found:
        key = token(deal.name)
        if key not in companies:
            continue  # a duplicate or a foreign deal: the name tally counts it
        if token(deal.company) != companies[key]:
            wrong.append(f"{deal.name!r} on {deal.company!r}, not {companies[key]}")
        elif steps.get(key) is not None and deal.step != steps[key]:
            wrong.append(f"{deal.name!r} at step {deal.step!r}, not {steps[key]!r}")
    return wrong


class StepIds:
    """The Sellsy step ids of the deal pipeline, read once with the users' client."""

    def __init__(self) -> None:
        self._ids: dict[str, tuple[int, int]] = {}
        self._lock = asyncio.Lock()

    async def of(self, sellsy: Any, step: str) -> tuple[int, int]:
        """``(pipeline id, step id)``."""
        async with self._lock:
            if not self._ids:
                for pipeline in await sellsy.list_pipelines():
                    if pipeline.name == PIPELINE:
                        for found in await sellsy.list_steps(pipeline.id):
                            self._ids[str(found.name)] = (pipeline.id, found.id)
        return self._ids[step]
