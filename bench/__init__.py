"""Benchmarks: each bench/bench_*.py module has main(argv) and prints its figures beside a peer's."""
