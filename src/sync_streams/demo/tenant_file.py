"""The demo tenant file: ``examples/tenants/acme-prod.yaml`` with the sandboxes' URLs.

Only the three URL values change (scheme, host and port; paths are kept); every
other line, comments included, is the example's, so the demo runs exactly the
connector form's example values.  The secrets stay ``env:`` references: the demo
sets those variables for the worker it starts, never writes the values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from sync_streams.errors import FatalError

EXAMPLE = Path("examples") / "tenants" / "acme-prod.yaml"
URL_KEYS = (("altior", "api_url"), ("sellsy", "api_url"), ("sellsy", "token_url"))
SECRET_KEYS = (("altior", "api_key"), ("sellsy", "client_secret"))


def example_path() -> Path:
    """The example in the current directory's checkout, else in this package's checkout."""
    here = Path.cwd() / EXAMPLE
    if here.is_file():
        return here
    return Path(__file__).resolve().parents[3] / EXAMPLE


def _get(data: dict[str, Any], path: tuple[str, str]) -> Any:
    section = data.get(path[0])
    return section.get(path[1]) if isinstance(section, dict) else None


def _retarget(url: str, root: str) -> str:
    """``url`` with the scheme and host:port of ``root`` (its path kept)."""
    old, new = urlsplit(url), urlsplit(root)
    return urlunsplit((new.scheme, new.netloc, old.path, old.query, old.fragment))


def secret_variables(text: str) -> dict[str, str]:
    """``{"altior.api_key": "ALTIOR_API_KEY_ACME", ...}``: the env variables the file names."""
    data = yaml.safe_load(text)
    names: dict[str, str] = {}
    for path in SECRET_KEYS:
        reference = _get(data, path)
        kind, _, target = str(reference).partition(":")
        if kind != "env" or not target:
            raise FatalError(
                f"{'.'.join(path)} in the example tenant must be an env:NAME reference "
                "for the demo to provide its value"
            )
        names[".".join(path)] = target
    return names


def demo_tenant_text(text: str, *, sellsy_root: str, altior_root: str) -> str:
    """The example's text with its three API URLs pointing at the sandboxes."""
    data = yaml.safe_load(text)
    roots = {"altior": altior_root, "sellsy": sellsy_root}
    replacements: dict[tuple[str, str], tuple[str, str]] = {}
    for path in URL_KEYS:
        old = _get(data, path)
        if not isinstance(old, str):
            raise FatalError(f"the example tenant has no {'.'.join(path)} URL")
        replacements[path] = (old, _retarget(old, roots[path[0]]))
    lines = text.splitlines(keepends=True)
    section = ""
    for number, line in enumerate(lines):
        if line[:1].isalpha():
            section = line.split(":", 1)[0]
        key = line.strip().split(":", 1)[0]
        if (section, key) in replacements and line.startswith(" "):
            old, new = replacements[(section, key)]
            lines[number] = line.replace(old, new, 1)
    result = "".join(lines)
    check = yaml.safe_load(result)
    for path, (_old, new) in replacements.items():
        if _get(check, path) != new:
            raise FatalError(f"could not set {'.'.join(path)} in the demo tenant file")
    return result


def write_demo_tenant(
    directory: Path, *, sellsy_root: str, altior_root: str, example: Path | None = None
) -> tuple[Path, dict[str, str]]:
    """Write ``<directory>/<tenant>.yaml``; returns its path and the secret variables."""
    source = example or example_path()
    if not source.is_file():
        raise FatalError(f"example tenant file not found: {source}")
    text = source.read_text(encoding="utf-8")
    tenant = str(yaml.safe_load(text).get("tenant") or source.stem)
    header = f"# Written by `sync-streams demo` from {EXAMPLE}: only the API URLs differ.\n"
    body = demo_tenant_text(text, sellsy_root=sellsy_root, altior_root=altior_root)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{tenant}.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path, secret_variables(text)
