"""Passages grouped by article, for text output: one heading per article, its passages under it."""

from __future__ import annotations

from .retriever import Passage


def by_article(passages: list[Passage]) -> list[list[Passage]]:
    """Passages of one article together, articles in the order of their best passage, passages in rank order."""
    groups: dict[str, list[Passage]] = {}
    for p in passages:
        groups.setdefault(p.article_id, []).append(p)
    return list(groups.values())
