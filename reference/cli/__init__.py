"""`stigmer-ref`: a `stigmer`-compatible CLI subset for the reference Stigmer stack."""

__version__ = "0.1.0"
