"""sandboxes altior package."""
