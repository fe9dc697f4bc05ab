"""Retrieval: lexical (SQLite FTS5 bm25) and dense (Chroma) candidates, fused, filtered and diversified."""

from .filters import Filters
from .retriever import Passage, Retriever

__all__ = ["Filters", "Passage", "Retriever"]
