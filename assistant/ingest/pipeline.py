"""Kept for imports written before the writer moved to the library (library/writer.py)."""

from ..library.writer import BATCH_ARTICLES, Outcome, Report, Writer  # noqa: F401
