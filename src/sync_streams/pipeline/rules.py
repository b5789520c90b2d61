"""The sync's correctness rules as pure decisions (ARCHITECTURE.md §3).

Each rule returns a ``Decision`` (outcome + stage + reason) rather than a bool, so
the agent can count every outcome per tenant and log why a record was dropped.
``decide`` composes them in pipeline order: decode -> dedupe -> echo -> staleness ->
conflict.  ``resolve_conflict`` merges the two sides field by field.  Nothing here
does I/O; the rules in plain words are in docs/sync-rules.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sync_streams.domain.envelope import System, UtcDatetime, other_system
from sync_streams.domain.events import ChangeEvent
from sync_streams.domain.hashing import value_hash
from sync_streams.errors import MalformedRecordError
from sync_streams.pipeline.mapping.common import FIELD_DEFAULTS
from sync_streams.pipeline.state import RecordState, SideState

_ABSENT_HASH = value_hash(None)
_DEFAULT_HASHES = {name: value_hash(value) for name, value in FIELD_DEFAULTS.items()}

TIE_WINNER: System = "sellsy"
"""Who wins a field both sides changed at the same second (see docs/sync-rules.md)."""


class Outcome(StrEnum):
    """What to do with an event; the value is the metric label."""

    APPLY = "apply"
    CONFLICT = "conflict"
    DUPLICATE = "duplicate"
    ECHO = "echo"
    STALE = "stale"
    MALFORMED = "malformed"


class Stage(StrEnum):
    DECODE = "decode"
    DEDUPE = "dedupe"
    ECHO = "echo"
    STALENESS = "staleness"
    CONFLICT = "conflict"


class Decision(BaseModel):
    """One rule's verdict.  ``proceed`` is True for APPLY and CONFLICT (merge first)."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    stage: Stage
    reason: str
    field: str | None = None

    @property
    def proceed(self) -> bool:
        return self.outcome in (Outcome.APPLY, Outcome.CONFLICT)


def _passes(stage: Stage, reason: str) -> Decision:
    return Decision(outcome=Outcome.APPLY, stage=stage, reason=reason)


def decode_event(raw: bytes | bytearray | memoryview | str) -> ChangeEvent | Decision:
    """The event in a Kafka value, or a MALFORMED decision naming the bad field."""
    try:
        return ChangeEvent.from_bytes(raw)
    except MalformedRecordError as exc:
        return Decision(
            outcome=Outcome.MALFORMED, stage=Stage.DECODE, reason=str(exc), field=exc.field
        )


def _check(event: ChangeEvent, state: RecordState | None) -> RecordState | None:
    if state is not None and state.tenant != event.tenant:
        raise ValueError("refusing to judge an event against another tenant's state")
    return state


def dedupe(event: ChangeEvent, state: RecordState | None) -> Decision:
    """DUPLICATE when the content hash equals the last one processed for this record.

    Makes redeliveries and overlapping poll windows harmless.  Only the *last* hash
    counts: a record that goes A -> B -> A is three changes, also when B was our
    write and its echo was never polled (see ``_undone_after_our_write``).
    """
    state = _check(event, state)
    if state is None:
        return _passes(Stage.DEDUPE, "new content for this record")
    side = state.side(event.system)
    if event.content_hash == side.seen_hash and not _undone_after_our_write(event, side):
        return Decision(
            outcome=Outcome.DUPLICATE,
            stage=Stage.DEDUPE,
            reason="content hash equals the last one processed for this record",
        )
    return _passes(Stage.DEDUPE, "new content for this record")


def _undone_after_our_write(event: ChangeEvent, side: SideState) -> bool:
    """True when ``side`` went back, after our write, to what it held before it.

    After a write, the side's last seen hash is its pre-write content, so that a
    poller's copy read before the write counts as a duplicate.  But a user who undoes
    our write (un-archives what the sync just archived) before the poller saw it
    brings that same content back, and it must sync.  The two differ by their source
    timestamp: the copy is older than our write, the undo newer -- or of the same
    second, as Sellsy stamps (an un-archive in the second of the sync's archive was
    lost: fault matrix F8).  Without a source
    timestamp (Sellsy opportunities) nothing tells them apart: a duplicate, as before.
    """
    return (
        side.written_hash is not None
        and side.written_hash != event.content_hash
        and side.applied_version is not None
        and event.source_updated_at is not None
        and event.source_updated_at >= side.applied_version
    )


def is_echo(event: ChangeEvent, state: RecordState | None) -> Decision:
    """ECHO when the event shows back what we last wrote to that side (no ping-pong)."""
    state = _check(event, state)
    if state is not None and event.content_hash == state.side(event.system).written_hash:
        return Decision(
            outcome=Outcome.ECHO,
            stage=Stage.ECHO,
            reason=f"{event.system} shows back what the sync wrote to it",
        )
    return _passes(Stage.ECHO, "not our own write")


def is_stale(event: ChangeEvent, state: RecordState | None) -> Decision:
    """STALE when the event's version is older than the newest already accounted for.

    Equal versions are *not* stale (two edits within one second of a source clock
    must both count; dedupe already dropped an identical copy).  The version is the
    source timestamp, else the observation time, which replays keep.
    """
    state = _check(event, state)
    newest = state.side(event.system).applied_version if state is not None else None
    if newest is not None and event.version < newest:
        return Decision(
            outcome=Outcome.STALE,
            stage=Stage.STALENESS,
            reason=(
                f"version {event.version.isoformat()} is older than "
                f"{newest.isoformat()} already applied"
            ),
        )
    return _passes(Stage.STALENESS, "not older than what was applied")


