"""PostgreSQL's lexical ranking: FTS5's bm25() over the postings, the arithmetic done here.

The index (pg_schema.POSTINGS) holds FTS5's own terms (fulltext.py), so the statistics are
SQLite's. One statement reads the number of chunks and their total length (pg_schema.TOTALS, a
few rows) and every posting of the question's lexemes, one bigint each in one array per lexeme
(chunk, frequency, chunk length; a numpy loader, no Python object per posting); a phrase of
several lexemes (``o'neil``) is looked for in the chunks holding its rarest lexeme, whose
tsvectors are matched against it in C (@@) and give its frequency. numpy then scores every
matching chunk at once with fts5_aux.c's formula, operation for operation and phrase by phrase
in the question's order (IEEE doubles, as in C), so the scores are SQLite's: copies of a story
score the same and go by chunk id. Only the best `limit` and a quarter (ties included) are then
looked up, with their chunk ids, and checked against the searchable revisions and the filters;
the net widens when fewer than `limit` pass. The statements of a ranking with a phrase read one
snapshot (a read-only REPEATABLE READ transaction), so a writer committing meanwhile changes none of
its figures.

Why not in SQL: the version before summed the scores in SQL aggregates (MaxScore passes over the
postings, numeric sums so that copies tie exactly) and took 100-400 ms a question at 70k chunks;
reading the postings costs ~1.3 times counting them, which BM25's document frequencies need
anyway (docs/scaling.md).
"""

from __future__ import annotations

import contextlib
import math
import re

NET_EXTRA = 0.25  # the first net: `limit` and a quarter more (four times more each time fewer than `limit` pass)
PHRASE_COUNT_CAP = 20_000  # a lexeme only in phrases is counted up to this (to find a phrase's rarest lexeme)
DENSE_MAX = 1 << 22  # scores are summed in an array indexed by chunk number while the numbers stay below this

_LEXEME = re.compile(r"'((?:[^']|'')*)':([0-9A-D,]+)")
_RECORD = [("chunk", "i8"), ("tf", "i4"), ("words", "i4")]

# N and the total length (pg_schema.TOTALS: a few rows), then every posting of the lexemes, in one
# snapshot: one bigint each, chunk << 32 | tf << 23 | length (tf <= 256, a tsvector's limit; at
# 115k postings this cost 3.4 ms more than counting them, where a bytea of three fields per
# posting cost 11.6 and three arrays 7.2); -1 marks a posting that does not fit (a chunk number
# past 2^31 or a chunk of 2^23 tokens), and the lists are then read unpacked
_LISTS = """
SELECT NULL::text, coalesce(sum(chunks), 0)::bigint, coalesce(sum(words), 0)::bigint, NULL::bigint[] FROM chunk_totals
UNION ALL
SELECT lexeme, count(*), 0, array_agg(CASE WHEN chunk < 2147483648 AND words < 8388608 THEN chunk * 4294967296 + tf * 8388608 + words ELSE -1 END)
FROM postings WHERE lexeme = ANY (%s::text[]) GROUP BY lexeme"""

_UNPACKED = """
SELECT lexeme, array_agg(chunk), array_agg(tf), array_agg(words) FROM postings WHERE lexeme = ANY (%s::text[]) GROUP BY lexeme"""

_PHRASE = """
SELECT c.seq, c.words, ts_filter(setweight(c.tsv, 'A', %s::text[]), '{a}')::text
FROM postings p JOIN chunks c ON c.seq = p.chunk WHERE p.lexeme = %s AND c.tsv @@ %s::tsquery"""


def _binary(conn, sql: str, args: list) -> list:
    """Rows in binary form, a bigint or integer array as a numpy array (pg.binary_rows); `sql`
    with psycopg's %s placeholders."""
    from .pg import binary_rows

    return binary_rows(conn, sql, args)


def _unpack(packed):
    """Records (chunk, tf, words) of packed postings (_LISTS); a chunk of -1 where one did not fit."""
    import numpy as np

    packed = packed.astype(np.int64)
    out = np.zeros(len(packed), dtype=_RECORD)
    out["chunk"] = np.where(packed < 0, -1, packed >> 32)
    out["tf"] = (packed >> 23) & 0x1FF
    out["words"] = packed & 0x7FFFFF
    return out


