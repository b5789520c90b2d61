"""Initialisation jobs of the connector form: ``thirdPartyAll`` and ``opportunityAll``."""
