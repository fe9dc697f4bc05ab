"""PostgreSQL under the library's one set of queries (``--library postgresql://...``; issue 15).

The library's queries are written once, in the SQL both databases speak; ``Connection`` makes a
psycopg 3 connection look like the sqlite3 one the library was written against: ``?``
placeholders, ``BEGIN IMMEDIATE`` (a write transaction: plain BEGIN here, concurrency is handled
by row and advisory locks), ``BEGIN`` (a read snapshot: REPEATABLE READ here), and rows indexable
by position and by name like sqlite3.Row. The few real differences (schema, full-text search)
are where ``conn.dialect`` is asked. psycopg is imported here only, and only when a PostgreSQL
library is opened: ``assistant --help`` never loads it.

Writers on several machines: there is no file lock. Each writer holds, on its own connection,
session advisory locks (released by the server when the process dies, even by SIGKILL):

* the library lock, shared by every writer and taken exclusively by reindex (which drops and
  rebuilds every vector);
* one lock per article identity it is writing, from before it reads the article's revisions
  until its batch is committed: two writers never write the same article at once, and the
  recovery of pending work skips the revisions a live writer holds (it completes only those of
  dead writers);
* the regroup lock, around the recomputation of copies and stories (one writer at a time; the
  others wait, then regroup what is committed by then);
* ``writing``, shared, from the start of a writer's session until it has committed all it will:
  a finished writer waits a few seconds for the others to finish before regrouping, so that
  writers finishing together regroup once (Library.others_done_writing).

Readers take no lock: each statement reads committed rows (READ COMMITTED), an export reads one
REPEATABLE READ snapshot.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit, urlunsplit

from ..errors import AssistantError

SCHEMES = ("postgresql", "postgres")

# advisory lock namespaces (the first int of the two-int form); the second is a hash
LIBRARY_LOCK, REGROUP_LOCK = 1, 2
ARTICLE_NS = 3


def is_url(url: str) -> bool:
    return bool(url) and urlsplit(url).scheme in SCHEMES


def display(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        u = urlsplit(url)
    except ValueError:
        return "the given URL"
    if u.password is None:
        return url
    netloc = (u.username or "") + ":***@" + (u.hostname or "") + (f":{u.port}" if u.port else "")
    return urlunsplit((u.scheme, netloc, u.path, u.query, u.fragment))


def check_url(url: str) -> None:
    if not is_url(url):
        raise AssistantError(f"unsupported --library {url!r}: only postgresql:// URLs are supported",
                             "e.g. --library postgresql://USER@HOST:5432/DB; without --library the library is SQLite in the data directory")


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise AssistantError("the PostgreSQL library needs psycopg, which is not installed",
                             "pip install 'news-assistant[postgres]'")
    return psycopg


class Row(tuple):
    """A row by position (row[0]) and by name (row["title"]); dict(row) works, like sqlite3.Row."""

    def __new__(cls, values, index):
        row = super().__new__(cls, values)
        row._index = index
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self):
        return list(self._index)


def _row_factory(cursor):
    desc = cursor.description
    index = {d.name: i for i, d in enumerate(desc)} if desc else {}
    return lambda values: Row(values, index)


_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")


def translate(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (``%`` doubled), outside quoted literals and names."""
    cached = _CACHE.get(sql)
    if cached is not None:
        return cached
    parts = _QUOTED.split(sql)
    for i in range(0, len(parts), 2):  # the even parts are outside quotes
        parts[i] = parts[i].replace("%", "%%").replace("?", "%s")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("%", "%%")
    out = _begin("".join(parts))
    if len(_CACHE) < 2000:
        _CACHE[sql] = out
    return out


_CACHE: dict[str, str] = {}


def _begin(sql: str) -> str:
    """sqlite3's BEGIN IMMEDIATE opens a write transaction (plain BEGIN here: rows and advisory
    locks do what SQLite's one write lock did); its BEGIN, only used to read one consistent
    snapshot (export), is REPEATABLE READ here."""
    head = sql.strip().upper()
    if head == "BEGIN IMMEDIATE":
        return "BEGIN"
    if head == "BEGIN":
        return "BEGIN ISOLATION LEVEL REPEATABLE READ"
    return sql


