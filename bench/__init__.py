"""Benchmarks: figures printed as a table and written as JSON, ratios against a peer measured in the same run."""
