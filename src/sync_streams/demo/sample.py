"""The demo's French sample data: what a small ACME account looks like on both sides.

Chosen to exercise every rule the viewer should see: accents and capitalised
surnames, SIRETs typed with spaces and dots, invalid SIRETs (never matched), one
SIRET shared by two Altior third parties (reported, not merged), companies with and
without the "Synchronisation Altior" flag, contacts with and without a company, and
a few deals.  Sellsy SIRETs are 14 characters at most (Sellsy's own limit), so the
spaced and dotted forms live on the Altior side, where they are typed by hand.

Records refer to each other by *key* (``"dupre"``), never by id: ids are only
known once the sandboxes have created the records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FLAG_FIELD = "Synchronisation Altior"
"""The Sellsy boolean custom field named by the example tenant's company_filter_field."""


@dataclass(frozen=True)
class SellsyThirdParty:
    """One Sellsy company or individual; ``body`` is its ``POST /companies|/individuals``."""

    key: str
    body: dict[str, Any]
    flagged: bool
    kind: str = "company"


@dataclass(frozen=True)
class SellsyContact:
    key: str
    body: dict[str, Any]
    flagged: bool
    company: str | None = None


@dataclass(frozen=True)
class SellsyOpportunity:
    name: str
    company: str
    step: str
    amount: str


@dataclass(frozen=True)
class AltiorThirdParty:
    key: str
    body: dict[str, Any]
    matches: str | None = None
    """Key of the Sellsy company with the same (valid) SIRET, if any."""


@dataclass(frozen=True)
class AltiorData:
    third_parties: list[AltiorThirdParty]
    contacts: list[dict[str, Any]] = field(default_factory=list)
    affaires: list[dict[str, Any]] = field(default_factory=list)


def _company(
    key: str, name: str, *, flagged: bool, siret: str | None = None, **channels: str
) -> SellsyThirdParty:
    body: dict[str, Any] = {"type": channels.pop("type", "client"), "name": name, **channels}
    if siret is not None:
        body["legal_france"] = {"siret": siret}
    return SellsyThirdParty(key, body, flagged)


SELLSY_COMPANIES: list[SellsyThirdParty] = [
    _company("dupre", "Boulangerie Dupré SARL", flagged=True, siret="73282932000074",
             email="contact@boulangerie-dupre.fr", website="https://www.boulangerie-dupre.fr",
             phone_number="04 78 12 34 56", mobile_number="06 11 22 33 44",
             fax_number="04 78 12 34 57"),
    _company("lefevre", "Menuiserie Lefèvre et Fils", flagged=True, siret="44306184100047",
             email="accueil@menuiserie-lefevre.fr", phone_number="01 42 68 53 00"),
    _company("moreau", "Garage Moreau & Cie", flagged=True, siret="52601815500832",
             email="atelier@garage-moreau.fr", phone_number="03 80 45 12 90",
             mobile_number="06 72 14 88 01", website="www.garage-moreau.fr"),
    _company("croix-rousse", "Pharmacie de la Croix-Rousse", flagged=True,
             siret="60913909206030", email="officine@pharmacie-croixrousse.fr",
             phone_number="04 78 28 61 15", fax_number="04 78 28 61 16"),
    _company("bouquin", "Librairie Le Bouquin Doré", flagged=False, siret="94821993601810",
             type="prospect", email="bonjour@bouquin-dore.fr", phone_number="05 56 44 21 09"),
    _company("rousseau", "Transports Rousseau", flagged=True, siret="12345678901234",
             email="exploitation@transports-rousseau.fr", phone_number="02 40 89 77 10",
             mobile_number="+33 6 45 12 78 90"),
    _company("berard", "Cave Saint-Émilion Bérard", flagged=False, siret="90937865509750",
             email="cave@berard-vins.fr", phone_number="05 57 24 70 31",
             website="https://www.berard-vins.fr"),
    _company("guerin", "Fromagerie Guérin", flagged=True, siret="43231948105747",
             email="commandes@fromagerie-guerin.fr", phone_number="04 50 32 11 87"),
    _company("lambert", "Électricité Lambert", flagged=True, siret="732 829 320 00",
             email="devis@elec-lambert.fr", mobile_number="07 81 25 36 47"),
    _company("chevalier", "Plomberie Chevalier", flagged=False, type="prospect",
             email="sos@plomberie-chevalier.fr", phone_number="01 48 87 90 12"),
    _company("faure", "Imprimerie Faure", flagged=True, siret="91186252206013",
             email="atelier@imprimerie-faure.fr", phone_number="04 73 91 26 40",
             fax_number="04 73 91 26 41"),
    _company("lac", "Hôtel du Lac d'Annecy", flagged=True, siret="89555979701148",
             email="reception@hotel-lac-annecy.fr", phone_number="04 50 45 67 89",
             website="https://www.hotel-lac-annecy.fr"),
    _company("girard", "Atelier Céramique Girard", flagged=False, type="supplier",
             email="atelier@ceramique-girard.fr", phone_number="03 88 32 45 67"),
    _company("trois-futs", "Brasserie Les Trois Fûts", flagged=True, siret="71049746200758",
             email="bieres@troisfuts.fr", phone_number="03 20 57 84 12",
             mobile_number="06 33 48 19 72"),
    _company("mercier", "Cabinet d'Architecture Mercier", flagged=True,
             siret="29170342906672", email="agence@mercier-architecture.fr",
             phone_number="04 91 54 32 10", website="www.mercier-architecture.fr"),
    _company("bonnet", "Serrurerie Bonnet", flagged=False, siret="12768426404651",
             email="contact@serrurerie-bonnet.fr", phone_number="02 99 30 14 25"),
    _company("quatre-saisons", "Ferme des Quatre Saisons", flagged=True,
             siret="63212233907927", email="ferme@quatre-saisons.fr",
             mobile_number="06 52 87 41 03"),
    _company("lemaire", "Pâtisserie Lemaire", flagged=True, siret="44026859705280",
             email="commande@patisserie-lemaire.fr", phone_number="03 26 47 58 69"),
    _company("fontaine", "Quincaillerie Fontaine", flagged=False, type="supplier",
             email="pro@quincaillerie-fontaine.fr", phone_number="02 35 70 41 22"),
    _company("perrin", "Boucherie-Charcuterie Perrin", flagged=True, siret="90786666907600",
             email="boucherie.perrin@orange.fr", phone_number="04 77 32 18 54"),
]  # fmt: skip

