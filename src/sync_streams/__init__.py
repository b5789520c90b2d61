"""sync-streams: multi-tenant Sellsy CRM <-> Altior ERP synchronisation on Kafka."""

__version__ = "0.1.0"
