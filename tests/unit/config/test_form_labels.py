"""The form's labels are kept as data; each one has a configuration key that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sync_streams.config.form import default_text, form_fields, key_field, markdown_table

from .conftest import REPO

FORM = REPO / "docs" / "reference" / "connector-configuration-form.txt"
DOC = REPO / "docs" / "configuration.md"

# Lines of the form that are not labels: its title, its legend and the example answers.
NOT_LABELS = {
    "Demande de configuration",
    "Connecteur Sellsy",
    ": prière de ne rien modifier ;      : champs à compléter",
    "Oui",
    "Non",
    "Synchronisation Altior",
    "Principal",
    "M",
    "Mme",
    "Fixe",
    "Fax",
    "Portable",
    "Site web",
    "Workflow",
    "Etape",
}


def form_lines() -> list[str]:
    assert FORM.exists(), f"reference form missing: {FORM}"
    lines = []
    for raw in FORM.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"^\[bookmark: [^\]]*\]", "", raw.strip()).removeprefix("· ").strip()
        if line:
            lines.append(line)
    return lines


def test_every_label_has_a_key_that_exists_in_the_model() -> None:
    fields = form_fields()

    assert len(fields) >= 40
    for item in fields:
        assert item.key, f"{item.title}: no configuration key"
        key_field(item.key)  # raises KeyError when the key does not exist


def test_a_key_that_does_not_exist_is_detected() -> None:
    with pytest.raises(KeyError, match=re.escape("deals.on_quote_created[].stage")):
        key_field("deals.on_quote_created[].stage")
    with pytest.raises(KeyError, match="not a list"):
        key_field("deals.step_field[]")


def test_every_table_column_of_the_form_is_covered() -> None:
    keys = {item.key for item in form_fields()}

    assert {
        "deals.import_triggers[].pipeline",
        "deals.import_triggers[].step",
        "deals.import_triggers[].establishments",
    } <= keys
    for table in ("on_quote_created", "on_order_created", "on_deal_closed"):
        assert {f"deals.{table}[].pipeline", f"deals.{table}[].step"} <= keys


def test_labels_are_written_as_in_the_form_and_in_its_order() -> None:
    lines = form_lines()
    position = 0
    for item in form_fields():
        for text in filter(None, (item.part, item.section, item.label, item.option, item.note)):
            assert text in lines, f"not in the form as written: {text!r}"
        index = lines.index(item.option or item.label, position)
        assert index >= position, f"out of the form's order: {item.title!r}"
        position = index


def test_every_line_of_the_form_is_a_known_label_heading_or_example_value() -> None:
    known = set(NOT_LABELS)
    for item in form_fields():
        known.update(filter(None, (item.part, item.section, item.label, item.option, item.note)))

    unknown = [line for line in form_lines() if line not in known]

    assert unknown == [], "form labels missing from form_labels.yaml"


def test_docs_table_is_the_one_generated_from_the_labels() -> None:
    doc = DOC.read_text(encoding="utf-8")

    assert markdown_table() in doc, "regenerate with: sync-streams tenants form"
    for item in form_fields():
        assert item.label in doc
        assert f"`{item.key}`" in doc


def test_defaults_shown_in_the_docs() -> None:
    assert default_text("sellsy.client_secret") == "required"
    assert default_text("deals.opportunity_filter_field") == "required (`null` allowed)"
    assert default_text("third_parties.init.match_on_siret") == "`false`"
    assert default_text("third_parties.mapping.civility.ms") == "`Mme`"
    assert default_text("deals.import_triggers[].step") == "required in each row"
    assert default_text("altior.external_reference") == (
        "`{codification: EXTERNAL, key: SELLSY, name: Sellsy}`"
    )


def test_doc_path_is_inside_the_repository() -> None:
    assert isinstance(DOC, Path) and DOC.parent.name == "docs"
