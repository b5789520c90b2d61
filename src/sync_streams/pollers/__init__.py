"""pollers package."""
