"""Benchmarks for ``make bench``: loopback only, bounded in time, never collected by pytest."""
