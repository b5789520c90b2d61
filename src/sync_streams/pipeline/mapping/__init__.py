"""Pure mapping between raw Sellsy and Altior records and one common form per kind.

See docs/sync-rules.md, "Field mapping".  Nothing here does I/O: snapshots in,
common dicts, content hashes and request bodies out.
"""

from sync_streams.pipeline.mapping.common import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    DEAL_FIELDS,
    PERSON_FIELDS,
    align,
    changed_fields,
    comparable,
    name_key,
    same_name,
    same_value,
    sellsy_entity_for,
    third_party_fields,
)
from sync_streams.pipeline.mapping.config import AnyConfig, MappingConfig, mapping_config
from sync_streams.pipeline.mapping.contacts import (
    KEEP,
    Keep,
    altior_contact_body,
    sellsy_contact_body,
)
from sync_streams.pipeline.mapping.deal_rules import (
    EventKind,
    StepMove,
    is_backwards,
    plan_move,
    target_step,
    trigger_for,
    trigger_reached,
)
from sync_streams.pipeline.mapping.deals import (
    StatusAction,
    altior_affaire_body,
    altior_status_actions,
    sellsy_opportunity_body,
)
from sync_streams.pipeline.mapping.dispatch import (
    ALTIOR_ENTITIES,
    SELLSY_ENTITIES,
    SYNCED_KIND,
    altior_to_common,
    hashed_form,
    links,
    sellsy_to_common,
    source_version,
    sync_hash,
    to_common,
)
from sync_streams.pipeline.mapping.flags import CustomFieldRef, sync_flag
from sync_streams.pipeline.mapping.pipelines import Pipeline, PipelineCatalog, PipelineStep
from sync_streams.pipeline.mapping.references import (
    external_sellsy_id,
    reference_value,
    sellsy_reference,
    stored_reference,
)
from sync_streams.pipeline.mapping.third_parties import (
    altior_third_party_body,
    sellsy_company_body,
    sellsy_individual_body,
)

__all__ = [
    "ALTIOR_ENTITIES",
    "COMPANY_FIELDS",
    "CONTACT_FIELDS",
    "DEAL_FIELDS",
    "KEEP",
    "PERSON_FIELDS",
    "SELLSY_ENTITIES",
    "SYNCED_KIND",
    "AnyConfig",
    "CustomFieldRef",
    "EventKind",
    "Keep",
    "MappingConfig",
    "Pipeline",
    "PipelineCatalog",
    "PipelineStep",
    "StatusAction",
    "StepMove",
    "align",
    "altior_affaire_body",
    "altior_contact_body",
    "altior_status_actions",
    "altior_third_party_body",
    "altior_to_common",
    "changed_fields",
    "comparable",
    "external_sellsy_id",
    "hashed_form",
    "is_backwards",
    "links",
    "mapping_config",
    "name_key",
    "plan_move",
    "reference_value",
    "same_name",
    "same_value",
    "sellsy_company_body",
    "sellsy_contact_body",
    "sellsy_entity_for",
    "sellsy_individual_body",
    "sellsy_opportunity_body",
    "sellsy_reference",
    "sellsy_to_common",
    "source_version",
    "stored_reference",
    "sync_flag",
    "sync_hash",
    "target_step",
    "third_party_fields",
    "to_common",
    "trigger_for",
    "trigger_reached",
]
