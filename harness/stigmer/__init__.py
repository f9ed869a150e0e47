"""Reaching Stigmer: the SDK client, the CLI, manifests and fixtures, transcripts."""
