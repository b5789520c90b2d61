"""A fake Sellsy API v2 server for tests, demos and benchmarks.

It follows the official OpenAPI spec (v2.207.0) for the endpoints the sync
uses, keeps its state in one SQLite file, serves several Sellsy accounts at
once (ids unique per account only) and can inject quota exhaustion and faults.
It imports nothing of the sync: only the standard library, aiohttp, aiosqlite
and pydantic.  See docs/sellsy-sandbox.md.
"""
