"""Articles that migration m003 found to be one page stored under two URL spellings."""

from __future__ import annotations


def alias_pairs(conn, article_ids: list[str]) -> list[tuple[str, str]]:
    """(article_id, same_as) pairs touching any of article_ids; none in a library not migrated yet."""
    if not article_ids:
        return []
    marks = ",".join("?" * len(article_ids))
    try:
        return [tuple(r) for r in conn.execute(
            f"SELECT article_id, same_as FROM article_aliases WHERE article_id IN ({marks}) OR same_as IN ({marks})",
            [*article_ids, *article_ids])]
    except Exception as exc:  # a read-only library opened before its migration
        if "no such table" in str(exc):
            return []
        raise
