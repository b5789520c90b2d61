"""Custom field definitions and values.

Definitions come from ``POST /custom-fields/search``; values come embedded in a
record (``embed[]=cf.{id}`` -> ``_embed.custom_fields``) or from
``GET /{resource}/{id}/custom-fields``.  Both carry the definition's fields; a value
adds ``value``, whose JSON shape depends on ``type``:

* ``boolean`` (Yes/No): ``true`` / ``false`` / ``null``;
* ``checkbox`` (multiple choice): a list of item ids;
* ``select`` / ``radio``: one item id;
* ``amount``: ``{amount, currency}``; ``numeric-with-unit``: ``{number, unit_id}``;
* text kinds (``simple-text``, ``rich-text``, ``email``, ``url``, ``numeric``,
  ``date``, ``time``): a string;
* ``company-individual``, ``contact``, ``staff``, ``item``: lists of ids.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, JsonValue, field_validator

CustomFieldType = (
    Literal[
        "simple-text",
        "rich-text",
        "email",
        "url",
        "numeric",
        "date",
        "time",
        "amount",
        "numeric-with-unit",
        "radio",
        "select",
        "checkbox",
        "boolean",
        "company-individual",
        "contact",
        "staff",
        "item",
    ]
    | str
)

_TRUE = {"1", "true", "yes", "y", "oui"}
_FALSE = {"0", "false", "no", "n", "non", ""}


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, coerce_numbers_to_str=True)


class CustomFieldItem(_Tolerant):
    """One choice of a ``select``, ``radio`` or ``checkbox`` field."""

    id: int
    label: str | None = None
    checked: bool | None = None
    rank: int | None = None


class CustomFieldParameters(_Tolerant):
    """Type-dependent settings; we read the choices and the default value."""

    items: list[CustomFieldItem] | None = None
    default_value: JsonValue = None


class CustomFieldGroup(_Tolerant):
    id: int | None = None
    name: str | None = None
    code: str | None = None
    open_by_default: bool | None = None


class CustomFieldDefinition(_Tolerant):
    """A custom field as defined in the account.

    The spec names the applicable objects ``related_object``; real responses may
    say ``related_objects`` (ARCHITECTURE.md section 7): both are read.
    """

    id: int
    name: str | None = None
    code: str | None = None
    type: CustomFieldType | None = None
    mandatory: bool | None = None
    rank: int | None = None
    related_object: list[str] = Field(
        default_factory=list, validation_alias=AliasChoices("related_object", "related_objects")
    )
    customfield_group: CustomFieldGroup | None = None
    show_on_pdf: bool | None = None
    parameters: CustomFieldParameters | None = None

    @field_validator("related_object", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @property
    def items(self) -> list[CustomFieldItem]:
        """The choices of a select/radio/checkbox field (empty for other kinds)."""
        if self.parameters is None or self.parameters.items is None:
            return []
        return self.parameters.items

    def item_label(self, item_id: int) -> str | None:
        for item in self.items:
            if item.id == item_id:
                return item.label
        return None


class CustomFieldValue(CustomFieldDefinition):
    """A custom field with its value on one record."""

    value: JsonValue = None

    def as_bool(self) -> bool | None:
        """The value of a ``boolean`` (Yes/No) field; ``None`` when unset.

        Raises ``ValueError`` on a value that is not a yes/no, rather than guessing:
        a sync filter must not silently flip.
        """
        value = self.value
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"custom field {self.id} value {value!r} is not a yes/no")

    def item_ids(self) -> list[int]:
        """Chosen item ids of a ``checkbox`` (several) or ``select``/``radio`` (one) field."""
        value = self.value
        if value is None:
            return []
        if isinstance(value, list):
            return [int(v) for v in value if isinstance(v, int | str) and str(v).isdigit()]
        if isinstance(value, int | str) and str(value).isdigit():
            return [int(value)]
        raise ValueError(f"custom field {self.id} value {value!r} is not a list of item ids")

    def item_labels(self) -> list[str]:
        """Labels of the chosen items, when the definition's items were embedded."""
        return [label for i in self.item_ids() if (label := self.item_label(i)) is not None]
