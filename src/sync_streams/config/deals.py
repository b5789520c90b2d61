"""The ``deals`` section: Sellsy opportunities <-> Altior affaires.

Opportunities descend into Altior when they reach a trigger step; events on
the Altior side (quote added, order added, affaire closed) move the Sellsy
opportunity to a target step, one per pipeline.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sync_streams.config.base import ConfigModel, Flag, Name, rules_error

DealEvent = Literal["quote_created", "order_created", "deal_closed"]


class StepRule(ConfigModel):
    """A Sellsy pipeline and one of its steps."""

    pipeline: Name = Field(description="Sellsy pipeline name, as shown in Sellsy")
    step: Name = Field(description="name of a step of that pipeline, as shown in Sellsy")


class ImportTrigger(StepRule):
    """Reaching ``step`` of ``pipeline`` brings the opportunity into Altior."""

    establishments: tuple[Name, ...] = Field(
        (),
        description="Altior establishment(s) the affaire is attached to; "
        "empty = the tenant's altior.establishment",
    )


class DealsInit(ConfigModel):
    """The initial full load (job ``opportunityAll``)."""

    import_all: Flag = Field(
        True,
        description="import the Sellsy opportunities already at a trigger step "
        "(job opportunityAll)",
    )


class DealsSettings(ConfigModel):
    """Which deal flows run, what triggers an import, which steps Altior events set."""

    export_to_sellsy: Flag = Field(
        description="run the flow Altior affaires -> Sellsy opportunities (true/false)"
    )
    import_from_sellsy: Flag = Field(
        description="run the flow Sellsy opportunities -> Altior affaires (true/false)"
    )
    opportunity_filter_field: Name | None = Field(
        description="name of the Sellsy custom field (yes/no) an opportunity must have set "
        "to descend into Altior; null to import every opportunity reaching a trigger step"
    )
    pipeline_field: Name | None = Field(
        None,
        description="name of the Altior custom field holding the Sellsy pipeline name "
        "(required when a deal flow is on)",
    )
    step_field: Name | None = Field(
        None,
        description="name of the Altior custom field holding the Sellsy step name "
        "(required when a deal flow is on)",
    )
    init: DealsInit = Field(
        default_factory=DealsInit, description="initial full load (job opportunityAll)"
    )
    import_triggers: tuple[ImportTrigger, ...] = Field(
        (),
        description="pipeline + step that bring an opportunity into Altior, with the "
        "establishment(s) it is attached to (at least one when import_from_sellsy is true)",
    )
    on_quote_created: tuple[StepRule, ...] = Field(
        (), description="Sellsy step to set when a quote is added to the affaire in Altior"
    )
    on_order_created: tuple[StepRule, ...] = Field(
        (), description="Sellsy step to set when an order is added to the affaire in Altior"
    )
    on_deal_closed: tuple[StepRule, ...] = Field(
        (), description="Sellsy step to set when the affaire is closed in Altior"
    )

    @property
    def enabled(self) -> bool:
        """True when at least one direction runs."""
        return self.export_to_sellsy or self.import_from_sellsy

    def rules_for(self, event: DealEvent) -> tuple[StepRule, ...]:
        """The target-step rules of one Altior event."""
        rules: tuple[StepRule, ...] = getattr(self, f"on_{event}")
        return rules

    def target_step(self, event: DealEvent, pipeline: str) -> str | None:
        """Step to move an opportunity of ``pipeline`` to on ``event``; None = leave it."""
        for rule in self.rules_for(event):
            if rule.pipeline == pipeline:
                return rule.step
        return None

    def trigger_for(self, pipeline: str, step: str) -> ImportTrigger | None:
        """The import trigger matching an opportunity's pipeline and step, if any."""
        for trigger in self.import_triggers:
            if trigger.pipeline == pipeline and trigger.step == step:
                return trigger
        return None

    @field_validator("on_quote_created", "on_order_created", "on_deal_closed")
    @classmethod
    def _one_rule_per_pipeline(
        cls, rules: tuple[StepRule, ...], info: ValidationInfo
    ) -> tuple[StepRule, ...]:
        """A deal sits in one pipeline: two target steps for it would be ambiguous."""
        first_index: dict[str, int] = {}
        violations = []
        for index, rule in enumerate(rules):
            if rule.pipeline in first_index:
                violations.append(
                    (
                        f"[{index}].pipeline",
                        f"pipeline '{rule.pipeline}' already has a target step in "
                        f"{info.field_name}[{first_index[rule.pipeline]}]; "
                        "expected one rule per pipeline",
                    )
                )
            else:
                first_index[rule.pipeline] = index
        if violations:
            raise rules_error(violations)
        return rules

    @field_validator("import_triggers")
    @classmethod
    def _distinct_triggers(cls, triggers: tuple[ImportTrigger, ...]) -> tuple[ImportTrigger, ...]:
        seen: dict[tuple[str, str], int] = {}
        violations = []
        for index, trigger in enumerate(triggers):
            pair = (trigger.pipeline, trigger.step)
            if pair in seen:
                violations.append(
                    (
                        f"[{index}]",
                        f"pipeline '{trigger.pipeline}' step '{trigger.step}' is already a "
                        f"trigger in import_triggers[{seen[pair]}]; expected each pair once",
                    )
                )
            seen.setdefault(pair, index)
        if violations:
            raise rules_error(violations)
        return triggers

    @model_validator(mode="after")
    def _coherent(self) -> DealsSettings:
        violations: list[tuple[str, str]] = []
        if self.enabled:
            for key in ("pipeline_field", "step_field"):
                if getattr(self, key) is None:
                    violations.append(
                        (
                            key,
                            "expected the name of an Altior custom field; required "
                            "when deals.export_to_sellsy or deals.import_from_sellsy is true",
                        )
                    )
        if self.import_from_sellsy and not self.import_triggers:
            violations.append(
                (
                    "import_triggers",
                    "expected at least one {pipeline, step} trigger when "
                    "deals.import_from_sellsy is true (otherwise no opportunity ever descends)",
                )
            )
        if violations:
            raise rules_error(violations)
        return self
