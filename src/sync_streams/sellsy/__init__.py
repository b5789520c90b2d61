"""sellsy package."""
