"""sandboxes sellsy package."""