class Connection:
    """A psycopg connection with the sqlite3 methods the library uses (autocommit, like
    sqlite3's isolation_level=None: transactions are the explicit BEGIN ... COMMIT)."""

    dialect = "postgresql"

    def __init__(self, raw, url: str):
        self.raw = raw
        self.url = url
        self._claims: dict[tuple[int, int], int] = {}  # advisory locks held: key -> depth

    def execute(self, sql: str, args=()):
        if args and _CHUNK_INSERT.match(sql):
            sql, [args] = _with_terms(sql, [tuple(args)])
        try:
            if not args:  # without parameters psycopg sends the text as it is: no placeholders, no %% to undo
                return self.raw.execute(_begin(sql), prepare=False)
            return self.raw.execute(translate(sql), tuple(args), prepare=False)
        except Exception as exc:
            raise _clear(exc, self.url) from exc

    def executemany(self, sql: str, rows):
        rows = [tuple(r) for r in rows]
        if not rows:
            return None
        cur = self.raw.cursor()
        try:
            chunks = bool(_CHUNK_INSERT.match(sql))
            if chunks:
                sql, rows = _with_terms(sql, rows)
            plan = _copy_plan(sql)
            if plan is None:
                cur.executemany(translate(sql), rows)
            else:
                # a plain INSERT of many rows is sent as COPY: the rows stream in one statement,
                # without a Bind and Execute per row (~10x less client CPU than executemany for a
                # batch's sentences, measured: docs/scaling.md). Chunks go a few hundred per COPY,
                # as they went a few hundred per INSERT: their postings are written by one call of
                # the statement trigger (pg_schema.POSTINGS) per COPY, sorted, not chunk by chunk.
                statement, make = plan
                step = CHUNKS_PER_INSERT if chunks else len(rows)
                for i in range(0, len(rows), step):
                    with cur.copy(statement) as copy:
                        for r in rows[i : i + step]:
                            copy.write_row(make(r))
        except Exception as exc:
            raise _clear(exc, self.url) from exc
        return cur

    @property
    def in_transaction(self) -> bool:
        """sqlite3's attribute: whether a transaction is open (not idle, in autocommit, between them)."""
        from psycopg import pq

        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def close(self) -> None:
        try:
            self.raw.close()
        except Exception:
            pass

    # -- advisory locks (session level: the server drops them when the process dies) ----------
    @staticmethod
    def _key(namespace: int, name: str) -> tuple[int, int]:
        import zlib

        h = zlib.crc32(name.encode("utf-8"))  # the same in every process, on every machine
        return namespace, h - (1 << 32) if h >= (1 << 31) else h

    def try_lock(self, namespace: int, name: str, shared: bool = False) -> bool:
        key = self._key(namespace, name)
        if key in self._claims:
            self._claims[key] += 1
            return True
        fn = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        if self.raw.execute(f"SELECT {fn}(%s, %s)", key).fetchone()[0]:
            self._claims[key] = 1
            return True
        return False

    def try_lock_many(self, namespace: int, names: list[str]) -> set[str]:
        """try_lock (exclusive) for each name, the server asked once: the names now held."""
        held, ask = set(), {}
        for name in names:
            key = self._key(namespace, name)
            if key in self._claims:
                self._claims[key] += 1
                held.add(name)
            else:
                ask.setdefault(key[1], []).append(name)
        if ask:
            for k, ok in self.raw.execute("SELECT k, pg_try_advisory_lock(%s, k) FROM unnest(%s::int[]) AS k", (namespace, list(ask))).fetchall():
                if ok:
                    names_ = ask[k]
                    self._claims[(namespace, k)] = len(names_)  # names sharing a key (a crc32 collision) stack, as try_lock does
                    held.update(names_)
        return held

    def lock(self, namespace: int, name: str, shared: bool = False, timeout: float | None = None) -> bool:
        """Wait for a lock (polling, so a timeout is ours to keep); False when the timeout passed."""
        deadline = None if timeout is None else time.monotonic() + max(timeout, 0)
        pause = 0.02
        while not self.try_lock(namespace, name, shared):
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 1.5, 0.5)
        return True

    def unlock(self, namespace: int, name: str, shared: bool = False) -> None:
        key = self._key(namespace, name)
        depth = self._claims.get(key, 0)
        if depth > 1:
            self._claims[key] = depth - 1
        elif depth == 1:
            del self._claims[key]
            fn = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"
            self.raw.execute(f"SELECT {fn}(%s, %s)", key)

    def held(self, namespace: int) -> set[int]:
        """The keys of a namespace some session holds (read from pg_locks: no lock is taken)."""
        rows = self.raw.execute("SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objsubid = 2 AND granted",
                                (namespace,)).fetchall()
        return {(r[0] - (1 << 32) if r[0] >= (1 << 31) else r[0]) for r in rows}

    def held_by_others(self, namespace: int, name: str) -> bool:
        """Whether another session holds this lock, shared or not (read from pg_locks: no lock is taken)."""
        key = self._key(namespace, name)
        return self.raw.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s::bigint::oid"
                                " AND objsubid = 2 AND granted AND pid <> pg_backend_pid())", (key[0], key[1] & 0xFFFFFFFF)).fetchone()[0]

    def unlock_namespace(self, namespace: int) -> None:
        """Release every lock of the namespace this session holds, in one round trip (a batch's claims)."""
        keys = [k for k in self._claims if k[0] == namespace]
        for key in keys:
            del self._claims[key]
        if keys:
            self.raw.execute("SELECT count(pg_advisory_unlock(%s, k)) FROM unnest(%s::int[]) AS k", (namespace, [k[1] for k in keys]))


