"""The fault matrix's deal audit: what makes a deal lost on a side besides its name."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.faults.deals import SeenDeal, misplaced, sellsy_deals

COMPANIES = {"DS00001-acme": "S00004-acme", "DA00001-acme": "A00002-acme"}


def test_a_deal_on_its_company_twin_at_the_expected_step_is_in_place() -> None:
    found = [
        SeenDeal("DS00001-acme acme v2", "S00004-acme acme v3", "Devis envoyé"),
        SeenDeal("DA00001-acme acme v1", "A00002-acme acme v1", "Prospection"),
    ]
    steps = {"DS00001-acme": "Devis envoyé", "DA00001-acme": "Prospection"}
    assert misplaced(found, COMPANIES, steps) == []


def test_a_deal_on_another_company_is_misplaced() -> None:
    found = [SeenDeal("DS00001-acme acme v1", "S00005-acme acme v1", "Signature")]
    [problem] = misplaced(found, COMPANIES, {})
    assert "S00005-acme" in problem and "S00004-acme" in problem


def test_a_step_that_did_not_follow_is_misplaced_where_it_is_checked() -> None:
    found = [SeenDeal("DS00001-acme acme v2", "S00004-acme acme v1", "Signature")]
    assert misplaced(found, COMPANIES, {"DS00001-acme": None}) == []
    [problem] = misplaced(found, COMPANIES, {"DS00001-acme": "Devis envoyé"})
    assert "'Signature'" in problem and "'Devis envoyé'" in problem


def test_unknown_tokens_are_left_to_the_name_tally() -> None:
    found = [SeenDeal("DS00099-beta beta v1", "nobody", None)]
    assert misplaced(found, COMPANIES, {}) == []


def test_sellsy_deals_names_each_opportunitys_company_and_step(tmp_path: Path) -> None:
    database = tmp_path / "sellsy.db"
    rows = [
        (7, "company", 3, {"name": "S00004-acme acme v1"}),
        (7, "opportunity", 1, {"name": "DS00001-acme acme v1", "company_id": 3,
                               "step": {"id": 9, "name": "Signature"}}),
        (8, "opportunity", 1, {"name": "DS00001-beta beta v1", "company_id": 3}),
    ]  # fmt: skip
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE records (account_id, kind, id, body)")
        db.executemany(
            "INSERT INTO records VALUES (?, ?, ?, ?)",
            [(a, k, i, json.dumps(b)) for a, k, i, b in rows],
        )
    assert sellsy_deals(database, 7) == [
        SeenDeal("DS00001-acme acme v1", "S00004-acme acme v1", "Signature")
    ]
