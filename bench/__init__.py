"""Benchmarks that run the real local stack: `python -m bench.portfolio`."""
