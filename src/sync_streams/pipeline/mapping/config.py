"""The slice of a tenant's configuration the mapping layer reads.

Mapping and filter functions run once per event and in property tests, so they take
this small frozen value rather than a whole ``TenantConfig`` (which needs secrets to
build).  ``mapping_config`` accepts either, so the pipeline can pass the tenant
configuration as it is.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sync_streams.config.altior import ExternalReference
from sync_streams.config.tenant import TenantConfig
from sync_streams.config.third_parties import ThirdPartiesMapping


class MappingConfig(BaseModel):
    """What the mapping and the filters need to know about one tenant."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mapping: ThirdPartiesMapping = Field(default_factory=ThirdPartiesMapping)
    """Email/phone/URL types and civilities (``third_parties.mapping``)."""
    external_reference: ExternalReference = Field(default_factory=ExternalReference)
    """Where the Sellsy id is stored on Altior records (``altior.external_reference``)."""
    company_filter_field: str | None = None
    contact_filter_field: str | None = None
    opportunity_filter_field: str | None = None
    pipeline_field: str | None = None
    """Altior affaire custom field holding the Sellsy pipeline name (``deals.pipeline_field``)."""
    step_field: str | None = None
    """Altior affaire custom field holding the Sellsy step name (``deals.step_field``)."""

    @classmethod
    def from_tenant(cls, tenant: TenantConfig) -> MappingConfig:
        return cls(
            mapping=tenant.third_parties.mapping,
            external_reference=tenant.altior.external_reference,
            company_filter_field=tenant.third_parties.company_filter_field,
            contact_filter_field=tenant.third_parties.contact_filter_field,
            opportunity_filter_field=tenant.deals.opportunity_filter_field,
            pipeline_field=tenant.deals.pipeline_field,
            step_field=tenant.deals.step_field,
        )


AnyConfig = MappingConfig | TenantConfig
"""What every public function of the mapping layer accepts as ``config``."""


def mapping_config(config: AnyConfig) -> MappingConfig:
    """``config`` as a ``MappingConfig`` (a tenant configuration is reduced to its slice)."""
    if isinstance(config, MappingConfig):
        return config
    return MappingConfig.from_tenant(config)
