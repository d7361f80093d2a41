"""Benchmarks: one script per scenario, results in bench/results/."""
