"""The queries of search, answers and briefings: which revision of each article is searchable,
full-text candidates, the chunks that pass a filter, passages with their sentences.

``filters`` is a retrieve.filters.Filters: its ``sql(alias)`` gives a WHERE fragment over a
revisions row and ``as_of_ts`` / ``include_undated`` choose the searchable revision.
"""

from __future__ import annotations

from ..types import Sentence


def visible_revisions_sql(filters) -> tuple[str, list]:
    """A CTE body selecting the one searchable revision of each article.

    The latest committed revision; with as-of, the latest one dated on or before that day
    (an undated article's revision counts when undated articles are included)."""
    if filters.as_of_ts is None:
        return "SELECT article_id, MAX(revision) AS revision FROM committed_revisions GROUP BY article_id", []
    undated = " OR published_ts IS NULL" if filters.include_undated else ""
    return (
        "SELECT article_id, MAX(revision) AS revision FROM committed_revisions "
        f"WHERE (revised_ts < ?{undated}) GROUP BY article_id",
        [filters.as_of_ts],
    )


def searchable_sql(alias: str, filters) -> tuple[str, list]:
    """A condition that the revision row `alias` is its article's searchable one (so committed),
    checked for that article alone (visible_revisions_sql, as a correlated test). Callers leave
    out a test of alias.status: SQLite would then scan the status index, every revision."""
    undated = " OR r2.published_ts IS NULL" if filters.include_undated else ""
    cut = "" if filters.as_of_ts is None else f" AND (r2.revised_ts < ?{undated})"
    return (f"{alias}.revision = (SELECT MAX(r2.revision) FROM committed_revisions r2 WHERE r2.article_id = {alias}.article_id"
            f"{cut})"), ([] if filters.as_of_ts is None else [filters.as_of_ts])


BM25_K1, BM25_B = 1.2, 0.75  # FTS5's bm25() defaults
FIRST_NET_FACTOR, FIRST_NET_MIN = 4, 100  # _fts_ranked: how many of the best matches are checked first


def fts_chunks(conn, terms: list[str], filters, limit: int, match: str) -> list[tuple[str, float]]:
    """(chunk_id, score) of the chunks matching any of the terms in the searchable revisions; lower is better.

    SQLite: ``match`` (the FTS5 expression of the terms) ranked by FTS5's bm25(). A question's words
    OR-ed match about half of a news library, so the best matches are taken from the full-text index
    first (a few times `limit`) and only those are checked against the searchable revisions and
    filters; when the check leaves fewer than `limit` and the index has more matches, every match is
    checked. The result is the one ranking over everything that passes.
    PostgreSQL: the same BM25 (k1 1.2, b 0.75, FTS5's idf) over the same terms, read from the postings (pg_bm25.py).
    Ties go by chunk id on both (copies of an article have equal chunks), so both rank alike."""
    if getattr(conn, "dialect", "sqlite") == "postgresql":
        from .pg_bm25 import bm25

        return bm25(conn, terms, filters, limit)
    searchable, s_args = searchable_sql("r", filters)
    where, args = filters.sql("r")
    scope = (f"{searchable} AND {where}", [*s_args, *args])
    return _fts_maxscore(conn, terms, match, scope, limit)


def _or(terms: list[str]) -> str:
    """The FTS5 expression of these query terms (retrieve/lexical.py's form: quoted, OR-ed)."""
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _fts_ranked(conn, match: str, within: str | None, scope: tuple[str, list], limit: int) -> list[tuple[str, float]]:
    """The `limit` best (chunk_id, bm25) of the chunks matching `match` (and `within`, when given)
    in the searchable revisions passing the filters (scope), by score then chunk id.

    bm25() scores the phrases of `match`; `within` only narrows which chunks are scored: SQLite
    tests `+rowid IN (...)` on each match before computing the result columns (the "+" keeps
    the IN from being handed to FTS5 as one rowid lookup per value, each of which would count
    every phrase's chunks again for bm25's idf). The best matches are taken from the index
    first (a few times `limit`) and only those are checked against the scope; every match is
    checked when that leaves fewer than `limit` and the index had more, or when the last result
    ties with the last match taken (a match left out might come first by chunk id)."""
    cond, cond_args = scope
    only = "" if within is None else " AND +rowid IN (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ?)"
    net = max(limit * FIRST_NET_FACTOR, FIRST_NET_MIN)
    for inner in (net, None):  # None: every match (a filter that passes few of the best ones)
        rows = conn.execute(
            f"""WITH f AS MATERIALIZED (
                    SELECT rowid, bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ?{only}
                    ORDER BY score{"" if inner is None else " LIMIT ?"})
                SELECT c.chunk_id, f.score, (SELECT COUNT(*) FROM f), (SELECT MAX(score) FROM f)
                FROM f JOIN chunks c ON c.rowid = f.rowid
                JOIN revisions r ON r.article_id = c.article_id AND r.revision = c.revision
                WHERE {cond}
                ORDER BY f.score, c.chunk_id LIMIT ?""",
            [match, *([] if within is None else [within]), *([] if inner is None else [inner]), *cond_args, limit],
        ).fetchall()
        if inner is None:
            break
        if not rows:
            continue  # nothing of the net passed: every match
        taken, worst = rows[0][2], rows[0][3]
        if taken < inner:
            break  # the net held every match
        if len(rows) >= limit and rows[-1][1] < worst:
            break
    return [(r[0], r[1]) for r in rows]


MAXSCORE_MIN_MATCHES = 20_000  # below this many matches (summed over the terms) every match is scored: cheaper than the passes
FIRST_WANT = 4  # the first pass ranks the chunks of the rarest terms until they hold this many times `limit`
CANDIDATE_TERMS = 64  # at most this many terms in the expression of the chunks that could enter (then coarser)


def _fts_maxscore(conn, terms: list[str], match: str, scope: tuple[str, list], limit: int) -> list[tuple[str, float]]:
    """bm25() of only the matches that could be among the `limit` best (exact: same chunks,
    order and scores as scoring every match).

    A term (an FTS5 phrase) adds less than idf * (k1 + 1) to a chunk's bm25, idf from the number
    of chunks matching it (FTS5's formula; the chunk count is bounded from above, which only
    raises the bound); a chunk's score is below the sum of the bounds of the terms it holds.
    First the chunks of the rarest terms (enough of them) are ranked with the full bm25: the
    `limit`-th best of those in scope, theta, is at most the true `limit`-th best score. Then
    only the chunks whose terms' bounds add up to theta or more can enter (or tie): FTS5 finds
    them by an expression of the terms (_could_reach), and only they are scored.

    The passes cost a few fixed steps (each full bm25 pass walks every match and counts every
    term's chunks for the idf), so a question with fewer matches than MAXSCORE_MIN_MATCHES (any
    question in a library of 10,000 chunks, measured 1.4 times slower there) scores every match."""
    import math

    total = _chunk_count_bound(conn)
    if len(terms) < 2 or total < MAXSCORE_MIN_MATCHES:
        return _fts_ranked(conn, match, None, scope, limit)
    hits = _term_counts(conn, terms)
    if sum(hits) < MAXSCORE_MIN_MATCHES:
        return _fts_ranked(conn, match, None, scope, limit)
    k1 = BM25_K1
    # FTS5: idf = log((N - n + 0.5) / (n + 0.5)), 1e-6 where that is not positive; the bound is
    # widened by a millionth so that rounding cannot make it fall short
    bound = [max(math.log((total - n + 0.5) / (n + 0.5)), 1e-6) * (k1 + 1.0) * (1 + 1e-6) for n in hits]
    order = sorted(range(len(terms)), key=lambda i: -bound[i])
    first, seen = [], 0
    for i in order:
        first.append(i)
        seen += hits[i]
        if seen >= limit * FIRST_WANT:
            break
    if len(first) == len(order):
        return _fts_ranked(conn, match, None, scope, limit)
    found = _fts_ranked(conn, match, _or([terms[i] for i in sorted(first)]), scope, limit)
    if len(found) < limit:
        return _fts_ranked(conn, match, None, scope, limit)
    within = _could_reach([terms[i] for i in order], [bound[i] for i in order], -found[-1][1])
    if within is None:  # cannot happen (found's chunks reach theta); every match, to be safe
        return _fts_ranked(conn, match, None, scope, limit)
    return _fts_ranked(conn, match, within, scope, limit)


def _could_reach(terms: list[str], bound: list[float], theta: float) -> str | None:
    """An FTS5 expression matching (at least) every chunk whose terms' bounds add up to theta or
    more; terms by decreasing bound. None when no chunk can.

    Such a chunk holds the first term and reaches theta - bound[0] with the later ones, or
    reaches theta with the later ones alone, and so on down the list. "Reaches x with the terms
    from j on" is widened to "holds one of the terms from j to k", k the last one that the
    terms after it could not do without (MaxScore). The expression grows with the square of the
    number of terms, and FTS5's time with it: past CANDIDATE_TERMS terms the rest of the list is
    widened the same way."""
    m = len(terms)
    q = [_or([t]) for t in terms]
    suffix = [0.0] * (m + 1)
    for k in range(m - 1, -1, -1):
        suffix[k] = suffix[k + 1] + bound[k]

    def any_of(j: int, need: float) -> list[str]:
        k = j
        while suffix[k + 1] >= need:
            k += 1
        return q[j : k + 1]

    clauses, size = [], 0
    for i in range(m):
        if suffix[i] < theta:
            break
        if size >= CANDIDATE_TERMS:
            clauses.append(" OR ".join(any_of(i, theta)))
            break
        rest = theta - bound[i]
        if rest <= 0:
            clauses.append(q[i])
            size += 1
        elif suffix[i + 1] >= rest:
            also = any_of(i + 1, rest)
            clauses.append(f"{q[i]} AND ({' OR '.join(also)})" if len(also) > 1 else f"{q[i]} AND {also[0]}")
            size += 1 + len(also)
    if not clauses:
        return None
    return " OR ".join(f"({c})" for c in clauses)


def _term_counts(conn, terms: list[str]) -> list[int]:
    """How many chunks match each term (FTS5 phrase), as bm25() counts them for its idf."""
    return list(conn.execute("SELECT " + ", ".join("(SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?)" for _ in terms),
                             [_or([t]) for t in terms]).fetchone())


def _chunk_count_bound(conn) -> int:
    """At least FTS5's number of rows: its averages record (rows, tokens as varints), or the
    largest chunk rowid when this connection has added chunks the record does not count yet."""
    row = conn.execute("SELECT block FROM chunks_fts_data WHERE id = 1").fetchone()
    stored = _varint(row[0]) if row and row[0] else 0
    top = conn.execute("SELECT MAX(rowid) FROM chunks").fetchone()[0] or 0
    return max(stored, top)


def _varint(blob: bytes) -> int:
    """The first SQLite varint of blob (FTS5's format): big-endian 7-bit groups, the 9th byte whole."""
    value = 0
    for i, byte in enumerate(blob[:9]):
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    return value


def visible_chunks(conn, chunk_ids: list[str], filters) -> set[str]:
    """Those of these chunks that belong to a searchable revision passing the filters.

    The searchable revision is worked out for the chunks' own articles only, not the library's
    (search checks a few hundred candidates; the library may hold tens of thousands of articles)."""
    if not chunk_ids:
        return set()
    where, args = filters.sql("r")
    searchable, s_args = searchable_sql("r", filters)
    out: set[str] = set()
    for i in range(0, len(chunk_ids), 500):
        part = chunk_ids[i : i + 500]
        rows = conn.execute(
            f"""SELECT c.chunk_id FROM chunks c
                JOIN revisions r ON r.article_id = c.article_id AND r.revision = c.revision
                WHERE c.chunk_id IN ({','.join('?' * len(part))}) AND {searchable} AND {where}""",
            [*part, *s_args, *args],
        )
        out.update(r[0] for r in rows)
    return out


def searchable_revisions(conn, filters) -> list:
    """Rows (article_id, revision, title, source, url, published, published_ts) of the searchable
    revision of every article passing the filters, newest first (undated last)."""
    vis_sql, vis_args = visible_revisions_sql(filters)
    where, args = filters.sql("r")
    return conn.execute(
        f"""WITH vis AS ({vis_sql})
            SELECT r.article_id, r.revision, r.title, r.source, r.url, r.published, r.published_ts
            FROM vis JOIN revisions r USING (article_id, revision) WHERE {where}
            ORDER BY r.published_ts IS NULL, r.published_ts DESC, r.article_id""",
        [*vis_args, *args],
    ).fetchall()


def newest_published_ts(conn, filters) -> float | None:
    """The latest publication time among the searchable revisions passing the filters (what "this
    week" is anchored at without --as-of), or None when nothing in scope is dated. Walks the
    publication-time index from the newest down to the first searchable revision, so it costs
    the same in a large library."""
    where, args = filters.sql("r")
    searchable, s_args = searchable_sql("r", filters)
    row = conn.execute(
        f"""SELECT r.published_ts FROM revisions r
            WHERE r.published_ts IS NOT NULL AND {searchable} AND {where}
            ORDER BY r.published_ts DESC LIMIT 1""",
        [*s_args, *args],
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def published_of_chunks(conn, chunk_ids: list[str]) -> dict[str, float | None]:
    """{chunk_id: publication time of the revision the chunk belongs to (None when undated)}."""
    out: dict[str, float | None] = {}
    for i in range(0, len(chunk_ids), 500):
        part = chunk_ids[i : i + 500]
        out.update(conn.execute(
            f"""SELECT c.chunk_id, r.published_ts FROM chunks c JOIN revisions r USING (article_id, revision)
                WHERE c.chunk_id IN ({','.join('?' * len(part))})""", part).fetchall())
    return out


def articles_with_revision_in(conn, filters) -> set[str]:
    """Articles with any committed revision passing the filters (chat's /sources)."""
    where, args = filters.sql("r")
    return {r[0] for r in conn.execute(f"SELECT DISTINCT r.article_id FROM committed_revisions r WHERE {where}", args)}


def chunk_texts(conn, chunk_ids: list[str]) -> dict[str, str]:
    if not chunk_ids:
        return {}
    return dict(conn.execute(f"SELECT chunk_id, text FROM chunks WHERE chunk_id IN ({','.join('?' * len(chunk_ids))})", chunk_ids).fetchall())


def chunk_with_sentences(conn, chunk_id: str):
    """(row with the chunk's article, revision and metadata, its sentences), or None when the
    chunk is not in a committed revision."""
    row = conn.execute(
        """SELECT c.article_id, c.revision, c.first_sentence, c.last_sentence, r.title, r.published, r.date_precision, r.source, r.url
           FROM chunks c JOIN committed_revisions r USING (article_id, revision) WHERE c.chunk_id = ?""",
        (chunk_id,),
    ).fetchone()
    if row is None:
        return None
    sents = [
        Sentence(row["article_id"], row["revision"], r[0], r[1], r[2], r[3])
        for r in conn.execute(
            'SELECT idx, start, "end", text FROM sentences WHERE article_id=? AND revision=? AND idx BETWEEN ? AND ? ORDER BY idx',
            (row["article_id"], row["revision"], row["first_sentence"], row["last_sentence"]),
        )
    ]
    return row, sents


def sources_of(conn, article_ids: list[str]) -> list[str]:
    """The outlets of these articles (latest committed revision), each once, in order."""
    latest: dict[str, tuple[int, str]] = {}
    ids = list(dict.fromkeys(article_ids))
    for i in range(0, len(ids), 500):  # one query per 500 articles, not one each
        part = ids[i : i + 500]
        for a, revision, source in conn.execute(
                # revisions by their article ids, each checked against the view by its primary key:
                # "committed_revisions WHERE article_id IN (...)" has SQLite (no statistics) walk
                # the view's status index, every committed revision (13 ms a call at 100k chunks)
                f"SELECT r.article_id, r.revision, r.source FROM revisions r WHERE r.article_id IN ({','.join('?' * len(part))})"
                " AND EXISTS (SELECT 1 FROM committed_revisions c WHERE c.article_id = r.article_id AND c.revision = r.revision)", part):
            if a not in latest or revision > latest[a][0]:
                latest[a] = (revision, source)
    out = []
    for a in article_ids:
        source = latest.get(a, (0, ""))[1]
        if source and source not in out:
            out.append(source)
    return out


def identities(conn) -> list:
    """Rows (article_id, identity, origin) of every committed revision (evaluations map them to gold ids)."""
    return conn.execute("SELECT a.article_id, a.identity, r.origin FROM articles a JOIN committed_revisions r USING(article_id)").fetchall()
