"""Rows of remembered feeds and of the feed entries already ingested (ingest/web.py uses them)."""

from __future__ import annotations

from .store import now_iso


def remembered_feeds(lib) -> list:
    """Rows (url, title, etag, last_modified) of every remembered feed."""
    return lib.conn.execute("SELECT url, title, etag, last_modified FROM feeds ORDER BY url").fetchall()


def known_entries(lib, feed_url: str) -> dict[str, str]:
    """{entry_key: fingerprint} of the entries of a feed whose articles are in the library."""
    return {r[0]: r[1] for r in lib.conn.execute("SELECT entry_key, fingerprint FROM feed_entries WHERE feed_url=?", (feed_url,))}


def record_runs(lib, runs, done: dict[str, str]) -> None:
    """Remember feeds and the entries whose articles are now in the library (one transaction).

    ``runs``: ingest.web.FeedRun objects; ``done``: {origin: article_id} of the committed articles."""
    now = now_iso()
    # feeds and entries in one order (sorted; stable, so a key seen twice ends as before): two
    # writers recording the same feeds then wait for each other instead of deadlocking
    runs = sorted(runs, key=lambda run: run.url)

    def work(c) -> None:
        for run in runs:
            if run.status == "failed":
                c.execute("UPDATE feeds SET last_checked=?, last_status='failed' WHERE url=?", (now, run.url))
                continue
            # a feed with entries whose pages failed forgets its validators, so the next update fetches it in full
            etag, modified = (run.etag, run.last_modified) if not run.retry else ("", "")
            c.execute(
                "INSERT INTO feeds(url, title, etag, last_modified, added_at, last_checked, last_status) VALUES (?,?,?,?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET title=CASE WHEN excluded.title!='' THEN excluded.title ELSE feeds.title END,"
                " etag=excluded.etag, last_modified=excluded.last_modified, last_checked=excluded.last_checked, last_status=excluded.last_status",
                (run.url, run.title, etag, modified, now, now, run.status) if run.status != "not modified"
                else (run.url, run.title, run.etag, run.last_modified, now, now, run.status),
            )
            for origin, (key, fingerprint) in sorted(run.seen.items(), key=lambda item: item[1][0]):
                if origin in done:
                    c.execute("INSERT INTO feed_entries(feed_url, entry_key, fingerprint, article_id, seen_at) VALUES (?,?,?,?,?)"
                              " ON CONFLICT (feed_url, entry_key) DO UPDATE SET fingerprint=excluded.fingerprint, article_id=excluded.article_id, seen_at=excluded.seen_at",
                              (run.url, key, fingerprint, done[origin], now))

    lib.write(work, "recording feeds")


def recent_page_entries(lib, feed_url: str, since_iso: str) -> list:
    """The latest committed revision of this feed's entries whose text came from their page (format html)
    and whose article was first ingested at or after ``since_iso``: the pages ``update`` re-checks."""
    return lib.conn.execute(
        """SELECT r.article_id, r.origin, r.url, r.title, r.source, r.author, r.published, r.updated, r.metadata
           FROM feed_entries e
           JOIN committed_revisions r ON r.article_id = e.article_id
            AND r.revision = (SELECT MAX(revision) FROM committed_revisions x WHERE x.article_id = r.article_id)
           WHERE e.feed_url = ? AND r.format = 'html'
             AND (SELECT MIN(ingested_at) FROM revisions f WHERE f.article_id = r.article_id) >= ?
           ORDER BY r.article_id""", (feed_url, since_iso)).fetchall()
