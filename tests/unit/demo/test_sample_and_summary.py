"""The sample data shows every rule; the summary reads the worker's metrics."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sync_streams.demo import sample
from sync_streams.demo.ledger import EXPORT, IMPORT, Ledger, Tally
from sync_streams.demo.summary import render_summary, worker_figures
from sync_streams.domain.siret import match_by_siret


def test_sample_has_what_the_demo_promises() -> None:
    companies = sample.SELLSY_COMPANIES
    assert len(companies) == 20
    assert 0 < len(sample.flagged_company_keys()) < len(companies)
    assert any(any(c in "éèêàçûôÉ" for c in co.body["name"]) for co in companies)
    assert all(len(c.body.get("legal_france", {}).get("siret", "x" * 14)) == 14 for c in companies)
    contacts = sample.SELLSY_CONTACTS
    assert {c.company is None for c in contacts} == {True, False}
    assert {c.flagged for c in contacts if c.company is None} == {True, False}
    assert all(c.body["last_name"].isupper() for c in contacts)
    report = match_by_siret(
        [(c.key, c.body.get("legal_france", {}).get("siret")) for c in companies],
        [(t.key, t.body.get("siret")) for t in sample.ALTIOR.third_parties],
    )
    assert {(m.source_id, m.target_id) for m in report.matched} == {
        (t.matches, t.key) for t in sample.ALTIOR.third_parties if t.matches
    }
    assert len(report.ambiguous) == 1
    assert {i.id for i in report.invalid_sources} == {"rousseau", "lambert"}
    spaced = [t.body["siret"] for t in sample.ALTIOR.third_parties if "siret" in t.body]
    assert any(" " in s for s in spaced) and any("." in s for s in spaced)


def test_seed_document_resolves_keys_to_indexes() -> None:
    document = sample.altior_seed_document()
    keys = [t.key for t in sample.ALTIOR.third_parties]
    assert document["contacts"][0]["third_party_index"] == keys.index("a-chartier")
    assert "third_party_key" not in document["affaires"][0]


METRICS = """
# TYPE sync_streams_events_total counter
sync_streams_events_total{tenant="acme-prod",direction="import",outcome="filtered"} 6.0
sync_streams_events_total{tenant="acme-prod",direction="import",outcome="applied"} 20.0
sync_streams_events_total{tenant="other",direction="import",outcome="filtered"} 99.0
sync_streams_events_total{tenant="acme-prod",direction="export",outcome="dead_lettered"} 1.0
# TYPE sync_streams_conflicts_total counter
sync_streams_conflicts_total{tenant="acme-prod",direction="export"} 2.0
"""


def test_worker_figures_per_direction_for_the_tenant() -> None:
    figures = worker_figures(METRICS, "acme-prod")
    assert figures.available
    assert figures.filtered[IMPORT] == 6 and figures.applied[IMPORT] == 20
    assert figures.dead_lettered[EXPORT] == 1 and figures.conflicts[EXPORT] == 2
    assert not worker_figures(None, "acme-prod").available


def test_summary_table() -> None:
    tally = Tally()
    tally.created[IMPORT] = 12
    tally.calls["sellsy"] = 80
    text = render_summary(
        elapsed=125, before={"sellsy": {"company": 20}}, after={"sellsy": {"company": 27}},
        tally=tally, worker=worker_figures(None, "acme-prod"), siret_pairs=(3, 3),
    )  # fmt: skip
    assert "2 min 05 s" in text
    assert "created" in text and "12" in text
    assert "filtered (not flagged)" in text and "n/a" in text
    assert "Sellsy companies" in text and "27" in text
    assert "3 of 3" in text


def test_ledger_times_never_go_back_and_echoes_expire() -> None:
    out = io.StringIO()
    ledger = Ledger(out, siret_pairs=[(15, 21)])
    now = datetime(2026, 5, 2, 9, 0, 10, tzinfo=UTC)
    ledger.say(now, "lane", "second")
    ledger.say(now - timedelta(seconds=5), "lane", "read a moment late")
    first, second = out.getvalue().splitlines()
    assert first[:8] == second[:8]
    ref = ("altior", "third_party", 21)
    ledger.written(ref, now)
    assert ledger.is_echo(ref, now + timedelta(seconds=30))
    assert not ledger.is_echo(ref, now + timedelta(minutes=5))
    ledger.edited(ref)
    assert not ledger.is_echo(ref, now + timedelta(seconds=30))
    ledger.tell_pair(now, ref)
    ledger.tell_pair(now, ("sellsy", "company", 15))
    assert out.getvalue().count("SIRET match") == 1
    assert ledger.links[ref] == ("sellsy", "company", 15)


def test_export_source_found_by_name_words() -> None:
    ledger = Ledger(io.StringIO())
    ledger.remember(("altior", "third_party", 26), "VASSEUR Claire")
    assert ledger.altior_named("third_party", "Claire Vasseur") == ("altior", "third_party", 26)
    assert ledger.altior_named("contact", "Claire Vasseur") is None
