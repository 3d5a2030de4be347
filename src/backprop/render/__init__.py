"""Renderers: each takes the read-only records (Trace, Explanation, CheckReport) and returns output."""
