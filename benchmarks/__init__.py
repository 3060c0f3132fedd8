"""Benchmarks run by `make bench`; reports go to docs/."""
