"""Raw snapshots as the APIs return them, with realistic French data."""

from __future__ import annotations

from typing import Any

from sync_streams.config.altior import ExternalReference
from sync_streams.pipeline.mapping import MappingConfig, Pipeline, PipelineCatalog, PipelineStep

CONFIG = MappingConfig(
    company_filter_field="Synchronisation Altior",
    contact_filter_field="Synchro contact",
    opportunity_filter_field="Envoyer vers Altior",
    pipeline_field="Workflow",
    step_field="Etape",
)
OTHER_REFERENCE = MappingConfig(
    external_reference=ExternalReference(codification="EXT2", key="CRM", name="Mon CRM")
)


def sellsy_company(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 48213,
        "type": "client",
        "name": "Boulangerie Dupré SARL",
        "email": "Contact@Dupre.fr",
        "website": "https://www.dupre.fr",
        "phone_number": "04 78 12 34 56",
        "mobile_number": "+33 6 12 34 56 78",
        "fax_number": "04.78.12.34.57",
        "legal_france": {"siret": "732 829 320 00074", "siren": "732829320", "vat": None},
        "reference": "CLI-0042",
        "note": "Livraison le mardi",
        "created": "2024-01-10T08:00:00+01:00",
        "updated_at": "2024-05-02T11:15:00+02:00",
        "is_archived": False,
        "_embed": {"custom_fields": []},
    }
    record.update(changes)
    return record


def sellsy_individual(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 7301,
        "type": "prospect",
        "civility": "ms",
        "first_name": "Élodie",
        "last_name": "Lefèvre",
        "email": "elodie.lefevre@example.fr",
        "website": None,
        "phone_number": None,
        "mobile_number": "06 98 76 54 32",
        "fax_number": None,
        "updated_at": "2024-05-02T11:15:00+02:00",
        "is_archived": False,
    }
    record.update(changes)
    return record


def sellsy_contact(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 901,
        "civility": "mr",
        "first_name": "Jean-François",
        "last_name": "Müller",
        "email": "jf.muller@dupre.fr",
        "website": None,
        "phone_number": "04 78 12 34 50",
        "mobile_number": None,
        "fax_number": None,
        "position": "Directeur administratif",
        "created": "2024-01-10T08:00:00+01:00",
        "updated": "2024-05-02T11:15:00+02:00",
        "is_archived": False,
    }
    record.update(changes)
    return record


def altior_moral(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 412,
        "kind": "moral",
        "name": "Boulangerie Dupré SARL",
        "first_name": None,
        "last_name": None,
        "civility": None,
        "siret": "73282932000074",
        "establishment_id": 1,
        "created_by": 3,
        "updated_by": 3,
        "emails": [
            {"type": "Principal", "value": "contact@dupre.fr"},
            {"type": "Facturation", "value": "compta@dupre.fr"},
        ],
        "phones": [
            {"type": "Fixe", "value": "+33 4 78 12 34 56"},
            {"type": "Fixe", "value": "04 78 99 99 99"},
            {"type": "Portable", "value": "06 12 34 56 78"},
            {"type": "Fax", "value": "04 78 12 34 57"},
        ],
        "urls": [{"type": "Site web", "value": "https://www.dupre.fr"}],
        "custom_fields": {},
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "48213"}
        ],
        "archived": False,
        "created_at": "2024-05-02T09:15:00.000123Z",
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }
    record.update(changes)
    return record


def altior_physique(**changes: Any) -> dict[str, Any]:
    record = altior_moral(
        id=413,
        kind="physique",
        name="LEFÈVRE Élodie",
        first_name="Élodie",
        last_name="Lefèvre",
        civility="Mme",
        siret=None,
        emails=[{"type": "Principal", "value": "elodie.lefevre@example.fr"}],
        phones=[{"type": "Portable", "value": "06 98 76 54 32"}],
        urls=[],
        external_references=[
            {
                "codification": "EXTERNAL",
                "key": "SELLSY",
                "name": "Sellsy",
                "value": "individual-7301",
            }
        ],
    )
    record.update(changes)
    return record


def altior_contact(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 77,
        "civility": "M",
        "first_name": "Jean-François",
        "last_name": "Müller",
        "position": "Directeur administratif",
        "third_party_id": 412,
        "establishment_id": 1,
        "emails": [{"type": "Principal", "value": "jf.muller@dupre.fr"}],
        "phones": [{"type": "Fixe", "value": "04 78 12 34 50"}],
        "urls": [],
        "custom_fields": {},
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "901"}
        ],
        "archived": False,
        "created_at": "2024-05-02T09:15:00.000123Z",
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }
    record.update(changes)
    return record


def flag(field_id: int, value: Any, field_type: str = "boolean") -> dict[str, Any]:
    """An ``_embed.custom_fields`` item as Sellsy embeds it."""
    return {
        "id": field_id,
        "name": "Synchronisation Altior",
        "code": "synchronisation-altior",
        "type": field_type,
        "value": value,
    }


CATALOG = PipelineCatalog(
    pipelines=(
        Pipeline(
            id=1,
            name="Ventes",
            is_default=True,
            steps=(
                PipelineStep(id=11, name="Découverte", rank=1),
                PipelineStep(id=12, name="Proposition", rank=2),
                PipelineStep(id=13, name="Négociation", rank=3),
                PipelineStep(id=14, name="Signé", rank=4),
            ),
        ),
        Pipeline(
            id=2,
            name="Maintenance",
            steps=(
                PipelineStep(id=21, name="Demande", rank=1),
                PipelineStep(id=22, name="Devis envoyé", rank=2),
            ),
        ),
    )
)


def opportunity(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 5501,
        "number": "OPP-00042",
        "name": "Four à pain 2024",
        "source": {"id": 1, "name": "Salon"},
        "due_date": "2024-06-30",
        "created": "2024-04-01T10:00:00+02:00",
        "updated_status": None,
        "status": "open",
        "amount": {"value": "12500", "currency": "EUR"},
        "pipeline": {"id": 1, "name": "Ventes"},
        "step": {"id": 12, "name": "Proposition"},
        "probability": 40,
        "company_id": 48213,
        "individual_id": None,
        "contact_ids": [901],
        "related": [{"id": 48213, "type": "company"}],
    }
    record.update(changes)
    return record


def affaire(**changes: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": 300,
        "reference": "AFF-2024-00042",
        "name": "Four à pain 2024",
        "third_party_id": 412,
        "establishment_ids": [1],
        "amount": {"value": "12500.00", "currency": "EUR"},
        "status": "open",
        "closed_at": None,
        "custom_fields": {"Workflow": "Ventes", "Etape": "Proposition"},
        "external_references": [
            {"codification": "EXTERNAL", "key": "SELLSY", "name": "Sellsy", "value": "5501"}
        ],
        "created_at": "2024-05-02T09:15:00.000123Z",
        "updated_at": "2024-05-02T09:15:00.000123Z",
    }
    record.update(changes)
    return record
