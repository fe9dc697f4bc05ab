"""Chunks: runs of whole sentences within a budget counted in the embedder's own tokenizer.

The header (title, date and outlet) is part of every chunk's text, so it counts against the
budget and every chunk fits the model's window. (Leaving the date and outlet out, so that a chunk
carries only the title, was measured worse on the tuning weeks: hybrid R@5 0.889 against 0.926;
docs/retrieval.md.) A sentence too long for one chunk is cut at word boundaries into several
chunks that all point at that sentence, so its tail is embedded too.
Consecutive chunks share ``overlap`` sentences so an answer spanning a boundary is still found.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

# Bumped whenever the text of a chunk changes shape; eval corpora are kept per format.
CHUNK_FORMAT = 1


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


def split_long(text: str, count_tokens: Callable[[list[str]], list[int]], budget: int) -> list[tuple[str, int]]:
    """(piece, tokens): text cut at whitespace into pieces of at most budget tokens each.

    Word pieces never cross whitespace, so a piece's count is the sum of its words' counts.
    A single word longer than the budget stays whole (the model truncates it; nothing better exists)."""
    words = re.findall(r"\S+", text)
    counts = count_tokens(words) if words else []
    pieces: list[tuple[str, int]] = []
    cur: list[str] = []
    used = 0
    for w, c in zip(words, counts):
        if cur and used + c > budget:
            pieces.append((" ".join(cur), used))
            cur, used = [], 0
        cur.append(w)
        used += c
    if cur:
        pieces.append((" ".join(cur), used))
    return pieces


def opening(sentences: Sequence[str], count_tokens: Callable[[list[str]], list[int]], budget: int) -> str:
    """The article's first words, cut at a word boundary within budget word pieces (its first
    sentences joined: a wire page's first "sentence" is often only its dateline, "New York CNN —")."""
    text = " ".join(s for s in sentences[:8] if s.strip())
    return split_long(text, count_tokens, budget)[0][0] if text and budget > 0 else ""


def make_chunks(
    sentences: Sequence[str],
    title: str,
    published: str,
    source: str,
    count_tokens: Callable[[list[str]], list[int]],
    budget: int,
    overlap: int,
    opening_tokens: int = 0,
) -> list[tuple[int, int, str, int]]:
    """(first, last, text, tokens) for each chunk; text = header + the sentences, as embedded.

    opening_tokens > 0: an article without a title heads its chunks with its opening words in the
    title's place (at most that many word pieces), so a chunk from the middle of the article still
    says what the article is about (chosen on the tuning weeks, docs/retrieval.md)."""
    opening_tokens = min(opening_tokens, budget // 4)  # the header never takes most of a small chunk
    if opening_tokens > 0 and not title.strip():
        title = opening(sentences, count_tokens, opening_tokens)
    head = header(title, published, source)
    counts = count_tokens([head] + list(sentences)) if sentences else []
    if not counts:
        return []
    head_tokens, sent_tokens = (counts[0] if head else 0), counts[1:]
    out = []
    for first, last in plan_chunks(sent_tokens, head_tokens, budget, overlap):
        body_tokens = sum(sent_tokens[first : last + 1])
        if head_tokens + body_tokens > budget:  # one sentence longer than a chunk: cut it into several
            for piece, n in split_long(sentences[first], count_tokens, max(1, budget - head_tokens)):
                out.append((first, last, f"{head}\n{piece}" if head else piece, head_tokens + n))
            continue
        body = " ".join(sentences[first : last + 1])
        text = f"{head}\n{body}" if head else body
        out.append((first, last, text, head_tokens + body_tokens))
    return out
