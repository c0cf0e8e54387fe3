"""Helpers the tests (and the benchmarks) share; nothing here ships in the engine or the studio."""
