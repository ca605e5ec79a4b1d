"""Turning text into vectors: the bundled e5-small model and the one `Embedder` interface."""
