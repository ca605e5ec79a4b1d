"""Thesis QA: ask questions of a Kazakh thesis and see where the answer is."""

__version__ = "0.1.0"