SELLSY_INDIVIDUALS: list[SellsyThirdParty] = [
    SellsyThirdParty("dubois", {"type": "client", "civility": "mr", "first_name": "François",
                                "last_name": "DUBOIS", "email": "f.dubois@free.fr",
                                "mobile_number": "06 14 25 36 47"}, True, "individual"),
    SellsyThirdParty("marchand", {"type": "client", "civility": "mrs", "first_name": "Hélène",
                                  "last_name": "MARCHAND", "email": "helene.marchand@laposte.net",
                                  "phone_number": "02 31 85 96 74"}, True, "individual"),
    SellsyThirdParty("lefebvre", {"type": "prospect", "civility": "ms", "first_name": "Chloé",
                                  "last_name": "LEFEBVRE", "email": "chloe.lefebvre@gmail.com"},
                     False, "individual"),
]  # fmt: skip


def _person(
    civility: str, first: str, last: str, position: str | None, **channels: str
) -> dict[str, Any]:
    body: dict[str, Any] = {"civility": civility, "first_name": first, "last_name": last}
    if position:
        body["position"] = position
    return {**body, **channels}


SELLSY_CONTACTS: list[SellsyContact] = [
    SellsyContact("jp-dupre", _person("mr", "Jean-Pierre", "DUPRÉ", "Gérant",
                  email="jp.dupre@boulangerie-dupre.fr", mobile_number="+33 6 98 76 54 32"),
                  False, "dupre"),
    SellsyContact("s-lefevre", _person("mrs", "Sophie", "LEFÈVRE", "Responsable achats",
                  email="s.lefevre@menuiserie-lefevre.fr"), False, "lefevre"),
    SellsyContact("l-moreau", _person("mr", "Lucas", "MOREAU", "Chef d'atelier",
                  phone_number="03 80 45 12 91"), False, "moreau"),
    SellsyContact("n-roux", _person("mrs", "Nathalie", "ROUX", "Exploitante",
                  email="nathalie@quatre-saisons.fr"), False, "quatre-saisons"),
    SellsyContact("m-bernard", _person("mr", "Marc", "BERNARD", "Libraire",
                  email="marc@bouquin-dore.fr"), False, "bouquin"),
    SellsyContact("a-petit", _person("ms", "Amélie", "PETIT", "Consultante indépendante",
                  email="amelie.petit@outlook.fr", mobile_number="06 87 65 43 21"), True),
    SellsyContact("i-benali", _person("mrs", "Inès", "BENALI", None,
                  email="ines.benali@gmail.com"), True),
    SellsyContact("t-gauthier", _person("mr", "Thomas", "GAUTHIER", "Étudiant",
                  email="t.gauthier@etu.univ-lyon1.fr"), False),
]  # fmt: skip

SELLSY_OPPORTUNITIES: list[SellsyOpportunity] = [
    SellsyOpportunity("Fourniture farines bio 2025", "dupre", "Prospection", "4800.00"),
    SellsyOpportunity("Rénovation de la vitrine", "faure", "Qualification", "12500.00"),
    SellsyOpportunity("Contrat de maintenance du four", "dupre", "Signature", "3600.00"),
    SellsyOpportunity("Chambre froide négative", "guerin", "Devis envoyé", "27900.00"),
]


