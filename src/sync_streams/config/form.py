"""The connector form's labels as data, each tied to a tenant configuration key.

Integrators think in the form's French labels; the service thinks in keys.
``form_labels.yaml`` is the single list joining them: the docs table and the
``tenants form`` command are generated from it, and a unit test fails when a
label has no key or names a key the model does not have.
"""

from __future__ import annotations

import functools
import typing
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sync_streams.config.messages import model_in
from sync_streams.config.tenant import TenantConfig


@dataclass(frozen=True)
class FormField:
    """One label of the form (or one option of a checklist label) and its key."""

    section: str
    part: str | None
    label: str
    key: str
    option: str | None = None
    note: str | None = None

    @property
    def title(self) -> str:
        """The label as an integrator reads it, with the checklist option if any."""
        return f"{self.label} : {self.option}" if self.option else self.label


@functools.cache
def form_fields() -> tuple[FormField, ...]:
    """Every field of the form, in the form's order (from ``form_labels.yaml``)."""
    text = resources.files("sync_streams.config").joinpath("form_labels.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    fields: list[FormField] = []
    for section in data["sections"]:
        for item in section["fields"]:
            fields.append(
                FormField(
                    section=section["section"],
                    part=section.get("part"),
                    label=item["label"],
                    key=item["key"],
                    option=item.get("option"),
                    note=item.get("note"),
                )
            )
    return tuple(fields)


def key_field(key: str, model: type[BaseModel] = TenantConfig) -> FieldInfo:
    """The model field at a dotted key path (``[]`` = an item of a list).

    Raises ``KeyError`` naming the first part that does not exist.
    """
    current: Any = model
    field: FieldInfo | None = None
    walked: list[str] = []
    for part in key.split("."):
        name = part.removesuffix("[]")
        owner = model_in(current)
        if owner is None or name not in owner.model_fields:
            raise KeyError(f"{'.'.join([*walked, part])}: no such configuration key")
        field = owner.model_fields[name]
        if part.endswith("[]") and typing.get_origin(field.annotation) is not tuple:
            raise KeyError(f"{'.'.join([*walked, part])}: not a list")
        walked.append(part)
        current = field.annotation
    if field is None:
        raise KeyError(f"{key}: empty key")
    return field


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000)
    return text.strip().removesuffix("...").strip()


def default_text(key: str) -> str:
    """How the docs show a key's default: ``required``, ``null``, or the YAML value."""
    if "[]" in key:
        return "required in each row" if key_field(key).is_required() else "`[]` (none)"
    field = key_field(key)
    if field.is_required():
        nullable = type(None) in typing.get_args(field.annotation)
        return "required (`null` allowed)" if nullable else "required"
    if field.default_factory is not None:
        return f"`{_yaml_scalar(field.default_factory())}`"  # type: ignore[call-arg]
    if field.default is PydanticUndefined:
        return "required"
    if isinstance(field.default, tuple) and not field.default:
        return "`[]` (none)"
    return f"`{_yaml_scalar(field.default)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table() -> str:
    """The docs table: form label (French, as written) -> key -> meaning -> default."""
    lines: list[str] = []
    heading: tuple[str | None, str] | None = None
    for item in form_fields():
        if (item.part, item.section) != heading:
            heading = (item.part, item.section)
            title = f"{item.part} › {item.section}" if item.part else item.section
            lines += [
                "",
                f"#### {title}",
                "",
                "| Form label (French, as written) | Configuration key | Meaning | Default |",
                "|---|---|---|---|",
            ]
        label = f"{item.label} : *{item.option}*" if item.option else item.label
        if item.note:
            label += f" <br>_{item.note}_"
        meaning = _cell(key_field(item.key).description or "")
        default = _cell(default_text(item.key))
        lines.append(f"| {_cell(label)} | `{item.key}` | {meaning} | {default} |")
    return "\n".join(lines).strip() + "\n"
