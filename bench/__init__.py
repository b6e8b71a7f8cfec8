"""Benchmarks, run by `make bench`. Figures are ratios measured in one run, because the
machine is shared and absolute numbers drift from run to run."""
