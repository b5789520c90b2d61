"""The synced kinds: for each, what pollers read (sources) and how records are written
(side adapters) on both systems.  I/O lives here; decisions stay in ``pipeline``."""
