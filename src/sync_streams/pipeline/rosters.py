"""Which records each source listed in its last complete reconciliation pass.

A hard-deleted record produces no event: its API simply stops listing it.  The
sync learns of it when the survivor changes (the twin's read answers 404), but a
survivor that never changes would hide the delete forever.  So each complete pass
leaves its roster here, in the worker's memory, and when the survivor's own pass
brings it unchanged, a twin missing from the latest roster of its side is read
once: a 404 marks the pair (``SyncHandler``), anything else is left alone.

A roster is a hint, never proof: a record listed late, or a malformed one left out
of a listing, only costs that one read.  Rosters are not kept across restarts or
rebalances; the next passes rebuild them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Roster:
    ids: frozenset[str]
    started: datetime
    """When the listing began: records linked later may be missing from it."""


class Rosters:
    def __init__(self) -> None:
        self._latest: dict[tuple[str, str, str], Roster] = {}

    def record(
        self, tenant: str, system: str, entity: str, ids: frozenset[str], started: datetime
    ) -> None:
        """Keep a complete pass's ids (replacing the previous pass's)."""
        self._latest[(tenant, system, entity)] = Roster(ids, started)

    def forget(self, tenant: str) -> None:
        """Drop a tenant's rosters (it moved to another worker, or was removed)."""
        for key in [k for k in self._latest if k[0] == tenant]:
            del self._latest[key]

    def missing(
        self,
        tenant: str,
        system: str,
        entity: str,
        record_id: str,
        linked_at: datetime | None,
    ) -> bool:
        """True when the latest pass of (tenant, system, entity), begun after the pair
        was linked (``linked_at``), did not list ``record_id``: worth one read."""
        roster = self._latest.get((tenant, system, entity))
        if roster is None or linked_at is None or roster.started <= linked_at:
            return False
        return record_id not in roster.ids
