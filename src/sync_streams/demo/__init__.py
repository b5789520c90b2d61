"""``sync-streams demo``: local Kafka, both sandboxes seeded with French sample data,
one tenant built from the connector form's example values, a worker, live edits on
both sides and a running commentary of what the sync does.

Pure parts (sample data, tenant file, narration, summary) are apart from the parts
that start processes and talk HTTP/Kafka, so the former are unit-testable.
"""
