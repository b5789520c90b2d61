"""Read a hand-written YAML file, reporting problems as lines instead of raising.

PyYAML silently keeps the last of two equal keys and its error text quotes
the offending line (which could hold a secret); both are handled here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sync_streams.config.messages import format_path


def _duplicate_keys(node: yaml.Node, loc: tuple[int | str, ...] = ()) -> list[str]:
    """Keys written twice in one mapping: PyYAML would silently keep the last one."""
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                where = format_path((*loc, key))
                problems.append(
                    f"{where}: key written twice (lines {seen[key]} and {line}); "
                    "expected each key once"
                )
            else:
                seen[key] = line
            problems.extend(_duplicate_keys(value_node, (*loc, key)))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            problems.extend(_duplicate_keys(item, (*loc, index)))
    return problems


def read_yaml(path: Path) -> tuple[Any, list[str]]:
    """Parse one YAML document; return (data, problem lines) -- never raises.

    ``data`` is None when the file cannot be parsed; a non-mapping top level
    is reported as a problem.
    """
    origin = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{origin}: file not found"]
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        return None, [f"{origin}: cannot read the file: {reason}"]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is None:
            return None, [f"{origin}: file is empty; expected a tenant configuration mapping"]
        problems = [f"{origin}: {line}" for line in _duplicate_keys(node)]
        data = yaml.SafeLoader("").construct_document(node)
    except yaml.MarkedYAMLError as exc:
        # problem/context only: the snippet PyYAML adds could show a secret.
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(YAML)"
        detail = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [f"{origin}: {where}: invalid YAML: {detail}"]
    except yaml.YAMLError as exc:
        return None, [f"{origin}: invalid YAML: {type(exc).__name__}"]
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        problems.append(f"{origin}: (top level): expected a mapping of keys, got {kind}")
    return data, problems
