"""Chunks: runs of whole sentences within a budget counted in the embedder's own tokenizer.

The header (title and date) is part of every chunk's text, so it counts against the budget.
Consecutive chunks share ``overlap`` sentences so an answer spanning a boundary is still found.
"""

from __future__ import annotations

from typing import Callable, Sequence


def header(title: str, published: str, source: str) -> str:
    parts = [p for p in (title, published, source) if p]
    return " — ".join(parts)


def plan_chunks(
    sentence_tokens: Sequence[int],
    header_tokens: int,
    budget: int,
    overlap: int = 1,
) -> list[tuple[int, int]]:
    """Return (first, last) sentence index pairs (inclusive) covering every sentence in order."""
    n = len(sentence_tokens)
    chunks: list[tuple[int, int]] = []
    start = 0
    while start < n:
        used = header_tokens + sentence_tokens[start]
        end = start
        # grow while the next sentence fits; a single over-long sentence is a chunk of its own
        while end + 1 < n and used + sentence_tokens[end + 1] <= budget:
            end += 1
            used += sentence_tokens[end]
        chunks.append((start, end))
        if end + 1 >= n:
            break
        # step back by the overlap, but always move forward by at least one sentence
        start = max(end + 1 - overlap, start + 1)
    return chunks


def make_chunks(
    sentences: Sequence[str],
    title: str,
    published: str,
    source: str,
    count_tokens: Callable[[list[str]], list[int]],
    budget: int,
    overlap: int,
) -> list[tuple[int, int, str, int]]:
    """(first, last, text, tokens) for each chunk; text = header + the sentences, as embedded."""
    head = header(title, published, source)
    counts = count_tokens([head] + list(sentences)) if sentences else []
    if not counts:
        return []
    head_tokens, sent_tokens = (counts[0] if head else 0), counts[1:]
    out = []
    for first, last in plan_chunks(sent_tokens, head_tokens, budget, overlap):
        body = " ".join(sentences[first : last + 1])
        text = f"{head}\n{body}" if head else body
        out.append((first, last, text, head_tokens + sum(sent_tokens[first : last + 1])))
    return out
