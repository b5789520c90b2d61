"""Shared test helpers (spec validation, sandboxes) importable by every test area."""
