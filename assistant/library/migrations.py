"""Schema migrations: an ordered list of steps, applied when a library is opened.

The manifest's ``schema_version`` is the number of steps a library has had. Opening a library
whose version is lower takes the write lock, applies the missing steps in order, each in its
own transaction together with the new version number (a crash between steps leaves a library
at an earlier version, which the next open continues from), and releases the lock. A library
already at ``SCHEMA_VERSION`` is opened without writing anything and without the lock, so
reading commands stay lock-free. A library with a higher version was written by a newer
release and is refused (``NewerLibrary``).

Adding a step (the only way to change the schema of existing libraries):

    @migration
    def m003_what_it_does(conn):
        conn.execute("ALTER TABLE revisions ADD COLUMN ...")
        # data fixes go here too, with conn.execute(...) over the existing rows

* append it at the end of this file; never edit, reorder or remove a step that was released
  (libraries in the field have had it); SCHEMA_VERSION follows by itself;
* a step runs inside ``BEGIN IMMEDIATE`` ... ``COMMIT``: do not COMMIT and do not use
  ``executescript`` (it commits); to run several statements use ``run_script(conn, SQL)``;
* a new library runs every step from the first, so a step must also work on an empty library;
* keep the view ``committed_revisions`` (step 2) the one definition of what readers see: if
  a step rebuilds ``revisions``, recreate the view after it;
* add a test that opens the schema-1 fixture (tests/fixtures/library_v1) and checks the step.
"""

from __future__ import annotations

from typing import Callable

from .schema import SCHEMA

MIGRATIONS: list[Callable] = []

# What readers may see, the one definition (pg_schema.py creates the same view in PostgreSQL).
COMMITTED_VIEW = "SELECT * FROM revisions WHERE status = 'committed'"


def migration(step: Callable) -> Callable:
    MIGRATIONS.append(step)
    return step


def run_script(conn, script: str) -> None:
    for statement in statements(script):
        conn.execute(statement)


# --------------------------------------------------------------------------- the steps
@migration
def m001_initial(conn) -> None:
    """The schema as first released (schema.py): tables, indexes, full-text index and triggers."""
    import uuid
    from datetime import datetime, timezone

    run_script(conn, SCHEMA)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    conn.execute("INSERT OR IGNORE INTO manifest VALUES ('library_id', ?)", (uuid.uuid4().hex,))
    conn.execute("INSERT OR IGNORE INTO manifest VALUES ('created_at', ?)", (now,))


@migration
def m002_committed_revisions(conn) -> None:
    """What readers may see, defined once: the committed revisions.

    Schema-1 libraries got new tables by re-running the idempotent schema on open; running it
    once more here gives a library from before the feeds and news tables all of them."""
    run_script(conn, SCHEMA)
    conn.execute("CREATE VIEW IF NOT EXISTS committed_revisions AS " + COMMITTED_VIEW)


@migration
def m003_canonical_urls_and_accents(conn) -> None:
    """One identity per page, and accent-insensitive lexical matching (issue 12 items 5 and 6).

    Article identities from URLs are rewritten to the canonical form (ingest/identity.py:
    `…/index.html`, tracking parameters, trailing slash...). Where two stored articles are one
    page, the one with the newest committed revision keeps the identity (later ingests of any
    spelling revise it) and the other is recorded in article_aliases as the same page; no row
    moves, so every article and sentence id keeps resolving, and search folds the two like
    copies. The full-text index is rebuilt with `remove_diacritics 2` if it was made without it."""
    from ..ingest.identity import normalise_url

    conn.execute("CREATE TABLE IF NOT EXISTS article_aliases (article_id TEXT PRIMARY KEY, same_as TEXT NOT NULL) WITHOUT ROWID")
    rows = conn.execute(
        "SELECT a.article_id, a.identity, a.created_at,"
        " (SELECT MAX(r.revised_ts) FROM revisions r WHERE r.article_id = a.article_id AND r.status = 'committed')"
        " FROM articles a WHERE a.identity_kind = 'url'").fetchall()
    pages: dict[str, list] = {}
    for article_id, identity, created_at, latest in rows:
        pages.setdefault("url:" + normalise_url(identity[4:]), []).append((article_id, identity, created_at, latest or 0.0))
    for canonical, members in pages.items():
        members.sort(key=lambda m: (-m[3], m[2], m[0]))  # newest content first, then the oldest article
        keep = members[0]
        for article_id, *_ in members[1:]:  # free the canonical key first (identity is UNIQUE)
            conn.execute("UPDATE articles SET identity = ?, identity_kind = 'alias' WHERE article_id = ?", ("alias:" + article_id, article_id))
            conn.execute("INSERT OR REPLACE INTO article_aliases(article_id, same_as) VALUES (?, ?)", (article_id, keep[0]))
        if keep[1] != canonical:
            conn.execute("UPDATE articles SET identity = ? WHERE article_id = ?", (canonical, keep[0]))
    fts = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'chunks_fts'").fetchone()
    if fts is not None and "remove_diacritics 2" not in fts[0]:
        conn.execute("DROP TABLE chunks_fts")
        run_script(conn, SCHEMA)  # recreates it as schema.py defines it (the triggers stay)
        conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")


@migration
def m004_fts5_terms(conn) -> None:
    """Nothing to do on SQLite: PostgreSQL libraries get FTS5's full-text terms in this step
    (pg_schema.py; the versions mean the same on both backends)."""


@migration
def m005_postings(conn) -> None:
    """Nothing to do on SQLite (FTS5 keeps its own postings): PostgreSQL libraries get a postings
    table with term frequencies in this step (pg_schema.py; the versions mean the same on both)."""


@migration
def m006_chunk_totals(conn) -> None:
    """Nothing to do on SQLite (FTS5 keeps its row and token counts): PostgreSQL libraries get the
    table chunk_totals in this step (pg_schema.py; the versions mean the same on both)."""


SCHEMA_VERSION = len(MIGRATIONS)


# --------------------------------------------------------------------------- applying
def version(conn) -> int:
    """The library's schema version (0 for a new, empty file)."""
    has_manifest = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='manifest'").fetchone()
    if not has_manifest:
        return 0
    row = conn.execute("SELECT value FROM manifest WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def apply(conn, target: int | None = None) -> list[str]:
    """Apply the missing steps (the caller holds the write lock); returns the names of those run."""
    target = SCHEMA_VERSION if target is None else target
    done = []
    for number in range(version(conn) + 1, target + 1):
        step = MIGRATIONS[number - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(
                "INSERT INTO manifest(key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (str(number),),
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        done.append(step.__name__)
    return done


def statements(script: str) -> list[str]:
    """Split a script into statements (executescript would COMMIT our transaction).

    A statement ends at a line ending in ';' outside a trigger body (which ends with 'END;')."""
    out, buf, in_trigger = [], [], False
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        if line.lstrip().upper().startswith("CREATE TRIGGER"):
            in_trigger = True
        if line.rstrip().endswith(";") and (not in_trigger or line.strip().upper() == "END;"):
            stmt = "\n".join(buf).strip()
            if stmt:
                out.append(stmt)
            buf, in_trigger = [], False
    return out
