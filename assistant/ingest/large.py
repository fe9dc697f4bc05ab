"""Articles far larger than news: a warning, or (on request) split into parts or skipped.

A news article is well under 100 KB of text; a 50 MB text file is a book or a dump, and ingesting it
as one article takes minutes and cannot be cited usefully. ``ingest --large-articles`` chooses:
``warn`` (default: ingest it whole, and say so), ``split`` (parts of at most MAX_ARTICLE_CHARS, cut
at paragraph ends, each its own article) or ``skip``.
"""

from __future__ import annotations

from dataclasses import replace

MAX_ARTICLE_CHARS = 1_000_000
POLICIES = ("warn", "split", "skip")


def split_text(text: str, limit: int = MAX_ARTICLE_CHARS) -> list[str]:
    """Parts of at most ``limit`` characters, cut at a paragraph end, else a line or sentence end, else anywhere."""
    parts: list[str] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". ") + 1)
        if cut < limit // 2:  # no good boundary in the second half: cut hard rather than make tiny parts
            cut = limit
        parts.append(text[start : start + cut].strip())
        start += cut
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def guard(articles, policy: str, warn, skip):
    """Pass articles through; the ones over MAX_ARTICLE_CHARS are warned about, split or skipped."""
    for art in articles:
        size = len(art.text)
        if size <= MAX_ARTICLE_CHARS:
            yield art
            continue
        mb = size / 1_000_000
        if policy == "skip":
            skip(art.origin, f"{art.origin}: {mb:.1f} MB of text in one article, far more than news; skipped (--large-articles skip)")
            continue
        if policy == "split":
            parts = split_text(art.text)
            warn(art.origin, f"{art.origin}: {mb:.1f} MB of text in one article, split into {len(parts)} articles of at most "
                             f"{MAX_ARTICLE_CHARS // 1_000_000} MB (--large-articles split)")
            for i, part in enumerate(parts, 1):
                origin = f"{art.origin}#part-{i}"
                yield replace(art, text=part, raw=part, title=f"{art.title or 'untitled'} (part {i} of {len(parts)})", origin=origin,
                              url="", explicit_id=origin, highlights=list(art.highlights) if i == 1 else [], extra={**art.extra, "part_of": art.origin})
            continue
        warn(art.origin, f"{art.origin}: {mb:.1f} MB of text in one article, far more than a news article (under 0.1 MB); "
                         "ingesting it whole takes a while; --large-articles split stores it in parts, --large-articles skip leaves it out")
        yield art
