"""Turn pydantic validation errors into one line per problem for integrators.

Each line reads ``<file>: <key.path[0].key>: <what is expected>``.  Lines
never quote a secret: they show the type of a wrong value, not the value,
except for short non-secret values where seeing them helps (URLs, ids).
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from sync_streams.config.base import RULES_ERROR

Loc = Sequence[int | str]


def format_path(loc: Loc) -> str:
    """``('deals', 'on_quote_created', 0, 'step')`` -> ``deals.on_quote_created[0].step``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X``, ``X | None``, ``tuple[X, ...]``, ``Annotated[X, ...]``."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_in(arg)
        if found is not None:
            return found
    return None


def _lookup(model: type[BaseModel], loc: Loc) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model owning the last key of ``loc`` and that key's field (None when unknown)."""
    current: Any = model
    owner: type[BaseModel] | None = None
    field: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        owner = model_in(current)
        if owner is None:
            return None, None
        field = owner.model_fields.get(part)
        if field is None:
            return owner, None
        current = field.annotation
    return owner, field


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return (
            "true/false (YAML reads unquoted yes/no/on/off/true/false as booleans: quote the text)"
        )
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _keys(model: type[BaseModel]) -> str:
    required = [name for name, f in model.model_fields.items() if f.is_required()]
    text = ", ".join(model.model_fields)
    return f"{text} (required: {', '.join(required)})" if required else text


def _expected(field: FieldInfo | None) -> str:
    """The field's description, as a parenthesised reminder of what the key holds."""
    return f" ({field.description})" if field is not None and field.description else ""


def _message(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind = error["type"]
    loc = error["loc"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    owner, field = _lookup(model, loc)
    section = model_in(field.annotation) if field is not None else None
    if kind == "missing":
        is_list = field is not None and typing.get_origin(field.annotation) is tuple
        if section is not None and not is_list:
            return f"required section is missing; expected a mapping with keys {_keys(section)}"
        return "required key is missing" + _expected(field)
    if kind == "extra_forbidden":
        if owner is None:
            return "unknown key"
        known = list(owner.model_fields)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown key{hint}; expected one of: {', '.join(known)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        target = section or owner
        keys = f" with keys {_keys(target)}" if target is not None else ""
        return f"expected a mapping{keys}, got {_kind(value)}"
    if kind in ("tuple_type", "list_type"):
        return f"expected a list, got {_kind(value)}" + _expected(field)
    if kind == "string_type":
        return f"expected text, got {_kind(value)}"
    if kind in ("bool_type", "bool_parsing"):
        return "expected true or false (yes/no and oui/non are accepted)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {_kind(value)}"
    if kind in ("float_type", "float_parsing"):
        return f"expected a number, got {_kind(value)}"
    limits = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in limits:
        op, key = limits[kind]
        return f"expected a number {op} {ctx.get(key)}" + _expected(field)
    if kind == "string_too_short":
        return "must not be empty" + _expected(field)
    if kind == "string_too_long":
        return f"too long: at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        shown = f" '{value}'" if isinstance(value, str) and len(value) <= 80 else ""
        what = field.description if field is not None and field.description else "another form"
        return f"invalid value{shown}; expected: {what}"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    reason = ctx.get("reason")
    return str(reason) if reason is not None else error["msg"]


def describe_errors(
    exc: ValidationError,
    origin: str | Callable[[tuple[int | str, ...]], str],
    *,
    model: type[BaseModel],
) -> list[str]:
    """One ``<origin>: <path>: <expected>`` line per error of ``exc``.

    ``origin`` is the file name, or a function of the error location when
    values come from several sources (flags, environment, settings file).
    """
    lines: list[str] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        where = origin(loc) if callable(origin) else origin
        if error["type"] == RULES_ERROR:
            for subpath, message in (error.get("ctx") or {}).get("violations", ()):
                path = format_path(loc)
                if subpath:
                    path = f"{path}{subpath}" if subpath.startswith("[") else f"{path}.{subpath}"
                lines.append(_line(where, path, message))
            continue
        if error["type"] == "invalid_key":  # a YAML key such as 1 or true: name it, not [1]
            path = format_path((*loc[:-1], str(loc[-1]))) if loc else format_path(loc)
            message = "unknown key (keys are names, not numbers or booleans)"
            lines.append(_line(where, path, message))
            continue
        lines.append(_line(where, format_path(loc), _message(error, model)))
    return lines


def _line(origin: str, path: str, message: str) -> str:
    return f"{origin}: {path}: {' '.join(message.split())}"
