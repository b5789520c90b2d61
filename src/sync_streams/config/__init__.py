"""Tenant configuration (one YAML file per client environment) and service settings.

Public API::

    from sync_streams.config import TenantConfig, ServiceSettings, load_tenant, load_tenants

    settings = ServiceSettings.load(settings_file, web_port=flag_or_none)  # flags > env > file
    tenants = load_tenants([settings.tenants_dir], service=settings)  # raises ConfigError
    report = check_against_apis(tenants["acme-prod"], ApiInventory(...))  # at tenant start
"""

from sync_streams.config.altior import AltiorSettings, ExternalReference
from sync_streams.config.base import LoadContext
from sync_streams.config.checks import (
    ApiInventory,
    CheckReport,
    Flow,
    Mismatch,
    check_against_apis,
)
from sync_streams.config.deals import DealEvent, DealsInit, DealsSettings, ImportTrigger, StepRule
from sync_streams.config.form import FormField, form_fields, markdown_table
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
    "ApiInventory",
    "CheckReport",
    "CivilityMapping",
    "DealEvent",
    "DealsInit",
    "DealsSettings",
    "ExternalReference",
    "Flow",
    "FormField",
    "ImportTrigger",
    "LoadContext",
    "Mismatch",
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
    "check_against_apis",
    "form_fields",
    "load_tenant",
    "load_tenants",
    "markdown_table",
    "tenant_files",
    "validate_tenant_files",
]
