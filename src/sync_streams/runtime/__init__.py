"""A worker's live view of its tenants: configs, API clients, resolved names, state."""
