"""Hypothesis strategies: raw Sellsy and Altior records with realistic French data."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sync_streams.domain.siret import luhn_valid

from .samples import CATALOG

LETTERS = "abcdefghijklmnopqrstuvwxyzéèêëàâçôöûüïîÉÈÀÇ"
NAME_ALPHABET = LETTERS + LETTERS.upper() + " -'&."


def _text(min_size: int = 1, max_size: int = 30) -> st.SearchStrategy[str]:
    return st.text(alphabet=NAME_ALPHABET, min_size=min_size, max_size=max_size).filter(
        lambda s: s.strip() != ""
    )


names = _text()
optional_names = st.none() | _text()


@st.composite
def phones(draw: st.DrawFn) -> str:
    """A French number in one of the spellings people type."""
    first = draw(st.sampled_from("1234567"))
    rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    pairs = [rest[i : i + 2] for i in range(0, 8, 2)]
    style = draw(st.integers(0, 4))
    if style == 0:
        return f"0{first} " + " ".join(pairs)
    if style == 1:
        return f"0{first}" + "".join(pairs)
    if style == 2:
        return f"+33 {first} " + " ".join(pairs)
    if style == 3:
        return f"0{first}." + ".".join(pairs)
    return f"0033 (0){first} " + " ".join(pairs)


optional_phones = st.none() | phones()


LOCALS = ["contact", "Compta", "jean.dupre", "ELODIE", "info", "j_muller"]
DOMAINS = ["dupre", "Boulangerie-Dupre", "example", "orange", "laposte"]


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.sampled_from(LOCALS)) + draw(st.sampled_from(["", "1", "2", "42"]))
    return f"{local}@{draw(st.sampled_from(DOMAINS))}.{draw(st.sampled_from(['fr', 'com', 'FR']))}"


optional_emails = st.none() | emails()
site_urls = st.builds(
    lambda domain, tail: f"https://www.{domain.lower()}.fr{tail}",
    st.sampled_from(DOMAINS),
    st.sampled_from(["", "/", "/boutique"]),
)
websites = st.none() | site_urls


def _complete(prefix: str) -> str:
    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


@st.composite
def sirets(draw: st.DrawFn) -> str:
    """A 14-digit SIRET (valid, or with a bad key), spelled with or without separators."""
    siren = _complete(str(draw(st.integers(10**7, 10**8 - 1))))
    nic = f"{draw(st.integers(0, 9999)):04d}"
    digits = _complete(siren + nic)
    if draw(st.booleans()):
        digits = digits[:-1] + str((int(digits[-1]) + 1) % 10)  # invalid key: still stored
    style = draw(st.integers(0, 2))
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:3]} {digits[3:6]} {digits[6:9]} {digits[9:]}"
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}.{digits[9:]}"


optional_sirets = st.none() | sirets()
sellsy_civilities = st.sampled_from([None, "mr", "mrs", "ms"])
altior_civilities = st.sampled_from([None, "M", "Mme"])


@st.composite
def sellsy_companies(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(st.integers(1, 10**6)),
        "type": draw(st.sampled_from(["client", "prospect", "supplier"])),
        "name": draw(names),
        "email": draw(optional_emails),
        "website": draw(websites),
        "phone_number": draw(optional_phones),
        "mobile_number": draw(optional_phones),
        "fax_number": draw(optional_phones),
        "legal_france": {"siret": draw(optional_sirets), "siren": "732829320", "vat": None},
        "reference": draw(st.none() | st.just("CLI-0042")),
        "note": draw(st.sampled_from(["", "Livraison le mardi"])),
        "is_archived": draw(st.booleans()),
        "updated_at": "2024-05-02T11:15:00+02:00",
    }


def _people(draw: st.DrawFn, civility: st.SearchStrategy[str | None]) -> dict[str, Any]:
    return {
        "civility": draw(civility),
        "first_name": draw(optional_names),
        "last_name": draw(names),
        "email": draw(optional_emails),
        "website": draw(websites),
        "phone_number": draw(optional_phones),
        "mobile_number": draw(optional_phones),
        "fax_number": draw(optional_phones),
        "is_archived": draw(st.booleans()),
    }


@st.composite
def sellsy_individuals(draw: st.DrawFn) -> dict[str, Any]:
    record = {
        "id": draw(st.integers(1, 10**6)),
        "type": "client",
        **_people(draw, sellsy_civilities),
    }
    return {**record, "updated_at": "2024-05-02T11:15:00+02:00"}


@st.composite
def sellsy_contacts(draw: st.DrawFn) -> dict[str, Any]:
    record = {"id": draw(st.integers(1, 10**6)), **_people(draw, sellsy_civilities)}
    return {**record, "position": draw(optional_names), "updated": "2024-05-02T11:15:00Z"}


@st.composite
def channel_lists(draw: st.DrawFn) -> dict[str, list[dict[str, str]]]:
    """Typed channels as Altior stores them: main entries, extras, unknown types, shuffled."""

    def some(type_name: str, values: st.SearchStrategy[str], most: int) -> list[dict[str, str]]:
        found = draw(st.lists(values, max_size=most))
        return [{"type": type_name, "value": v.strip()} for v in found]

    result = {
        "emails": some("Principal", emails(), 2) + some("Facturation", emails(), 1),
        "phones": some("Fixe", phones(), 3)
        + some("Portable", phones(), 2)
        + some("Fax", phones(), 1)
        + some("Standard", phones(), 1),
        "urls": some("Site web", site_urls, 2) + some("Boutique", site_urls, 1),
    }
    shuffle = draw(st.randoms(use_true_random=False))
    for name, entries in result.items():
        shuffle.shuffle(entries)
        deduped: list[dict[str, str]] = []
        for entry in entries:
            if entry not in deduped:
                deduped.append(entry)
        result[name] = deduped
    return result


def _refs(sellsy_id: int | str) -> list[dict[str, str]]:
    return [
        {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": str(sellsy_id)}
    ]


@st.composite
def altior_morals(draw: st.DrawFn) -> dict[str, Any]:
    siret = draw(optional_sirets)
    return {
        "id": draw(st.integers(1, 10**6)),
        "kind": "moral",
        "name": draw(names).strip(),
        "first_name": draw(st.none() | st.just("Gérant")),
        "last_name": None,
        "civility": None,
        "siret": None if siret is None else siret.replace(" ", "").replace(".", ""),
        "establishment_id": 1,
        **draw(channel_lists()),
        "custom_fields": {},
        "external_references": _refs(draw(st.integers(1, 10**6))),
        "archived": draw(st.booleans()),
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }


@st.composite
def altior_physiques(draw: st.DrawFn) -> dict[str, Any]:
    last = draw(names).strip()
    first = draw(optional_names)
    return {
        "id": draw(st.integers(1, 10**6)),
        "kind": "physique",
        "name": f"{last.upper()} {first or ''}".strip(),
        "first_name": first,
        "last_name": last,
        "civility": draw(altior_civilities),
        "siret": draw(st.none() | st.just("73282932000074")),
        "establishment_id": 1,
        **draw(channel_lists()),
        "custom_fields": {},
        "external_references": _refs(f"individual-{draw(st.integers(1, 10**6))}"),
        "archived": draw(st.none() | st.booleans()),  # null reads as not archived
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }


@st.composite
def altior_contacts(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "id": draw(st.integers(1, 10**6)),
        "civility": draw(altior_civilities),
        "first_name": draw(optional_names),
        "last_name": draw(names).strip(),
        "position": draw(optional_names),
        "third_party_id": draw(st.none() | st.integers(1, 1000)),
        "establishment_id": 1,
        **draw(channel_lists()),
        "custom_fields": {},
        "external_references": _refs(draw(st.integers(1, 10**6))),
        "archived": draw(st.none() | st.booleans()),  # null reads as not archived
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }


amounts = st.decimals(min_value=0, max_value=10**7, places=3).map(str)
cent_amounts = st.decimals(min_value=0, max_value=10**7, places=2).map(str)
STEPS = [(p.name, s.name) for p in CATALOG.pipelines for s in p.steps]


@st.composite
def opportunities(draw: st.DrawFn) -> dict[str, Any]:
    pipeline, step = draw(st.sampled_from(STEPS))
    return {
        "id": draw(st.integers(1, 10**6)),
        "name": draw(names),
        "status": draw(st.sampled_from(["open", "won", "lost", "cancelled", "closed", "late"])),
        "amount": draw(st.none() | st.builds(lambda v: {"value": v, "currency": "EUR"}, amounts)),
        "pipeline": {"id": 1, "name": pipeline},
        "step": {"id": 2, "name": step},
        "company_id": 48213,
        "created": "2024-04-01T10:00:00+02:00",
    }


@st.composite
def affaires(draw: st.DrawFn) -> dict[str, Any]:
    pipeline, step = draw(st.sampled_from(STEPS))
    amount = draw(st.none() | cent_amounts)
    return {
        "id": draw(st.integers(1, 10**6)),
        "reference": "AFF-2024-00042",
        "name": draw(names).strip(),
        "third_party_id": 412,
        "establishment_ids": [1],
        "amount": None if amount is None else {"value": amount, "currency": "EUR"},
        "status": draw(st.sampled_from(["open", "won", "lost", "closed"])),
        "custom_fields": {"Workflow": pipeline, "Etape": step, "Marge": 12},
        "external_references": _refs(draw(st.integers(1, 10**6))),
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }
