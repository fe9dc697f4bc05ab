"""Rows of copies and stories (news/clusters.py computes them): signatures and memberships.

Everything here is derived data, recomputed from the committed revisions; see news/clusters.py.
"""

from __future__ import annotations

from collections import Counter


# --------------------------------------------------------------------------- for refresh
def latest_committed(lib) -> dict[str, int]:
    """{article_id: its latest committed revision}."""
    return {r[0]: r[1] for r in lib.conn.execute("SELECT article_id, MAX(revision) FROM committed_revisions GROUP BY article_id")}


def signature_keys(lib) -> dict[str, tuple[int, str]]:
    """{article_id: (revision, embedder)} of the stored signatures."""
    return {r[0]: (r[1], r[2]) for r in lib.conn.execute("SELECT article_id, revision, embedder FROM news_signatures")}


def revision_texts(lib, keys: list[tuple[str, int]]) -> list:
    """Rows (title, text, published_ts, date_precision) of these revisions, in order (one query
    per 200 articles: round trips count on a server)."""
    found = {}
    articles = sorted({a for a, _ in keys})
    for i in range(0, len(articles), 200):
        part = articles[i : i + 200]
        for r in lib.conn.execute("SELECT article_id, revision, title, text, published_ts, date_precision FROM revisions"
                                  f" WHERE article_id IN ({','.join('?' * len(part))})", part):
            found[(r["article_id"], r["revision"])] = r
    return [found.get(tuple(key)) for key in keys]


def save_signatures(lib, rows: list[tuple], gone: list[str]) -> None:
    """Store signatures (article_id, revision, embedder, minhash, shingles, names, numbers, vector, lo_ts, hi_ts); drop those of gone articles."""
    # in article order, whoever calls: a writer signing its batch (in input order) and another
    # regrouping (it signs a batch committed a moment ago that its writer has not signed yet)
    # upsert the same rows at once, and in two orders they deadlocked (seen once in ~60 runs of
    # tests/test_postgres.py::test_two_writer_processes_at_once); in one order the second waits
    rows = sorted(rows, key=lambda r: r[0])
    gone = sorted(gone)

    def work(c) -> None:
        c.executemany("INSERT INTO news_signatures(article_id, revision, embedder, minhash, shingles, names, numbers, vector, lo_ts, hi_ts) VALUES (?,?,?,?,?,?,?,?,?,?)"
                      " ON CONFLICT (article_id) DO UPDATE SET revision=excluded.revision, embedder=excluded.embedder, minhash=excluded.minhash,"
                      " shingles=excluded.shingles, names=excluded.names, numbers=excluded.numbers, vector=excluded.vector, lo_ts=excluded.lo_ts, hi_ts=excluded.hi_ts", rows)
        c.executemany("DELETE FROM news_signatures WHERE article_id=?", [(a,) for a in gone])

    lib.write(work, "storing signatures of copies and stories")


def signature_rows(lib) -> list:
    return lib.conn.execute("SELECT * FROM news_signatures ORDER BY article_id").fetchall()


def grouped_ids(lib) -> tuple[set[str], set[str], set[str]]:
    """(articles with a signature, articles with a story, articles with a copy group)."""
    c = lib.conn
    return ({r[0] for r in c.execute("SELECT article_id FROM news_signatures")},
            {r[0] for r in c.execute("SELECT article_id FROM stories")},
            {r[0] for r in c.execute("SELECT article_id FROM copy_groups")})


def replace_groups(lib, copy_of: dict[str, str], story_of: dict[str, str]) -> None:
    """Replace every membership in one transaction."""
    def work(c) -> None:
        c.execute("DELETE FROM copy_groups")
        c.execute("DELETE FROM stories")
        c.executemany("INSERT INTO copy_groups(article_id, group_id) VALUES (?,?)", sorted(copy_of.items()))
        c.executemany("INSERT INTO stories(article_id, story_id) VALUES (?,?)", sorted(story_of.items()))

    lib.write(work, "replacing copies and stories")


# --------------------------------------------------------------------------- reading
def copies_of(conn, article_id: str) -> list[str]:
    """The other articles in this article's copy group (empty when it has no copies)."""
    return [r[0] for r in conn.execute(
        "SELECT g2.article_id FROM copy_groups g1 JOIN copy_groups g2 ON g1.group_id=g2.group_id "
        "WHERE g1.article_id=? AND g2.article_id!=? ORDER BY g2.article_id", (article_id, article_id))]


def story_of(conn, article_id: str) -> str | None:
    """The story id of an article (the smallest article id in its story), None before it is computed."""
    r = conn.execute("SELECT story_id FROM stories WHERE article_id=?", (article_id,)).fetchone()
    return r[0] if r else None


def groups_for(conn, article_ids: list[str]) -> dict[str, tuple[list[str], str | None]]:
    """{article_id: (copies, story)} for retrieval and briefings; articles not yet grouped are left out."""
    # two queries per 500 articles, not two per article: search asks for the k*20 best articles'
    # groups, and one query each was ~40% of a hybrid search's time at 70k chunks (docs/scaling.md)
    out = {}
    ids = list(dict.fromkeys(article_ids))
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        marks = ",".join("?" * len(part))
        stories = dict(conn.execute(f"SELECT article_id, story_id FROM stories WHERE article_id IN ({marks})", part).fetchall())
        copies: dict[str, list[str]] = {}
        for a, other in conn.execute(
                "SELECT g1.article_id, g2.article_id FROM copy_groups g1 JOIN copy_groups g2 ON g1.group_id=g2.group_id "
                f"WHERE g1.article_id IN ({marks}) AND g2.article_id!=g1.article_id ORDER BY g1.article_id, g2.article_id", part):
            copies.setdefault(a, []).append(other)
        for a in part:
            if a in stories:
                out[a] = (copies.get(a, []), stories[a])
    return out


def summary(conn) -> dict:
    """How many copy groups and stories hold more than one article (benchmarks)."""
    stories = Counter(r[0] for r in conn.execute("SELECT story_id FROM stories"))
    copies = Counter(r[0] for r in conn.execute("SELECT group_id FROM copy_groups"))
    return {
        "copy_groups": sum(1 for n in copies.values() if n > 1),
        "articles_in_copy_groups": sum(n for n in copies.values() if n > 1),
        "stories": sum(1 for n in stories.values() if n > 1),
        "articles_in_stories": sum(n for n in stories.values() if n > 1),
    }


def story_sizes(conn) -> Counter:
    """{story size: how many stories have it} (benchmarks)."""
    return Counter(Counter(r[0] for r in conn.execute("SELECT story_id FROM stories")).values())