def check_conflict(event: ChangeEvent, state: RecordState | None) -> Decision:
    """CONFLICT when the other side also holds a change not yet synced.

    The event still proceeds, but through ``resolve_conflict`` with the other
    side's current fields, never as a blind overwrite.
    """
    state = _check(event, state)
    other = other_system(event.system)
    if state is not None and state.side(other).pending:
        return Decision(
            outcome=Outcome.CONFLICT,
            stage=Stage.CONFLICT,
            reason=f"{other} changed too since the last sync: merge field by field",
        )
    return _passes(Stage.CONFLICT, f"no unsynced change on {other}")


def decide(event: ChangeEvent, state: RecordState | None) -> Decision:
    """All state rules in pipeline order; the first that stops the event wins.

    ``state`` is None for a record never seen: APPLY.  Decoding comes first
    (``decode_event``) since the state is looked up with the decoded event.  A forced
    event (``replay --force``) skips dedupe and echo, never staleness.
    """
    rules: tuple[Callable[[ChangeEvent, RecordState | None], Decision], ...]
    rules = (dedupe, is_echo, is_stale, check_conflict)
    if event.force:  # replay --force: repair a target edited by hand; never go back in time
        rules = (is_stale, check_conflict)
    for rule in rules:
        decision = rule(event, state)
        if decision.outcome is not Outcome.APPLY:
            return decision
    return _passes(Stage.CONFLICT, "new, not an echo, not stale, no conflict")


# --- conflict resolution -------------------------------------------------------------


class SideView(BaseModel):
    """One side's mapped fields now, its record version, and its per-field base."""

    model_config = ConfigDict(frozen=True)

    fields: dict[str, Any]
    version: UtcDatetime | None = None
    base: dict[str, str] = Field(default_factory=dict)
    """``SideState.field_hashes``: value hashes at the last sync.  A field missing here
    was absent then: holding a value now is a change, still holding none is not."""

    def changed(self, name: str) -> bool:
        """True when this side's value of ``name`` differs from its value at the last sync.

        A base without ``name`` held the field's default: nothing for most fields, no
        for a flag (``archived``), so a pair synced before the flag was synchronised
        sees one side's archiving as that side's change, not as a conflict.
        """
        base = self.base.get(name)
        if base is None:
            base = _DEFAULT_HASHES.get(name, _ABSENT_HASH)
        return base != value_hash(self.fields.get(name))


class FieldWin(StrEnum):
    """Why a field took the value it did (for logs and tests)."""

    ONLY_SELLSY_CHANGED = "only_sellsy_changed"
    ONLY_ALTIOR_CHANGED = "only_altior_changed"
    NEWER = "newer"
    TIE = "tie"
    PREFERRED = "preferred"


class Resolution(BaseModel):
    """The merged record and what each side must receive to hold it."""

    model_config = ConfigDict(frozen=True)

    merged: dict[str, Any]
    """Field values both sides hold once the changes are written (agreed fields only)."""
    winners: dict[str, System]
    why: dict[str, FieldWin]
    conflict: bool
    """At least one field was changed on both sides to different values (count it)."""
    conflicting_fields: list[str]
    divergent: list[str]
    """Fields that differ but neither side changed since the last sync (e.g. a flow
    was off): left alone, never a surprise write."""
    changes_for_sellsy: dict[str, Any]
    changes_for_altior: dict[str, Any]

    def changes_for(self, system: System) -> dict[str, Any]:
        return self.changes_for_sellsy if system == "sellsy" else self.changes_for_altior


def _newer(sellsy: datetime | None, altior: datetime | None) -> System | None:
    if sellsy is None or altior is None or sellsy == altior:
        return None
    return "sellsy" if sellsy > altior else "altior"


def resolve_conflict(
    sellsy: SideView,
    altior: SideView,
    *,
    prefer: System | None = None,
    tie_winner: System = TIE_WINNER,
) -> Resolution:
    """Merge two sides per field: last writer wins by source timestamp, ties to Sellsy.

    For each field whose values differ: if only one side changed it since the last
    sync, that side wins; if both did, it is a conflict and ``prefer`` wins when
    given (an init job's reference side), else the side whose record is newer, else
    ``tie_winner``.  Deterministic: the result depends only on the arguments.
    """
    merged: dict[str, Any] = {}
    winners: dict[str, System] = {}
    why: dict[str, FieldWin] = {}
    conflicting: list[str] = []
    divergent: list[str] = []
    views: Mapping[System, SideView] = {"sellsy": sellsy, "altior": altior}
    for name in sorted(set(sellsy.fields) | set(altior.fields)):
        left, right = sellsy.fields.get(name), altior.fields.get(name)
        if value_hash(left) == value_hash(right):
            merged[name] = left
            continue
        s_changed, a_changed = sellsy.changed(name), altior.changed(name)
        if s_changed != a_changed:
            winner: System = "sellsy" if s_changed else "altior"
            reason = FieldWin.ONLY_SELLSY_CHANGED if s_changed else FieldWin.ONLY_ALTIOR_CHANGED
        elif not s_changed:
            divergent.append(name)
            continue
        else:
            conflicting.append(name)
            newer = _newer(sellsy.version, altior.version)
            if prefer is not None:
                winner, reason = prefer, FieldWin.PREFERRED
            elif newer is not None:
                winner, reason = newer, FieldWin.NEWER
            else:
                winner, reason = tie_winner, FieldWin.TIE
        merged[name] = views[winner].fields.get(name)
        winners[name], why[name] = winner, reason
    return Resolution(
        merged=merged,
        winners=winners,
        why=why,
        conflict=bool(conflicting),
        conflicting_fields=conflicting,
        divergent=divergent,
        changes_for_sellsy={n: merged[n] for n, w in winners.items() if w == "altior"},
        changes_for_altior={n: merged[n] for n, w in winners.items() if w == "sellsy"},
    )
