"""Tenant configuration (one YAML file per client environment) and service settings.

Public API::

    from sync_streams.config import TenantConfig, ServiceSettings, load_tenant, load_tenants
"""

from sync_streams.config.altior import AltiorSettings, ExternalReference
from sync_streams.config.base import LoadContext
from sync_streams.config.deals import DealEvent, DealsInit, DealsSettings, ImportTrigger, StepRule
from sync_streams.config.loader import (
    TenantLoadReport,
    load_tenant,
    load_tenants,
    tenant_files,
    validate_tenant_files,
)
from sync_streams.config.secrets import (
    MASK,
    SecretReference,
    TenantSecret,
    UnresolvedSecretError,
)
from sync_streams.config.sellsy import SellsySettings
from sync_streams.config.service import ServiceSettings
from sync_streams.config.tenant import TenantConfig
from sync_streams.config.third_parties import (
    CivilityMapping,
    PhoneTypes,
    ThirdPartiesInit,
    ThirdPartiesMapping,
    ThirdPartiesSettings,
)

__all__ = [
    "MASK",
    "AltiorSettings",
    "CivilityMapping",
    "DealEvent",
    "DealsInit",
    "DealsSettings",
    "ExternalReference",
    "ImportTrigger",
    "LoadContext",
    "PhoneTypes",
    "SecretReference",
    "SellsySettings",
    "ServiceSettings",
    "StepRule",
    "TenantConfig",
    "TenantLoadReport",
    "TenantSecret",
    "ThirdPartiesInit",
    "ThirdPartiesMapping",
    "ThirdPartiesSettings",
    "UnresolvedSecretError",
    "load_tenant",
    "load_tenants",
    "tenant_files",
    "validate_tenant_files",
]
