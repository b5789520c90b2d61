"""One module per scenario of the matrix; each exposes ``NAME`` and ``run(ctx)``."""