def _altior(key: str, kind: str, *, matches: str | None = None, **body: Any) -> AltiorThirdParty:
    return AltiorThirdParty(key, {"kind": kind, "establishment": "ACME Lyon", **body}, matches)


def _mails(value: str) -> list[dict[str, str]]:
    return [{"type": "Principal", "value": value}]


ALTIOR: AltiorData = AltiorData(
    third_parties=[
        _altior("a-dupre", "moral", matches="dupre", name="Boulangerie Dupré",
                siret="732 829 320 00074", emails=_mails("contact@boulangerie-dupre.fr"),
                phones=[{"type": "Fixe", "value": "04 78 12 34 56"},
                        {"type": "Fixe", "value": "04 78 12 34 99"}]),
        _altior("a-lefevre", "moral", matches="lefevre", name="Menuiserie Lefèvre & Fils",
                siret="443.061.841.00047", establishment="ACME Paris",
                emails=_mails("accueil@menuiserie-lefevre.fr")),
        _altior("a-mercier", "moral", matches="mercier", name="Mercier Architectes",
                siret="291 703 429 066 72", phones=[{"type": "Fixe", "value": "04 91 54 32 10"}]),
        _altior("a-croix-rousse-1", "moral", name="Pharmacie Croix-Rousse",
                siret="609 139 092 06030", emails=_mails("pharmacie@croixrousse.fr")),
        _altior("a-croix-rousse-2", "moral", name="Pharmacie de la Croix-Rousse (dépôt)",
                siret="60913909206030"),
        _altior("a-rousseau", "moral", name="Transports Rousseau SAS", siret="123 456 789 01234",
                phones=[{"type": "Portable", "value": "06 45 12 78 90"}]),
        _altior("a-eaux-vives", "moral", name="Société Nouvelle des Eaux Vives",
                siret="31372159901095", emails=_mails("contact@eaux-vives.fr"),
                phones=[{"type": "Fixe", "value": "04 76 85 20 30"},
                        {"type": "Fax", "value": "04 76 85 20 31"}],
                urls=[{"type": "Site web", "value": "https://www.eaux-vives.fr"}]),
        _altior("a-vasseur", "physique", civility="Mme", first_name="Claire",
                last_name="VASSEUR", emails=_mails("claire.vasseur@wanadoo.fr"),
                phones=[{"type": "Portable", "value": "06 21 43 65 87"}]),
        _altior("a-chartier", "moral", name="Vignobles Chartier", establishment="ACME Paris",
                emails=_mails("domaine@vignobles-chartier.fr"),
                phones=[{"type": "Fixe", "value": "05 56 59 12 34"},
                        {"type": "Fixe", "value": "05 56 59 12 35"}]),
        _altior("a-blanc", "moral", name="Agence Immobilière Blanc",
                emails=_mails("agence@immo-blanc.fr"),
                urls=[{"type": "Site web", "value": "https://immo-blanc.fr"}]),
    ],
    contacts=[
        {"civility": "M", "first_name": "Paul", "last_name": "CHARTIER", "position": "Vigneron",
         "third_party_key": "a-chartier", "establishment": "ACME Paris",
         "emails": _mails("paul@vignobles-chartier.fr")},
        {"civility": "Mme", "first_name": "Isabelle", "last_name": "BLANC",
         "position": "Directrice", "third_party_key": "a-blanc", "establishment": "ACME Lyon",
         "phones": [{"type": "Portable", "value": "06 58 47 36 25"}]},
    ],
    affaires=[
        {"name": "Cave à vin climatisée", "third_party_key": "a-chartier",
         "establishments": ["ACME Paris"], "amount": {"value": "18500.00", "currency": "EUR"},
         "custom_fields": {"Workflow": "Ventes", "Etape": "Signature"},
         "quotes": [{"label": "Devis cave 120 bouteilles",
                     "amount": {"value": "18500.00", "currency": "EUR"}}]},
    ],
)  # fmt: skip


def flagged_company_keys() -> list[str]:
    return [c.key for c in SELLSY_COMPANIES if c.flagged]


def altior_seed_document(data: AltiorData = ALTIOR) -> dict[str, Any]:
    """The Altior admin seed body: keys replaced by the sandbox's ``third_party_index``."""
    index = {tp.key: position for position, tp in enumerate(data.third_parties)}

    def resolve(item: dict[str, Any]) -> dict[str, Any]:
        body = {k: v for k, v in item.items() if k != "third_party_key"}
        if "third_party_key" in item:
            body["third_party_index"] = index[item["third_party_key"]]
        return body

    return {
        "third_parties": [dict(tp.body) for tp in data.third_parties],
        "contacts": [resolve(c) for c in data.contacts],
        "affaires": [resolve(a) for a in data.affaires],
    }
