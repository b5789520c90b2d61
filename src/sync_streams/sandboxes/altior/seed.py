"""Seed files of the Altior sandbox (YAML or JSON) and applying them at start-up.

PyYAML is a declared runtime dependency of the project; JSON files need nothing.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from sync_streams.sandboxes.altior import tenants
from sync_streams.sandboxes.altior.admin import seed_into
from sync_streams.sandboxes.altior.state import SandboxState

DEFAULT_SEED = "default_seed.yaml"


def load_seed(path: str | Path | None = None) -> dict[str, Any]:
    """Parse a seed file; the packaged default when ``path`` is None."""
    if path is None:
        text = resources.files(__package__).joinpath(DEFAULT_SEED).read_text("utf-8")
        suffix = ".yaml"
    else:
        text = Path(path).read_text("utf-8")
        suffix = Path(path).suffix.lower()
    data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path or DEFAULT_SEED}: un objet (reference, tenants) est attendu")
    unknown = set(data) - {"reference", "tenants"}
    if unknown:
        raise ValueError(f"{path or DEFAULT_SEED}: clé(s) inconnue(s) {sorted(unknown)}")
    return data


async def apply_startup_tenants(state: SandboxState) -> list[str]:
    """Create the seed's tenants that do not exist yet; returns the names created."""
    created = []
    for index, spec in enumerate(state.seed.get("tenants") or []):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise ValueError(f"tenants[{index}]: objet avec un name attendu")
        name = spec["name"]
        if await tenants.tenant_id_by_name(state.store, name) is not None:
            continue
        info = await tenants.create_tenant(
            state.store, name, spec.get("reference", state.default_reference), spec.get("api_key")
        )
        records = spec.get("records") or {}
        if records:
            tenant_id = int(info["tenant_id"])
            ref = await state.reference(tenant_id)
            user = next(iter(ref.users_by_login.values()))
            async with state.store.transaction() as tx:
                await seed_into(tx, tenant_id, ref, user, records)
        created.append(name)
    return created
