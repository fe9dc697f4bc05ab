"""The Library: access to articles, revisions, sentences, chunks, the journal and the manifest.

SQLite in the data directory by default, or PostgreSQL (``--library postgresql://...``): the same
queries run on both (pg.py adapts a psycopg connection; ``dialect`` says which it is where they
differ). Readers see only committed revisions. WAL mode lets them read while a writer works;
SQLite writers are serialised by the data-directory lock (see lock.py), PostgreSQL writers by
advisory locks scoped to what they write (``claim``; see pg.py).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from ..errors import AssistantError, NewerLibrary, NotFound
from ..types import Chunk, Sentence
from . import migrations

DB_NAME = "library.sqlite3"
WRITE_ATTEMPTS = 5  # a transaction the server aborted (deadlock, serialization failure) runs at most this many times
T = TypeVar("T")


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class RevisionRow:
    article_id: str
    revision: int
    status: str
    title: str
    source: str
    url: str
    author: str
    language: str
    published: str | None
    published_ts: float | None
    date_precision: str | None
    updated: str | None
    revised_at: str
    highlights: list[str]
    text: str
    origin: str
    content_hash: str
    metadata: dict

    @classmethod
    def from_row(cls, r: sqlite3.Row) -> "RevisionRow":
        return cls(
            article_id=r["article_id"], revision=r["revision"], status=r["status"], title=r["title"],
            source=r["source"], url=r["url"], author=r["author"], language=r["language"],
            published=r["published"], published_ts=r["published_ts"], date_precision=r["date_precision"],
            updated=r["updated"], revised_at=r["revised_at"], highlights=json.loads(r["highlights"]),
            text=r["text"], origin=r["origin"], content_hash=r["content_hash"], metadata=json.loads(r["metadata"]),
        )


def _writable(home: Path, path: Path) -> bool:
    """False on a read-only file system or without write permission (os.access knows both, also for root)."""
    import os

    return os.access(home, os.W_OK) and os.access(path, os.W_OK)


class Library:
    """The source of truth. Open with ``Library.open(home)``; close when done (or use ``with``)."""

    def __init__(self, conn, path: Path, read_only: bool = False, where: str = ""):
        self.conn = conn
        self.path = path
        self.read_only = read_only  # opened from a place we cannot write (see _open_read_only)
        self.dialect = getattr(conn, "dialect", "sqlite")
        self.where = where or f"the library at {path.parent}"
        self.retried: list[str] = []  # one line per transaction run again (Library.write), for ingest -v
        if self.dialect == "sqlite":
            from ..outlets import register

            register(conn)  # outlet_matches(): the one --source rule, used by filters and forget (a PL/pgSQL function in PostgreSQL)

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, home: Path | str, create: bool = True, locked: bool = False, lock_timeout: float = 10.0, url: str = "") -> "Library":
        """Open (or create) the library in ``home`` (or at the PostgreSQL ``url``) and bring its schema up to date.

        ``locked``: the caller already holds the write lock (a writer); otherwise the lock is
        taken only when a migration is pending (never for an up-to-date library)."""
        if url:
            return cls._open_postgres(url, home, create)
        home = Path(home)
        path = home / DB_NAME
        if home.exists() and not home.is_dir():
            raise AssistantError(f"the data directory {home} is a file, not a directory", "point --data-dir / ASSISTANT_HOME at a directory")
        if not path.exists() and not create:
            raise NotFound(f"no library at {home}", "ingest something first: assistant ingest PATH")
        if path.exists() and not create and not _writable(home, path):
            return cls._open_read_only(home, path)
        try:
            home.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise AssistantError(f"cannot open the library at {path}: {exc}", "check --data-dir / ASSISTANT_HOME and its permissions")
        conn.row_factory = sqlite3.Row
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            lib = cls(conn, path)
            lib._migrate(locked, lock_timeout)
        except sqlite3.OperationalError as exc:  # read-only or unopenable: the file may be healthy, never say "move it away"
            conn.close()
            if "readonly" in str(exc) or "unable to open" in str(exc):
                if not create and path.exists():
                    return cls._open_read_only(home, path)
                raise AssistantError(f"cannot write to the library in {home} ({exc})", "check the directory's permissions, or use another --data-dir")
            raise AssistantError(f"{path} is not a usable library ({exc})", "point --data-dir at another directory, or move this file away")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise AssistantError(f"{path} is not a usable library ({exc})", "point --data-dir at another directory, or move this file away")
        except BaseException:
            conn.close()
            raise
        return lib

    @classmethod
    def _open_postgres(cls, url: str, home: Path | str, create: bool) -> "Library":
        from . import pg, pg_schema

        conn = pg.connect(url)
        lib = cls(conn, Path(home) / DB_NAME, where=f"the PostgreSQL library at {pg.display(url)}")
        try:
            have = pg_schema.version(conn)
            if have == 0 and not create:
                raise NotFound(f"no library at {pg.display(url)}", "ingest something first: assistant --library URL ingest PATH")
            if have > migrations.SCHEMA_VERSION:
                raise NewerLibrary(f"{lib.where} was written by a newer version of the assistant (schema {have})",
                                   "upgrade the assistant (pip install -U news-assistant)")
            pg_schema.apply(conn)  # under a transaction advisory lock (nothing happens when up to date)
        except BaseException:
            conn.close()
            raise
        return lib

    @staticmethod
    def exists_at(url: str) -> bool:
        """Whether a PostgreSQL database holds a library (reading never creates one)."""
        from . import pg, pg_schema

        conn = pg.connect(url)
        try:
            return pg_schema.version(conn) > 0
        finally:
            conn.close()

    @classmethod
    def empty(cls, home: Path | str) -> "Library":
        """An empty library in memory, for reading where none exists: nothing is created on disk."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        lib = cls(conn, Path(home) / DB_NAME)
        migrations.apply(conn)
        return lib

    @classmethod
    def _open_read_only(cls, home: Path, path: Path) -> "Library":
        """A library on a read-only disk or in a directory we may not write: readers still work.

        A WAL database cannot be opened with mode=ro when its -shm file is missing and cannot be
        created, so then it is opened immutable (safe: nobody can write there either)."""
        from urllib.parse import quote

        base = "file:" + quote(str(path.resolve())) + "?mode=ro"
        conn = None
        for uri in (base, base + "&immutable=1"):
            try:
                conn = sqlite3.connect(uri, uri=True, timeout=30.0, isolation_level=None, check_same_thread=False)
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
                break
            except sqlite3.Error:
                if conn is not None:
                    conn.close()
                conn = None
        if conn is None:
            raise AssistantError(f"cannot read the library at {path}: the directory {home} is read-only and the file cannot be opened",
                                 "check its permissions, or copy the data directory somewhere writable")
        conn.row_factory = sqlite3.Row
        lib = cls(conn, path, read_only=True)
        try:
            row = conn.execute("SELECT value FROM manifest WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise AssistantError(f"{path} is not a usable library ({exc})", "point --data-dir at another directory")
        have = migrations.version(conn)
        if row is None or have != migrations.SCHEMA_VERSION:
            conn.close()
            if have > migrations.SCHEMA_VERSION:
                raise NewerLibrary(f"the library at {home} was written by a newer version of the assistant (schema {have})",
                                   "upgrade the assistant (pip install -U news-assistant)")
            raise AssistantError(f"the library at {home} needs an upgrade this version would write, but the directory is read-only",
                                 "open it once from a writable place, or use the version that wrote it")
        return lib

    def _migrate(self, locked: bool, lock_timeout: float) -> None:  # SQLite (PostgreSQL: _open_postgres)
        have = migrations.version(self.conn)
        if have > migrations.SCHEMA_VERSION:
            raise NewerLibrary(
                f"the library at {self.path.parent} was written by a newer version of the assistant "
                f"(schema {have}; this version reads up to schema {migrations.SCHEMA_VERSION})",
                "upgrade the assistant (pip install -U news-assistant), or point --data-dir at another directory",
            )
        if have == migrations.SCHEMA_VERSION:
            return  # up to date: nothing is written and no lock is taken
        if locked:
            migrations.apply(self.conn)
            return
        from .lock import write_lock

        with write_lock(self.path.parent, lock_timeout):
            migrations.apply(self.conn)  # re-reads the version: another process may have migrated meanwhile

    def close(self) -> None:
        self.conn.close()

    # -- writers' locks (PostgreSQL; SQLite writers hold the data-directory lock instead) ---
    def lock_library(self, exclusive: bool, timeout: float) -> None:
        """A writer's session: shared by writers, exclusive for reindex (it rebuilds every vector)."""
        if self.dialect == "sqlite":
            return
        from ..errors import LockedError
        from .pg import LIBRARY_LOCK

        if not self.conn.lock(LIBRARY_LOCK, "library", shared=not exclusive, timeout=timeout):
            raise LockedError(f"another assistant process is {'writing to' if exclusive else 'rebuilding'} {self.where}",
                              f"wait for it to finish, or wait longer with --wait SECONDS (waited {timeout:g} s)")
        self.conn.try_lock(LIBRARY_LOCK, "writing", shared=True)  # never refused: only ever taken shared (done_writing)

    def done_writing(self) -> None:
        """This writer has committed all it will (it regroups next): what others_done_writing waits for."""
        if self.dialect != "sqlite":
            from .pg import LIBRARY_LOCK

            self.conn.unlock(LIBRARY_LOCK, "writing", shared=True)

    def others_done_writing(self, timeout: float) -> bool:
        """Wait (polling pg_locks, holding nothing) until no other writer is still writing, i.e. all
        have committed what they will and are regrouping or gone, at most ``timeout`` seconds; True
        when they all were. Why: two writers that finished close together regrouped twice, the
        first without the other's last batch, which the second then regrouped again from scratch
        (a pass reads every signature: docs/scaling.md); now the first waits for the second to
        finish writing, the second regroups everything, and the first finds nothing left to do."""
        if self.dialect == "sqlite":
            return True
        from .pg import LIBRARY_LOCK

        deadline = time.monotonic() + timeout
        pause = 0.01
        while self.conn.held_by_others(LIBRARY_LOCK, "writing"):
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 1.5, 0.1)
        return True

    def try_claim(self, identity: str) -> bool:
        """Claim an article (by identity) for writing, without waiting; True when this writer holds it."""
        if self.dialect == "sqlite":
            return True
        from .pg import ARTICLE_NS

        return self.conn.try_lock(ARTICLE_NS, identity)

    def try_claim_many(self, identities: list[str]) -> set[str]:
        """Claim these articles without waiting, in one round trip: the identities this writer holds
        afterwards (the others are claimed by other writers)."""
        if self.dialect == "sqlite":
            return set(identities)
        from .pg import ARTICLE_NS

        return self.conn.try_lock_many(ARTICLE_NS, identities)

    def claim(self, identity: str) -> None:
        """Claim an article, waiting for the writer that holds it (call it holding no other claim)."""
        if self.dialect != "sqlite":
            from .pg import ARTICLE_NS

            self.conn.lock(ARTICLE_NS, identity)

    def release_claims(self) -> None:
        if self.dialect != "sqlite":
            from .pg import ARTICLE_NS

            self.conn.unlock_namespace(ARTICLE_NS)

    def pending_in_flight(self) -> int:
        """Revisions not committed whose article a running writer claims (PostgreSQL; read from
        pg_locks without locking anything): work in progress, not work to recover."""
        if self.dialect == "sqlite":
            return 0
        from .pg import ARTICLE_NS

        held = self.conn.held(ARTICLE_NS)
        if not held:
            return 0
        rows = self.conn.execute("SELECT a.identity FROM revisions r JOIN articles a USING (article_id) WHERE r.status != 'committed'").fetchall()
        return sum(1 for r in rows if self.conn._key(ARTICLE_NS, r[0])[1] in held)

    def identity_of(self, article_id: str) -> str:
        r = self.conn.execute("SELECT identity FROM articles WHERE article_id=?", (article_id,)).fetchone()
        return r[0] if r else "id:" + article_id

    @contextmanager
    def regrouping(self, settle: float = 0.0):
        """Copies and stories are recomputed by one writer at a time (PostgreSQL: an advisory lock).

        ``settle``: first wait up to this many seconds for the other writers still writing to
        finish (others_done_writing), so that this regroup includes what they commit."""
        if self.dialect == "sqlite":
            yield
            return
        from .pg import REGROUP_LOCK

        if settle > 0:
            self.others_done_writing(settle)
        self.conn.lock(REGROUP_LOCK, "regroup")
        try:
            yield
        finally:
            self.conn.unlock(REGROUP_LOCK, "regroup")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; rolls back on any exception."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def write(self, work: Callable[[sqlite3.Connection], T], what: str = "a write") -> T:
        """``work(conn)`` in a write transaction, run again (a few times, after a short random
        pause) when PostgreSQL aborts the transaction to break a deadlock or a serialization
        failure, as its manual advises: the rollback undid all of it, so work must do everything
        the transaction holds again, and change nothing outside the database (compute rows
        before, report after). Its result is returned. On SQLite (one writer at a time) it is
        ``transaction()``."""
        if self.dialect == "sqlite":
            with self.transaction() as c:
                return work(c)
        from .pg import RETRY_STATES, TransactionConflict

        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.transaction() as c:
                    return work(c)
            except TransactionConflict as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise
                # jittered, growing: two writers that deadlocked do not meet again in step
                pause = random.uniform(0.02, 0.1) * attempt
                self.retried.append(f"{what}: {RETRY_STATES[exc.sqlstate]} (SQLSTATE {exc.sqlstate}); "
                                    f"ran it again after {1000 * pause:.0f} ms (attempt {attempt + 1} of {WRITE_ATTEMPTS})")
                time.sleep(pause)
        raise AssertionError("unreachable")

    # -- manifest ------------------------------------------------------------------------
    def manifest(self) -> dict[str, str]:
        return {r["key"]: r["value"] for r in self.conn.execute("SELECT key, value FROM manifest")}

    def set_manifest(self, conn: sqlite3.Connection | None = None, **values) -> None:
        conn = conn or self.conn
        for k, v in values.items():
            conn.execute("INSERT INTO manifest(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (k, str(v)))

    def schema_version(self) -> int:
        if self.dialect == "postgresql":
            from . import pg_schema

            return pg_schema.version(self.conn)
        return migrations.version(self.conn)

    @property
    def library_id(self) -> str:
        return self.manifest()["library_id"]

    # -- articles ------------------------------------------------------------------------
    def article_by_identity(self, identity: str) -> str | None:
        r = self.conn.execute("SELECT article_id FROM articles WHERE identity=?", (identity,)).fetchone()
        return r[0] if r else None

    def articles_by_identity(self, identities: list[str]) -> dict[str, str]:
        """{identity: article_id} of those that have an article (a query per 500)."""
        out: dict[str, str] = {}
        for i in range(0, len(identities), 500):
            part = identities[i : i + 500]
            out.update((r[0], r[1]) for r in self.conn.execute(
                f"SELECT identity, article_id FROM articles WHERE identity IN ({','.join('?' * len(part))})", part))
        return out

    def existing_article_ids(self, article_ids: list[str]) -> set[str]:
        """Which of these ids are taken (a query per 500)."""
        out: set[str] = set()
        for i in range(0, len(article_ids), 500):
            part = article_ids[i : i + 500]
            out.update(r[0] for r in self.conn.execute(f"SELECT article_id FROM articles WHERE article_id IN ({','.join('?' * len(part))})", part))
        return out

    def revision_heads(self, article_ids: list[str]) -> dict[str, tuple]:
        """{article_id: (its latest committed revision, that revision's content hash, its highest
        revision in any status, (published, published_ts, date_precision) of its first committed
        revision with a date or None)}: what a writer reads of an article it revises, for many
        articles at once (revisions_of, max_revision and the first date, one query per 500)."""
        out: dict[str, tuple] = {}
        for i in range(0, len(article_ids), 500):
            part = article_ids[i : i + 500]
            for r in self.conn.execute("SELECT article_id, revision, status, content_hash, published, published_ts, date_precision FROM revisions"
                                       f" WHERE article_id IN ({','.join('?' * len(part))}) ORDER BY article_id, revision", part):
                rev, chash, top, first = out.get(r[0], (None, None, 0, None))
                if r[2] == "committed":
                    rev, chash = r[1], r[3]
                    if first is None and r[5] is not None:
                        first = (r[4], r[5], r[6])
                out[r[0]] = (rev, chash, max(top, r[1]), first)
        return out

    def article_exists(self, article_id: str) -> bool:
        """Whether the id is taken (by any revision, committed or not)."""
        return self.conn.execute("SELECT 1 FROM articles WHERE article_id=?", (article_id,)).fetchone() is not None

    def revisions_of(self, article_id: str, statuses=("committed",)) -> list[sqlite3.Row]:
        q = f"SELECT revision, status, content_hash FROM revisions WHERE article_id=? AND status IN ({','.join('?' * len(statuses))}) ORDER BY revision"
        return self.conn.execute(q, (article_id, *statuses)).fetchall()

    def max_revision(self, article_id: str) -> int:
        r = self.conn.execute("SELECT MAX(revision) FROM revisions WHERE article_id=?", (article_id,)).fetchone()
        return r[0] or 0

    def resolve_article(self, ref: str) -> str:
        """An article id, a unique prefix of one, or a sentence/chunk id that starts with one."""
        ref = ref.strip()
        base = ref.split("@", 1)[0]
        if not base:
            raise NotFound("empty article id", "list ids with: assistant sources")
        exact = self.conn.execute(
            "SELECT article_id FROM articles a WHERE article_id=? AND EXISTS (SELECT 1 FROM committed_revisions r WHERE r.article_id=a.article_id)",
            (base,),
        ).fetchone()
        if exact:
            return exact[0]
        rows = self.conn.execute(
            "SELECT article_id FROM articles a WHERE article_id LIKE ? ESCAPE '\\' AND EXISTS (SELECT 1 FROM committed_revisions r WHERE r.article_id=a.article_id) LIMIT 3",
            (base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
        ).fetchall()
        if len(rows) == 1:
            return rows[0][0]
        if not rows:
            raise NotFound(f"no article {ref!r} in the library", "list ids with: assistant sources")
        raise NotFound(f"{ref!r} matches several articles", "give more characters of the id")

    def latest_revision(self, article_id: str) -> int | None:
        r = self.conn.execute(
            "SELECT MAX(revision) FROM committed_revisions WHERE article_id=?", (article_id,)
        ).fetchone()
        return r[0]

    def revision(self, article_id: str, revision: int | None = None) -> RevisionRow:
        if revision is None:
            revision = self.latest_revision(article_id)
        r = self.conn.execute(
            "SELECT * FROM committed_revisions WHERE article_id=? AND revision=?", (article_id, revision)
        ).fetchone()
        if r is None:
            raise NotFound(f"article {article_id} has no revision {revision}", f"see its revisions with: assistant show {article_id}")
        return RevisionRow.from_row(r)

    def sentences(self, article_id: str, revision: int) -> list[Sentence]:
        rows = self.conn.execute(
            'SELECT idx, start, "end", text FROM sentences WHERE article_id=? AND revision=? ORDER BY idx', (article_id, revision)
        ).fetchall()
        return [Sentence(article_id, revision, r[0], r[1], r[2], r[3]) for r in rows]

    def sentence(self, sid: str) -> Sentence:
        from ..types import parse_sentence_id

        try:
            a, rev, idx = parse_sentence_id(sid)
        except ValueError as exc:
            raise NotFound(str(exc), "sentence ids look like <article>@<revision>#<index>")
        r = self.conn.execute(
            'SELECT s.start, s."end", s.text FROM sentences s JOIN committed_revisions r USING (article_id, revision)'
            " WHERE s.article_id=? AND s.revision=? AND s.idx=?",
            (a, rev, idx),
        ).fetchone()
        if r is None:
            raise NotFound(f"no sentence {sid}", "it may have been forgotten; see: assistant show " + a)
        return Sentence(a, rev, idx, r[0], r[1], r[2])

    def chunks(self, article_id: str, revision: int) -> list[Chunk]:
        rows = self.conn.execute(
            "SELECT idx, first_sentence, last_sentence, text, token_count FROM chunks WHERE article_id=? AND revision=? ORDER BY idx",
            (article_id, revision),
        ).fetchall()
        return [Chunk(article_id, revision, *r) for r in rows]

    def list_articles(self, source: str | None = None) -> list[dict]:
        """The latest committed revision of every article, newest first (undated last)."""
        q = """
        SELECT r.*, (SELECT COUNT(*) FROM sentences s WHERE s.article_id=r.article_id AND s.revision=r.revision) AS sentence_count,
               (SELECT COUNT(*) FROM chunks c WHERE c.article_id=r.article_id AND c.revision=r.revision) AS chunk_count,
               (SELECT COUNT(*) FROM committed_revisions r2 WHERE r2.article_id=r.article_id) AS revision_count
        FROM committed_revisions r
        WHERE r.revision=(SELECT MAX(revision) FROM committed_revisions r3 WHERE r3.article_id=r.article_id)
        """
        args: list = []
        if source:
            from ..outlets import sql

            q += " AND " + sql("r")
            args.append(source)
        q += " ORDER BY r.published_ts IS NULL, r.published_ts DESC, r.title, r.article_id"  # ties in id order, not storage order
        out = []
        for r in self.conn.execute(q, args):
            out.append(
                {
                    "article_id": r["article_id"], "title": r["title"], "source": r["source"], "url": r["url"],
                    "published": r["published"], "published_ts": r["published_ts"], "date_precision": r["date_precision"], "author": r["author"],
                    "revision": r["revision"], "revisions": r["revision_count"],
                    "sentence_count": r["sentence_count"], "chunk_count": r["chunk_count"],
                }
            )
        return out

    def revision_list(self, article_id: str) -> list[dict]:
        rows = self.conn.execute(
            "SELECT revision, revised_at, content_hash, ingested_at FROM committed_revisions WHERE article_id=? ORDER BY revision",
            (article_id,),
        ).fetchall()
        return [dict(r) for r in rows]

    def counts(self) -> dict[str, int]:
        c = self.conn
        return {
            "articles": c.execute("SELECT COUNT(DISTINCT article_id) FROM committed_revisions").fetchone()[0],
            "revisions": c.execute("SELECT COUNT(*) FROM committed_revisions").fetchone()[0],
            "sentences": c.execute("SELECT COUNT(*) FROM sentences s JOIN committed_revisions r USING(article_id, revision)").fetchone()[0],
            "chunks": c.execute("SELECT COUNT(*) FROM chunks c JOIN committed_revisions r USING(article_id, revision)").fetchone()[0],
            "pending": c.execute("SELECT COUNT(*) FROM revisions WHERE status!='committed'").fetchone()[0],
        }

    # -- forget and check ---------------------------------------------------------------
    def articles_published_before(self, timestamp: float) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT article_id FROM committed_revisions WHERE published_ts IS NOT NULL AND published_ts < ?", (timestamp,))]

    def articles_from_source(self, source: str) -> list[str]:
        """Articles whose outlet is NAME by the one outlet rule (outlets.py)."""
        from ..outlets import sql

        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT article_id FROM committed_revisions r WHERE " + sql("r"), (source,))]

    def outlets(self) -> list[tuple[str, str]]:
        """Every (outlet name, url) pair of the committed revisions."""
        return [(r[0], r[1]) for r in self.conn.execute("SELECT DISTINCT source, url FROM committed_revisions")]

    def committed_article_ids(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT article_id FROM committed_revisions")}

    def orphan_chunks(self) -> int:
        """Chunks whose revision is gone."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM chunks c LEFT JOIN revisions r USING(article_id, revision) WHERE r.article_id IS NULL").fetchone()[0]

    def revisions_without_chunks(self) -> int:
        return self.conn.execute(
            "SELECT COUNT(*) FROM committed_revisions r WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.article_id=r.article_id AND c.revision=r.revision)").fetchone()[0]

    def fulltext_problem(self) -> str | None:
        """Why the full-text index does not match the chunks it mirrors, or None when it does."""
        if self.dialect == "postgresql":
            # tsv and words are written with their chunk, in its row (pg.Connection), and NOT NULL;
            # the postings follow them by triggers (pg_schema.POSTINGS): what can be wrong is a
            # missing index, postings that no longer count the chunks' terms, or totals that no longer count them
            for index in ("postings_lexeme", "chunks_seq", "chunk_totals"):
                if self.conn.execute("SELECT to_regclass(?)", (index,)).fetchone()[0] is None:
                    return f"the {'table' if index == 'chunk_totals' else 'index'} {index} is missing"
            terms, postings, chunks, words, counted, summed = self.conn.execute(
                "SELECT (SELECT coalesce(sum(length(tsv)), 0) FROM chunks), (SELECT count(*) FROM postings), "
                "(SELECT count(*) FROM chunks), (SELECT coalesce(sum(words), 0) FROM chunks), "
                "(SELECT coalesce(sum(chunks), 0) FROM chunk_totals), (SELECT coalesce(sum(words), 0) FROM chunk_totals)").fetchone()
            if terms != postings:
                return f"the postings hold {postings} terms, the chunks {terms}"
            if (chunks, words) != (counted, summed):
                return f"chunk_totals counts {counted} chunks of {summed} tokens, the chunks are {chunks} of {words}"
            return None
        try:  # with rank=1, FTS5 also compares the index against the chunks table it mirrors
            self.conn.execute("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)")
        except Exception as exc:
            return str(exc)
        return None

    def rebuild_fulltext(self, conn) -> None:
        """Rebuild the full-text index from the chunks (PostgreSQL's terms are columns of the chunks,
        written with every chunk reindex inserts; its postings and chunk_totals are rebuilt from them)."""
        if self.dialect == "sqlite":
            conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        else:
            from .pg_schema import refill_postings, refill_totals

            refill_postings(conn)
            refill_totals(conn)

    def chunk_ids(self, committed_only: bool) -> set[str]:
        if committed_only:
            return {r[0] for r in self.conn.execute("SELECT c.chunk_id FROM chunks c JOIN committed_revisions r USING(article_id, revision)")}
        return {r[0] for r in self.conn.execute("SELECT chunk_id FROM chunks")}

    # -- writing (callers hold the write lock) -------------------------------------------
    def journal(self, conn, run_id: str, action: str, status: str, article_id=None, revision=None, origin=None, message="") -> None:
        conn.execute(
            "INSERT INTO journal(ts, run_id, action, article_id, revision, origin, status, message) VALUES (?,?,?,?,?,?,?,?)",
            (now_iso(), run_id, action, article_id, revision, origin, status, message),
        )

    def journal_many(self, conn, run_id: str, entries: list[tuple]) -> None:
        """Journal entries (action, status, article_id, revision, origin) in one statement."""
        ts = now_iso()
        conn.executemany("INSERT INTO journal(ts, run_id, action, article_id, revision, origin, status, message) VALUES (?,?,?,?,?,?,?,'')",
                         [(ts, run_id, action, article_id, revision, origin, status) for action, status, article_id, revision, origin in entries])

    def chunk_ids_of(self, article_id: str, revision: int) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT chunk_id FROM chunks WHERE article_id=? AND revision=? ORDER BY idx", (article_id, revision))]

    def revisions_with_status(self, status: str) -> list[tuple[str, int]]:
        return [(r[0], r[1]) for r in self.conn.execute("SELECT article_id, revision FROM revisions WHERE status=? ORDER BY article_id, revision", (status,))]

    def delete_revision_rows(self, conn, article_id: str, revision: int) -> None:
        conn.execute("DELETE FROM chunks WHERE article_id=? AND revision=?", (article_id, revision))
        conn.execute("DELETE FROM sentences WHERE article_id=? AND revision=?", (article_id, revision))
        conn.execute("DELETE FROM revisions WHERE article_id=? AND revision=?", (article_id, revision))
        if conn.execute("SELECT 1 FROM revisions WHERE article_id=? LIMIT 1", (article_id,)).fetchone() is None:
            conn.execute("DELETE FROM articles WHERE article_id=?", (article_id,))

    # -- embedding cache -----------------------------------------------------------------
    def cached_vectors(self, embedder: str, hashes: list[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            q = f"SELECT text_hash, vector FROM embed_cache WHERE embedder=? AND text_hash IN ({','.join('?' * len(part))})"
            out.update({r[0]: r[1] for r in self.conn.execute(q, (embedder, *part))})
        return out

    def store_vectors(self, embedder: str, items: list[tuple[str, bytes]]) -> None:
        # sorted: two writers storing the same vectors take the rows' locks in one order (no deadlock)
        rows = sorted((embedder, h, v) for h, v in items)
        self.write(lambda c: c.executemany("INSERT INTO embed_cache(embedder, text_hash, vector) VALUES (?, ?, ?) ON CONFLICT (embedder, text_hash) DO NOTHING",
                                           rows), "storing vectors in the embedding cache")
