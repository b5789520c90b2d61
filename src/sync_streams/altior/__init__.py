"""altior package."""
