"""The last record the sync wrote or read on each side, to skip the read before a write.

Merging field by field needs the target's current record.  At steady state it is,
nearly always, the one the sync itself wrote (or read) at the pair's last sync:
reading it again doubled the calls per change (docs/performance.md, P2).  Where
the target's writes are conditional (``SideAdapter.conditional_updates``: Altior
takes the version a PATCH was based on and refuses it with 412 when the record
moved on), the kept record stands in for the read; a refusal drops it and the
handler reads and merges as before.  Nothing is ever written from a guess.

Bounded (least recently used first out) and per worker: a restart or a rebalance
only costs the reads it saves.

A pair matched by an init (same SIRET) has not synced yet; the init's link proposal
carries the Altior record as the init listed it, which stands in for the read of
its first sync on the same terms (``put_listed`` / ``take_listed``, used once).
"""

from __future__ import annotations

from collections import OrderedDict

from sync_streams.pipeline.sides import SideRecord

DEFAULT_CAPACITY = 20_000
"""Records kept per worker: about 2 KB each, some 40 MB at most."""


class SnapshotCache:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._records: OrderedDict[str, SideRecord] = OrderedDict()
        self._listed: OrderedDict[str, SideRecord] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._records)

    def get(self, key: str, expected_hash: str | None) -> SideRecord | None:
        """The kept record of ``key`` if it is the version the pair last synced at."""
        record = self._records.get(key)
        if record is None or expected_hash is None or record.hash != expected_hash:
            self.misses += 1
            return None
        self._records.move_to_end(key)
        self.hits += 1
        return record

    def put(self, key: str, record: SideRecord) -> None:
        self._records[key] = record
        self._records.move_to_end(key)
        while len(self._records) > self.capacity:
            self._records.popitem(last=False)

    def drop(self, key: str) -> None:
        self._records.pop(key, None)
        self._listed.pop(key, None)

    def put_listed(self, key: str, record: SideRecord) -> None:
        """``record`` as an init listed it, for the first sync of its matched pair."""
        self._listed[key] = record
        self._listed.move_to_end(key)
        while len(self._listed) > self.capacity:
            self._listed.popitem(last=False)

    def take_listed(self, key: str) -> SideRecord | None:
        """The listed record of ``key``, once (a retry of the sync reads instead)."""
        record = self._listed.pop(key, None)
        if record is None:
            self.misses += 1
        else:
            self.hits += 1
        return record
