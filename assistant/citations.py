"""Citations in answers: keys in model output and whether the cited sentences support
each answer sentence. The implementation lives in ``assistant.support``; this module is
the public API (docs/citation-check.md)."""

from __future__ import annotations

from assistant.support.checker import Support, SupportChecker
from assistant.support.keys import Segment, escape_brackets, filter_keys, keys_in, parse_citations, strip_keys


def best_support(claim: str, candidates: list[str], k: int = 2, embedder=None, min_score: float = 0.2) -> list[int]:
    """Indices of the candidates that best support ``claim`` (best first), [] if none does."""
    return SupportChecker(embedder).best_support(claim, candidates, k=k, min_score=min_score)


def split_claims(text: str) -> list[str]:
    """The sentences of an answer, keys removed: the units the checker judges."""
    return [s.text for s in parse_citations(text)]


__all__ = [
    "Segment", "Support", "SupportChecker", "best_support", "escape_brackets", "filter_keys",
    "keys_in", "parse_citations", "split_claims", "strip_keys",
]