CHUNKS_PER_INSERT = 500  # chunks per COPY (and so per call of the postings trigger)
_CHUNK_INSERT = re.compile(r"\s*INSERT\s+INTO\s+chunks\s*\(([^)]*)\)\s*VALUES\s*\(([^)]*)\)\s*$", re.IGNORECASE)


_PLAIN_INSERT = re.compile(r"\s*INSERT\s+INTO\s+(\w+)\s*\(([^()]*)\)\s*VALUES\s*\(([^()]*)\)\s*$", re.IGNORECASE)
_VALUE = re.compile(r"\s*(\?(?:::tsvector)?|'(?:[^']|'')*')\s*(?:,|$)")
_COPY_PLANS: dict[str, tuple | None] = {}


def _copy_plan(sql: str):
    """For ``INSERT INTO t(columns) VALUES (...)`` whose values are placeholders and quoted
    literals (nothing after it: no ON CONFLICT, no RETURNING): (the COPY statement, a function
    making a COPY row from a row of parameters). None for any other statement. A placeholder
    cast to tsvector (chunks.tsv) is the same as COPY's reading of the text into that column:
    both go through the type's input function."""
    if sql in _COPY_PLANS:
        return _COPY_PLANS[sql]
    plan = None
    m = _PLAIN_INSERT.match(sql)
    if m:
        table, columns, values = m.group(1), [c.strip() for c in m.group(2).split(",")], m.group(3)
        items, pos = [], 0
        while pos < len(values):
            v = _VALUE.match(values, pos)
            if v is None or v.end() == pos:
                items = None
                break
            items.append(v.group(1))
            pos = v.end()
        if items and len(items) == len(columns):
            fill, k = [], 0
            for item in items:
                if item.startswith("?"):
                    fill.append(k)
                    k += 1
                else:
                    fill.append((item[1:-1].replace("''", "'"),))  # a constant
            if all(isinstance(f, int) for f in fill):
                make = tuple
            else:
                make = lambda r, fill=fill: [r[f] if isinstance(f, int) else f[0] for f in fill]  # noqa: E731
            plan = (f"COPY {table} ({', '.join(columns)}) FROM STDIN", make)
    if len(_COPY_PLANS) < 200:
        _COPY_PLANS[sql] = plan
    return plan


def _with_terms(sql: str, rows: list[tuple]) -> tuple[str, list[tuple]]:
    """What SQLite's triggers do for chunks_fts, done on the way in: every row inserted into
    chunks gains its full-text terms (chunks.tsv) and token count (chunks.words), computed by
    FTS5 itself (fulltext.py), so both backends index the same terms. The columns are NOT NULL:
    an insert of another form fails instead of leaving a chunk unsearchable."""
    from . import fulltext

    m = _CHUNK_INSERT.match(sql)
    columns = [c.strip().strip('"') for c in m.group(1).split(",")]
    where = columns.index("text")
    terms = fulltext.tsvectors([r[where] for r in rows])
    sql = f"INSERT INTO chunks({m.group(1)}, tsv, words) VALUES ({m.group(2)}, ?::tsvector, ?)"
    return sql, [(*r, v, n) for r, (v, n) in zip(rows, terms)]


