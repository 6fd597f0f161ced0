"""Builders and data access shared by the tests and the benchmarks."""
