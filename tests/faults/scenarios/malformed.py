"""Scenario 4, malformed input: fuzzed Sellsy companies among good ones.

Fuzzed records are written into the Sellsy sandbox's database as they are (past the
API's validation), as a buggy Sellsy could answer them: wrong types, broken dates, nulls,
huge strings, unknown enum values, invalid SIRETs.  Most are corrupted before the first
start (the initial load reads them), a few well after convergence (the pollers read
them).  The rules (docs/sync-rules.md, "Malformed records"):

* a synchronised field of the wrong type, or a broken timestamp, is dead-lettered with the
  dotted path of that field, once, and its record is not written;
* nulls, unknown enum values, numbers for phones, invalid SIRETs are carried: the record
  syncs;
* a huge string is either synced or dead-lettered naming its field;
* every good record syncs, and nothing crashes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any, Literal

from sync_streams.domain.events import DeadLetter
from tests.faults.context import POLL_INTERVAL, Context, converge
from tests.faults.outcome import RunResult
from tests.faults.workload import Workload
from tests.support.stack import wait_for

NAME = "4 malformed input"
Expect = Literal["dead letter", "sync", "either"]


@dataclass(frozen=True)
class Fuzz:
    label: str
    fields: dict[str, Any]
    expect: Expect
    field: str = ""
    """The dotted path the dead letter must name (``dead letter`` and ``either``)."""


HUGE = "x" * 200_000

FUZZ: tuple[Fuzz, ...] = (
    Fuzz("list for an email", {"email": ["a@b.fr"]}, "dead letter", "email"),
    Fuzz("object for a website", {"website": {"url": "x"}}, "dead letter", "website"),
    Fuzz(
        "text for legal_france",
        {"legal_france": "732 829 320 00074"},
        "dead letter",
        "legal_france",
    ),
    Fuzz(
        "number for a SIRET object field",
        {"legal_france": {"siret": ["1"]}},
        "dead letter",
        "legal_france.siret",
    ),
    Fuzz("broken date", {"updated_at": "2024-13-45T99:61:00Z"}, "dead letter", "updated_at"),
    Fuzz("text for a date", {"updated_at": "pas une date"}, "dead letter", "updated_at"),
    Fuzz("null email", {"email": None}, "sync"),
    Fuzz("unknown type", {"type": "partenaire"}, "sync"),
    Fuzz("invalid SIRET", {"legal_france": {"siret": "123 456"}}, "sync"),
    Fuzz("zero SIRET", {"legal_france": {"siret": "00000000000000"}}, "sync"),
    Fuzz("number for a phone", {"phone_number": 612345678}, "sync"),
    # refused by Altior (255 characters at most): the letter names Altior's field
    Fuzz("huge website", {"website": "https://" + HUGE + ".fr"}, "either", "urls[0].value"),
)

LIVE = (FUZZ[0], FUZZ[2], FUZZ[5])
"""Corruptions of already synced companies, read by the pollers after convergence."""


def _of(letters: list[DeadLetter], sellsy_id: int) -> list[DeadLetter]:
    """The letters of a Sellsy company: its raw record (decode, poll, init) or its change
    event (write)."""
    found = []
    for letter in letters:
        original = letter.original if isinstance(letter.original, dict) else {}
        if original.get("id") == sellsy_id or (
            original.get("system") == "sellsy" and str(original.get("source_id")) == str(sellsy_id)
        ):
            found.append(letter)
    return found


async def run(ctx: Context) -> RunResult:
    async with ctx.stack("malformed") as stack:
        tenant = await stack.add_tenant("acme-prod", company_filter_field=None)
        work = Workload(stack, tenant, "acme", ctx.rng)
        await work.seed(ctx.records)
        count = max(len(FUZZ), ctx.records // 4)
        fuzzed: dict[str, Fuzz] = {}
        for index, token in enumerate(await work.add_sellsy(count)):
            fuzz = FUZZ[index % len(FUZZ)]
            fuzzed[token] = fuzz
            if fuzz.expect != "sync":
                work.excluded.add(token)
            if "name" in fuzz.fields:  # its token is gone with its name: left out by name
                work.excluded.add(str(fuzz.fields["name"]).split(" ", 1)[0])
            await stack.raw_sellsy_edit(
                tenant.sellsy_account, "company", work.sellsy_ids[token], **fuzz.fields
            )
        started = time.monotonic()
        await stack.start_worker()
        seconds, _ = await converge([work], started, ctx.limit)

        # after convergence, synced companies go bad: the pollers read them
        good = sorted(t for t in work.sellsy_ids if t not in fuzzed)
        live: dict[str, Fuzz] = {}
        for token, fuzz in zip(ctx.rng.sample(good, len(LIVE)), LIVE, strict=True):
            live[token] = fuzz
            await stack.raw_sellsy_edit(
                tenant.sellsy_account, "company", work.sellsy_ids[token], **fuzz.fields
            )

        async def live_letters() -> bool:
            letters = await stack.dead_letters()
            return all(_of(letters, work.sellsy_ids[t]) for t in live)

        with contextlib.suppress(AssertionError):  # a missing letter is counted below
            await wait_for(live_letters, "live dead letters", limit=10 * POLL_INTERVAL + 30)
        await asyncio.sleep(5 * POLL_INTERVAL)  # more polls: still one letter per version
        letters = await stack.dead_letters()
        final = await work.audit()

        missed: list[str] = []  # a bad record without its dead letter naming the field
        written: list[str] = []  # a bad record written anyway
        repeated = 0  # a malformed version dead-lettered more than once
        rewritten = 0  # a version the API refused, dead-lettered more than once (F4)
        expected_letters = 0
        for token, fuzz in [*fuzzed.items(), *live.items()]:
            sellsy_id = work.sellsy_ids[token]
            mine = _of(letters, sellsy_id)
            refused = [d for d in mine if d.stage == "write"]
            rewritten += max(0, len(refused) - 1)
            repeated += max(0, len(mine) - len(refused) - 1)
            named = [d for d in mine if d.field == fuzz.field]
            if fuzz.expect == "dead letter" or (fuzz.expect == "either" and mine):
                expected_letters += 1
                if not named:
                    missed.append(f"{fuzz.label}: {[(d.field, d.reason) for d in mine]}")
                if token in fuzzed:
                    found = await tenant.altior.find_third_party_by_external_reference(
                        str(sellsy_id)
                    )
                    if found is not None:
                        written.append(fuzz.label)
        unnamed = [d for d in letters if not d.field and d.stage != "write"]
        refused_unnamed = sum(1 for d in letters if not d.field and d.stage == "write")
        return RunResult(
            records=work.records,
            duplicates=final.duplicates,
            lost=final.lost,
            dead_letters=len(letters),
            dead_letters_expected=expected_letters,
            converge_seconds=seconds,
            checks={
                "bad without its letter": len(missed),
                "bad written": len(written),
                "letters repeated": repeated,
                "refused writes re-lettered": rewritten,
                "letters without field": len(unnamed),
                "refused writes without field": refused_unnamed,
            },
            notes=[
                f"{len(fuzzed)} fuzzed before start + {len(live)} after convergence, "
                f"among {work.records - len(fuzzed)} good",
                final.summary(),
                *(f"missed: {m}" for m in missed),
                *(f"written anyway: {w}" for w in written),
                *(f"letter: {d.stage} {d.field!r} {d.reason[:100]}" for d in letters[:40]),
            ],
        )
