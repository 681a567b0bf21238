"""Exact figures from a `Dataset` and a `Selection`: one home and one test per metric."""
