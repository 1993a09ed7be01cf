"""Benchmarks of spectro-wizard (see bench/README.md). Also imported by tests/quality for its
config generator."""
