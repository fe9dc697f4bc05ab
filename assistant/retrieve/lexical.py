"""Lexical retrieval with SQLite FTS5 and its bm25() ranking.

User text never reaches FTS5's query syntax: it is cut into word tokens, stop words are
dropped, and each remaining term is quoted and OR-ed, so quotes, `*`, `NEAR`, `-` or
`AND` in a question are just words.
"""

from __future__ import annotations

import re

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before being below
    between both but by can cannot could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just let me more most my
    myself no nor not of off on once only or other ought our ours ourselves out over own same she should so some
    such than that the their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your yours yourself
    yourselves s t don now also says said say according new one two many much""".split()
)
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

    match = fts_query(text)
    if not match:
        return []
    # bm25() is smaller for better matches; flip the sign so every retriever says "higher is better"
    return [(cid, -score) for cid, score in fts_chunks(conn, match, filters, limit)]
