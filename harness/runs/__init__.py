"""Whole runs: selection, parallel workers, flakiness, leak guarantees."""
