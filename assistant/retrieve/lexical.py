"""Lexical retrieval: SQLite FTS5 and its bm25() ranking, or the same terms and BM25 in PostgreSQL (library/fulltext.py).

User text never reaches FTS5's query syntax: it is cut into word tokens, stop words are
dropped, and each remaining term is quoted and OR-ed, so quotes, `*`, `NEAR`, `-` or
`AND` in a question are just words.
"""

from __future__ import annotations

import re

from ..text import SEARCH_STOP_WORDS as STOP_WORDS

_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE)
MAX_TERMS = 64


def query_terms(text: str) -> list[str]:
    """Distinct lower-case content words in order of appearance (at most MAX_TERMS)."""
    seen: dict[str, None] = {}
    for tok in _TOKEN.findall(text.lower()):
        tok = tok.replace("’", "'")
        if tok in STOP_WORDS or (len(tok) == 1 and not tok.isdigit()):
            continue
        seen.setdefault(tok, None)
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)


def fts_query(text: str) -> str:
    """An FTS5 MATCH expression: every term quoted (FTS5 syntax in the text is inert), OR-ed."""
    terms = query_terms(text)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def search(conn, text: str, filters, limit: int) -> list[tuple[str, float]]:
    """(chunk_id, bm25 score: higher is better) of the best chunks in searchable revisions."""
    from ..library.search import fts_chunks

    terms = query_terms(text)
    if not terms:
        return []
    # the library's score is smaller for better matches (bm25()); flip the sign so every retriever says "higher is better"
    return [(cid, -score) for cid, score in fts_chunks(conn, terms, filters, limit, fts_query(text))]