def _records(chunks, tfs, words):
    import numpy as np

    out = np.zeros(len(chunks), dtype=_RECORD)
    out["chunk"], out["tf"], out["words"] = chunks, tfs, words
    return out


def bm25(conn, terms: list[str], filters, limit: int) -> list[tuple[str, float]]:
    """(chunk_id, bm25 score: lower is better) of the `limit` best chunks in the searchable
    revisions passing the filters, best first, ties by chunk id: what SQLite's FTS5 returns.

    The totals and the single lexemes' postings come from one statement, hence one snapshot. A
    question with a phrase reads its phrases' chunks by later statements: those, and the look-ups,
    then read the same snapshot, or a writer committing in between would give a phrase a document
    frequency that the totals do not count (scores of no one state of the library, where one FTS5
    query reads one). Without a phrase the look-up may read a later snapshot: it only checks which
    of the chunks are searchable now, and the transaction's two round trips are saved."""
    from . import fulltext

    phrases = fulltext.phrases(terms)
    if not phrases or limit <= 0:
        return []
    with _snapshot(conn) if any(len(p) > 1 for p in phrases) else contextlib.nullcontext():
        return _ranked(conn, phrases, filters, limit)


@contextlib.contextmanager
def _snapshot(conn):
    """A read-only REPEATABLE READ transaction around the block (it takes no lock and waits for
    none), unless the connection is already in a transaction, whose view the block then shares."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        yield
    finally:
        try:
            conn.execute("ROLLBACK")  # nothing was written
        except Exception:  # noqa: BLE001 - a broken connection: the block's own error is the one to see
            pass


def _ranked(conn, phrases: list[list[str]], filters, limit: int) -> list[tuple[str, float]]:
    import numpy as np

    from .search import BM25_B as b, BM25_K1 as k1

    keys = [" ".join(p) for p in phrases]  # FTS5's phrases, in order, a duplicate counted again
    multi = {k: p for k, p in zip(keys, phrases) if len(p) > 1}
    singles = sorted({k for k in keys if k not in multi})
    total, total_words, lists = 0, 0, {}
    for lexeme, n, length, packed in _binary(conn, _LISTS, [singles]):
        if lexeme is None:
            total, total_words = n, length
        else:
            lists[lexeme] = _unpack(packed)
    if any((v["chunk"] < 0).any() for v in lists.values()):  # a posting did not fit in a bigint: the plain arrays
        lists = {lexeme: _records(c, t, w) for lexeme, c, t, w in _binary(conn, _UNPACKED, [singles])}
    lists.update(_phrase_lists(conn, multi, lists))
    avgdl = (float(total_words) / total) if total else 1.0
    empty = np.zeros(0, dtype=_RECORD)
    matched = [lists.get(k, empty) for k in keys]
    if not any(len(m) for m in matched):
        return []
    # every matching chunk's score, summed in a dense array by chunk number (no sort), then packed
    # to the chunks that match; np.unique's sort where the numbers are sparse (many deleted chunks)
    top = max(int(m["chunk"].max()) for m in matched if len(m))
    dense = top < DENSE_MAX
    if dense:
        score = np.zeros(top + 1)
    else:
        seqs, inverse = np.unique(np.concatenate([m["chunk"] for m in matched]), return_inverse=True)
        score, start = np.zeros(len(seqs)), 0
    for m in matched:  # fts5_aux.c: score += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / avgdl))), phrase by phrase
        n = len(m)
        idf = math.log((total - n + 0.5) / (n + 0.5))
        idf = idf if idf > 0 else 1e-6
        f, d = m["tf"].astype(np.float64), m["words"].astype(np.float64)
        at = m["chunk"] if dense else inverse[start : start + n]
        score[at] += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * d / avgdl)))  # a chunk once per phrase: no add.at
        if not dense:
            start += n
    if dense:  # every match scores above 0 (idf >= 1e-6, a frequency >= 1)
        seqs = np.flatnonzero(score)
        score = score[seqs]
    return _best(conn, seqs, score, filters, limit)


def _phrase_lists(conn, multi: dict[str, list[str]], lists: dict) -> dict:
    """{phrase key: records (chunk, phrase frequency, length) of every chunk where it occurs},
    from the chunks holding its rarest lexeme (@@ in C tells where the lexemes are adjacent, the
    positions how often)."""
    import numpy as np

    if not multi:
        return {}
    counts = {k: len(v) for k, v in lists.items()}
    only = sorted({t for p in multi.values() for t in p} - set(counts))
    if only:  # lexemes of phrases alone: counted up to a cap, only to find each phrase's rarest
        counts.update(conn.execute(
            "SELECT l, (SELECT count(*) FROM (SELECT 1 FROM postings WHERE lexeme = l LIMIT ?) AS x) FROM unnest(?::text[]) AS l",
            [PHRASE_COUNT_CAP, only]).fetchall())
    out = {}
    for key, phrase in multi.items():
        if key in out:
            continue
        rarest = min(phrase, key=lambda t: (counts.get(t, 0), t))
        query = " <-> ".join("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in phrase)
        found = []
        for seq, words, text in _binary(conn, _PHRASE, [sorted(set(phrase)), rarest, query]):
            tf = _phrase_tf(phrase, text)
            if tf > 0:
                found.append((seq, tf, words))
        out[key] = np.array(found, dtype=_RECORD)
    return out


def _phrase_tf(phrase: list[str], text: str) -> int:
    """FTS5's phrase frequency in a tsvector's text (its lexemes and positions): the positions p of
    the first lexeme with the j-th lexeme at p + j."""
    positions = {lexeme.replace("''", "'").replace("\\\\", "\\"): pos for lexeme, pos in _LEXEME.findall(text)}
    sets = []
    for t in phrase:
        if t not in positions:
            return 0
        sets.append({int(x.rstrip("ABCD")) for x in positions[t].split(",")})
    return sum(all(p + j in sets[j] for j in range(1, len(sets))) for p in sets[0])


def _best_first(score, n: int):
    """Indexes of the n best scores and of every score tied with the n-th, best first (all of
    them when n covers the array): a partition, then a sort of that part only."""
    import numpy as np

    if n >= len(score):
        return np.argsort(-score, kind="stable")
    cut = -np.partition(-score, n - 1)[n - 1]
    top = np.flatnonzero(score >= cut)
    return top[np.argsort(-score[top], kind="stable")]


def _best(conn, seqs, score, filters, limit: int) -> list[tuple[str, float]]:
    """The `limit` best chunks by (score, chunk id) among those passing the filters: the best
    `limit` and a quarter by score (and all of those tied with the last) are looked up and
    checked (~20 us a chunk), then four times more while fewer than `limit` pass and chunks remain
    (older revisions' chunks are in the postings, as in FTS5's index)."""
    import numpy as np

    from .search import searchable_sql

    where, args = filters.sql("r")
    searchable, s_args = searchable_sql("r", filters)
    sql = f"""SELECT c.seq, c.chunk_id, coalesce({searchable} AND {where}, false) FROM chunks c
              JOIN revisions r ON r.article_id = c.article_id AND r.revision = c.revision WHERE c.seq = ANY (?::bigint[])"""
    net, done, passed = limit + math.ceil(limit * NET_EXTRA), 0, []
    order = _best_first(score, net)
    while done < len(score):
        if net > len(order) < len(score):
            order = _best_first(score, net)
        end = min(net, len(order))
        last = score[order[end - 1]]
        while end < len(order) and score[order[end]] == last:  # ties with the last one taken: their order is by chunk id
            end += 1
        part = order[done:end]
        found = {r[0]: (r[1], r[2]) for r in conn.execute(sql, [*s_args, *args, [int(s) for s in seqs[part]]]).fetchall()}
        passed += [(-float(score[i]), found[int(seqs[i])][0]) for i in part if found.get(int(seqs[i]), (None, False))[1]]
        done = end
        if len(passed) >= limit:
            # every chunk not looked up scores below the last one looked up: the order is final
            # up to it (ties included), so the best `limit` that passed are the answer
            break
        net *= 4
    passed.sort()
    return [(cid, s) for s, cid in passed[:limit]]
