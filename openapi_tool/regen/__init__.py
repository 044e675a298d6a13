"""Regeneration: the lock of an output directory, drift checks and change reports."""
