"""The full-text terms of a text exactly as SQLite's FTS5 makes them, for the PostgreSQL index.

SQLite indexes chunks with FTS5 (`porter unicode61 remove_diacritics 2`: split on anything
that is not a letter or digit, fold case and accents, Porter-stem). PostgreSQL's own parser and
snowball stemmers differ (``covid-19`` is one token there, ``english`` is not Porter, numbers
and URLs are special tokens), which cost 0.033 R@5 on the realtimeqa report weeks
(docs/scaling.md). So the PostgreSQL index holds FTS5's terms: they come from FTS5 itself, an
in-memory table per thread whose `fts5vocab` instance table lists every token of every row with
its position. Same code, same Unicode tables, same stemmer: the two backends see the same terms
by construction, for stored text and queries alike.

On PostgreSQL the terms go into ``chunks.tsv`` as a tsvector *literal* (no parser, no
dictionary: lexemes as given, positions kept for phrases) and the token count into
``chunks.words`` (BM25's document length, FTS5's column size). ``pg.Connection`` adds both to
every row inserted into chunks, as SQLite's triggers fill chunks_fts; triggers in PostgreSQL copy
each chunk's lexemes with their frequencies into the table postings, which search reads
(pg_schema.POSTINGS).
"""

from __future__ import annotations

import sqlite3
import threading

TOKENIZE = "porter unicode61 remove_diacritics 2"  # schema.py's chunks_fts, word for word
MAX_POSITIONS = 256  # PostgreSQL keeps at most 256 positions per lexeme (MAXNUMPOS)
MAX_POSITION = 16383  # and positions up to 16383 (MAXENTRYPOS - 1); larger ones are clamped
MAX_LEXEME_BYTES = 2046  # longer words cannot be tsvector lexemes (never a question's word)

_local = threading.local()


def _conn() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(":memory:")
        conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(text, content='', tokenize='{TOKENIZE}')")
        conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        _local.conn = conn
    return conn


def tokens(texts: list[str]) -> list[dict[str, list[int]]]:
    """Per text: {term: its 0-based token positions}, as FTS5 indexes it."""
    conn = _conn()
    out: list[dict[str, list[int]]] = [{} for _ in texts]
    for i in range(0, len(texts), 64):  # a small table per round: the vocab scan reads it all
        conn.execute("INSERT INTO t(t) VALUES ('delete-all')")
        conn.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", [(i + j, t or "") for j, t in enumerate(texts[i : i + 64])])
        for term, doc, offset in conn.execute("SELECT term, doc, offset FROM v"):
            out[doc].setdefault(term, []).append(offset)
    return out


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# Every text's literal, built by SQLite from the fts5vocab rows of the table t: the string
# _literals() makes (terms in byte order, which is Python's str order; positions ascending), without
# a Python object per token, which cost ~5 ms of a writer's CPU per article. A term with more than
# MAX_POSITIONS positions (max(n) tells) sends that round to _literals(), which keeps the first ones.
_LITERALS = f"""
SELECT doc, group_concat(lit, ' '), sum(n), max(n) FROM (
    SELECT doc, CASE WHEN length(CAST(term AS BLOB)) > {MAX_LEXEME_BYTES} THEN NULL
                     ELSE '''' || replace(replace(term, '\\', '\\\\'), '''', '''''') || ''':' || group_concat(pos, ',') END AS lit,
           count(*) AS n
    FROM (SELECT doc, term, min(offset + 1, {MAX_POSITION}) AS pos FROM v ORDER BY doc, term, offset)
    GROUP BY doc, term ORDER BY doc, term)
GROUP BY doc"""


def tsvectors(texts: list[str]) -> list[tuple[str, int]]:
    """Per text: (a tsvector literal of its FTS5 terms with 1-based positions, its token count)."""
    conn = _conn()
    out: list[tuple[str, int]] = []
    for i in range(0, len(texts), 64):  # a small table per round, as in tokens()
        part = texts[i : i + 64]
        conn.execute("INSERT INTO t(t) VALUES ('delete-all')")
        conn.executemany("INSERT INTO t(rowid, text) VALUES (?, ?)", [(j, t or "") for j, t in enumerate(part)])
        found: list[tuple[str, int]] = [("", 0)] * len(part)  # a text without a token has no row
        most = 0
        for doc, literal, words, n in conn.execute(_LITERALS):
            found[doc] = (literal or "", words)
            most = max(most, n)
        out += _literals(part) if most > MAX_POSITIONS else found
    return out


def _literals(texts: list[str]) -> list[tuple[str, int]]:
    """tsvectors() one token at a time (the definition; used where a term has more than
    MAX_POSITIONS positions, which the query does not cut)."""
    out = []
    for terms in tokens(texts):
        words = sum(len(p) for p in terms.values())
        parts = []
        for term, positions in sorted(terms.items()):
            if len(term.encode("utf-8")) > MAX_LEXEME_BYTES:
                continue
            parts.append(_quote(term) + ":" + ",".join(str(min(p + 1, MAX_POSITION)) for p in positions[:MAX_POSITIONS]))
        out.append((" ".join(parts), words))
    return out


def phrases(terms: list[str]) -> list[list[str]]:
    """The FTS5 phrases of a query's quoted terms (retrieve/lexical.py), in order, duplicates kept
    (FTS5 scores each phrase: "run" OR "running" counts the lexeme run twice): ``o'neil`` is the
    phrase o neil, ``running`` the phrase run."""
    found = tokens(terms)
    return [[t for _, t in sorted((p, t) for t, ps in f.items() for p in ps)] for f in found if f]

