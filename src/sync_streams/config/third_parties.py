"""The ``third_parties`` section: companies and contacts, both ways."""

from __future__ import annotations

from pydantic import Field

from sync_streams.config.base import ConfigModel, Flag, Name

SELLSY_CIVILITIES = ("mr", "mrs", "ms")


class ThirdPartiesInit(ConfigModel):
    """The initial full load (job ``thirdPartyAll``), run once when a tenant starts."""

    export_all: Flag = Field(
        True, description="export every Altior third party to Sellsy (job thirdPartyAll)"
    )
    import_all: Flag = Field(
        True, description="import every Sellsy company and contact into Altior (job thirdPartyAll)"
    )
    match_on_siret: Flag = Field(
        False,
        description="before creating, match existing records on SIRET (valid SIRETs only; "
        "ambiguous matches are reported, never merged)",
    )


class CivilityMapping(ConfigModel):
    """Sellsy civility (``mr``/``mrs``/``ms``) -> Altior civility abbreviation.

    Sellsy's enum is fixed; Altior's civilities are an admin-defined list, so
    every Sellsy value needs an explicit target.  Back from Altior, an
    abbreviation maps to the first Sellsy value (in mr, mrs, ms order) that
    maps to it: with the defaults, ``Mme`` becomes ``mrs``.
    """

    mr: Name = Field("M", description="Altior civility abbreviation for Sellsy 'mr'")
    mrs: Name = Field("Mme", description="Altior civility abbreviation for Sellsy 'mrs'")
    ms: Name = Field("Mme", description="Altior civility abbreviation for Sellsy 'ms'")

    def to_altior(self, sellsy_civility: str) -> str | None:
        """Altior abbreviation for a Sellsy civility, None for an unknown value."""
        if sellsy_civility not in SELLSY_CIVILITIES:
            return None
        value: str = getattr(self, sellsy_civility)
        return value

    def to_sellsy(self, altior_abbreviation: str) -> str | None:
        """Sellsy civility for an Altior abbreviation, None when nothing maps to it."""
        for civility in SELLSY_CIVILITIES:
            if getattr(self, civility) == altior_abbreviation:
                return civility
        return None


class PhoneTypes(ConfigModel):
    """Sellsy phone channel -> Altior phone type name."""

    phone: Name = Field("Fixe", description="Altior phone type for Sellsy's phone_number")
    fax: Name = Field("Fax", description="Altior phone type for Sellsy's fax_number")
    mobile: Name = Field("Portable", description="Altior phone type for Sellsy's mobile_number")


class ThirdPartiesMapping(ConfigModel):
    """Names of the Altior types that Sellsy's fixed channels map to."""

    email_type: Name = Field("Principal", description="Altior email type for Sellsy's email")
    civility: CivilityMapping = Field(
        default_factory=CivilityMapping,
        description="Sellsy civility (mr, mrs, ms) -> Altior civility abbreviation",
    )
    phone_types: PhoneTypes = Field(
        default_factory=PhoneTypes, description="Sellsy phone channels -> Altior phone types"
    )
    website_url_type: Name = Field("Site web", description="Altior URL type for Sellsy's website")


class ThirdPartiesSettings(ConfigModel):
    """Which third-party flows run, which Sellsy records descend, how fields map."""

    export_to_sellsy: Flag = Field(
        description="run the flow Altior -> Sellsy for third parties (true/false)"
    )
    import_from_sellsy: Flag = Field(
        description="run the flow Sellsy -> Altior for companies and contacts (true/false)"
    )
    company_filter_field: Name | None = Field(
        description="name or code of the Sellsy custom field (yes/no) a company must have "
        "set to descend into Altior; null to import every company"
    )
    contact_filter_field: Name | None = Field(
        description="name or code of the Sellsy custom field (yes/no) a contact not linked "
        "to a company must have set to descend into Altior; null to import every such contact"
    )
    init: ThirdPartiesInit = Field(
        default_factory=ThirdPartiesInit, description="initial full load (job thirdPartyAll)"
    )
    mapping: ThirdPartiesMapping = Field(
        default_factory=ThirdPartiesMapping,
        description="Altior types for emails, civilities, phones and websites",
    )

    @property
    def enabled(self) -> bool:
        """True when at least one direction runs."""
        return self.export_to_sellsy or self.import_from_sellsy
