"""Benchmarks of the zoo: scripts run as `python -m benchmarks.NAME`; see README.md."""
