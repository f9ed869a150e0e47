"""One scenario's state and evidence: the world, artifacts, the watchdog."""
