"""Groups of Sellsy endpoints, mixed into ``SellsyClient`` (one module per resource)."""