# SQLSTATEs after which PostgreSQL advises running the transaction again: deadlock_detected (the
# server aborted this transaction to break a cycle of lock waits) and serialization_failure
RETRY_STATES = {"40P01": "deadlock detected", "40001": "serialization failure"}


class TransactionConflict(AssistantError):
    """The server aborted the transaction (RETRY_STATES): nothing of it was applied, and running
    it again is expected to succeed (Library.write does, a few times). Still one clear line when
    it reaches the user."""

    def __init__(self, message: str, hint: str, sqlstate: str):
        super().__init__(message, hint)
        self.sqlstate = sqlstate


def _clear(exc: Exception, url: str) -> Exception:
    """A lost connection is one clear line, a transaction the server aborted to break a deadlock
    a TransactionConflict (to be retried); anything else stays what it is."""
    psycopg = _psycopg()
    state = getattr(exc, "sqlstate", None)
    if isinstance(exc, psycopg.Error) and state in RETRY_STATES:
        return TransactionConflict(f"the PostgreSQL library at {display(url)} aborted a transaction: {_first_line(exc)}",
                                   "run the command again", state)
    if isinstance(exc, psycopg.OperationalError):
        return AssistantError(f"the PostgreSQL library at {display(url)} failed: {_first_line(exc)}",
                              "check that the server runs and --library / ASSISTANT_LIBRARY_URL")
    return exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def connect(url: str) -> Connection:
    check_url(url)
    psycopg = _psycopg()
    kwargs = {} if "connect_timeout" in url else {"connect_timeout": 10}
    try:
        raw = psycopg.connect(url, autocommit=True, row_factory=_row_factory, **kwargs)
    except (psycopg.Error, ValueError) as exc:
        raise AssistantError(f"cannot connect to the PostgreSQL library at {display(url)}: {_first_line(exc)}",
                             "check --library / ASSISTANT_LIBRARY_URL (postgresql://USER@HOST:PORT/DB) and that the server runs")
    raw.add_notice_handler(lambda diag: None)  # "text-search query contains only stop words": not for the user
    # the full-text queries over a large library cost past jit_above_cost, and compiling them took
    # ~190 ms of a 300 ms query at 44k chunks (measured, docs/scaling.md): short queries only here
    raw.execute("SET jit = off")
    # no parallel workers: their partial sums arrive in any order, so two chunks with the same
    # terms could get scores differing in the last bits, and ties (copies: equal chunks) would
    # not go by chunk id as in SQLite; and on a few busy cores they do not make a query faster
    raw.execute("SET max_parallel_workers_per_gather = 0")
    return Connection(raw, url)


def database_error(exc: Exception) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(exc, psycopg.Error)


def binary_rows(conn: Connection, sql: str, args: list) -> list:
    """The rows of `sql` (psycopg's %s placeholders) in binary form: a bytea as bytes, a bigint or
    integer array as a numpy array, without a Python int per element (pg_bm25.py reads every
    posting of a question's lexemes as such arrays)."""
    cur = conn.raw.cursor(binary=True)
    if not _ARRAY_LOADERS:
        _ARRAY_LOADERS.update({1016: _numpy_array_loader(">i8"), 1007: _numpy_array_loader(">i4")})  # int8[], int4[]
    for oid, loader in _ARRAY_LOADERS.items():
        cur.adapters.register_loader(oid, loader)
    try:
        return cur.execute(sql, args, prepare=False).fetchall()
    except Exception as exc:
        raise _clear(exc, conn.url) from exc


_ARRAY_LOADERS: dict = {}


def _numpy_array_loader(kind: str):
    """A loader of a one-dimensional array without NULLs in binary form (header: dimensions,
    flags, element type, then length and lower bound; each element: its byte length and its
    bytes, big-endian) into numpy."""
    import numpy as np
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    class ArrayLoader(Loader):
        format = Format.BINARY

        def load(self, data):
            data = bytes(data)
            if int.from_bytes(data[0:4], "big") == 0:  # no dimensions: empty
                return np.zeros(0, dtype=kind)
            n = int.from_bytes(data[12:16], "big")
            return np.frombuffer(data, dtype=[("size", ">i4"), ("value", kind)], count=n, offset=20)["value"]

    return ArrayLoader
