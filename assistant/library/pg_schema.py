"""The library's schema in PostgreSQL, and its migration steps.

Same tables, columns and names as the SQLite schema (schema.py + migrations.py), so that the
library's queries run unchanged on both, with these differences:

* text columns collate "C" (code-point order, like SQLite's BINARY), so ORDER BY title gives
  the same order on both whatever the database's locale;
* REAL is DOUBLE PRECISION (PostgreSQL's REAL is 4 bytes), BLOB is BYTEA;
* full text: chunks.tsv, a tsvector of FTS5's own terms and positions (fulltext.py: the same
  tokenizer, accent folding and Porter stemmer as SQLite's chunks_fts) with a GIN index, and
  chunks.words (its token count, BM25's document length), instead of the FTS5 table and its
  triggers; pg.Connection fills both on every insert into chunks (as the triggers do on
  SQLite), and being columns of chunks they are exactly as transactional as the rows they index;
  phrase_tf() counts a phrase's occurrences in a tsvector (FTS5's phrase frequency); since step 5
  the table postings (lexeme, chunk, tf, words), kept by triggers on chunks in the same
  transactions, with a covering index that search reads alone, replaces the GIN index; since
  step 6 chunk_totals holds the number of chunks and their total length as rows of differences
  that writers append and fold without waiting (TOTALS); search (pg_bm25.py) no longer calls
  phrase_tf(), which stays as the definition its phrase frequencies are tested against;
* fold_accents(): a translate() table generated here from Python's unicodedata (the unaccent
  extension may not be installed); the full text no longer uses it (step 4);
* outlet_matches(NAME, source, url): outlets.py's one --source rule in PL/pgSQL (SQLite calls
  the Python function); tests/test_postgres.py checks the two agree.

Versions: ``MIGRATIONS`` has one step per step of migrations.py, in the same order, so the
manifest's schema_version means the same on both. A new library gets the current schema in
step 1; steps 2 and 3 upgraded SQLite libraries from before PostgreSQL was supported and have
nothing to do here; step 4 (nothing to do on SQLite) gives older PostgreSQL libraries FTS5's
terms; step 5 (nothing to do on SQLite) adds the postings, for new libraries too; step 6
(nothing to do on SQLite) adds chunk_totals. A new step in migrations.py needs its PostgreSQL twin here
(tests/test_postgres.py checks the counts match).
"""

from __future__ import annotations

import unicodedata
from typing import Callable

from .migrations import COMMITTED_VIEW

C = 'COLLATE "C"'

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS manifest (
    key   TEXT {C} PRIMARY KEY,
    value TEXT {C} NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    article_id    TEXT {C} PRIMARY KEY,
    identity      TEXT {C} NOT NULL UNIQUE,
    identity_kind TEXT {C} NOT NULL,
    created_at    TEXT {C} NOT NULL
);
CREATE TABLE IF NOT EXISTS revisions (
    article_id     TEXT {C} NOT NULL REFERENCES articles(article_id),
    revision       INTEGER NOT NULL,
    status         TEXT {C} NOT NULL CHECK (status IN ('pending', 'committed', 'deleting')),
    content_hash   TEXT {C} NOT NULL,
    title          TEXT {C} NOT NULL DEFAULT '',
    source         TEXT {C} NOT NULL DEFAULT '',
    url            TEXT {C} NOT NULL DEFAULT '',
    author         TEXT {C} NOT NULL DEFAULT '',
    language       TEXT {C} NOT NULL DEFAULT '',
    published      TEXT {C},
    published_ts   DOUBLE PRECISION,
    date_precision TEXT {C},
    updated        TEXT {C},
    revised_at     TEXT {C} NOT NULL,
    revised_ts     DOUBLE PRECISION NOT NULL,
    highlights     TEXT {C} NOT NULL DEFAULT '[]',
    raw_text       TEXT {C} NOT NULL,
    text           TEXT {C} NOT NULL,
    origin         TEXT {C} NOT NULL DEFAULT '',
    format         TEXT {C} NOT NULL DEFAULT '',
    metadata       TEXT {C} NOT NULL DEFAULT '{{}}',
    ingested_at    TEXT {C} NOT NULL,
    PRIMARY KEY (article_id, revision)
);
CREATE INDEX IF NOT EXISTS revisions_status ON revisions(status);
CREATE INDEX IF NOT EXISTS revisions_published ON revisions(published_ts);
CREATE TABLE IF NOT EXISTS sentences (
    article_id TEXT {C} NOT NULL,
    revision   INTEGER NOT NULL,
    idx        INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    text       TEXT {C} NOT NULL,
    PRIMARY KEY (article_id, revision, idx),
    FOREIGN KEY (article_id, revision) REFERENCES revisions(article_id, revision) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id       TEXT {C} PRIMARY KEY,
    article_id     TEXT {C} NOT NULL,
    revision       INTEGER NOT NULL,
    idx            INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence  INTEGER NOT NULL,
    text           TEXT {C} NOT NULL,
    token_count    INTEGER NOT NULL,
    -- FTS5's terms of text with their positions (fulltext.py; pg.Connection fills both on insert)
    tsv            tsvector NOT NULL,
    -- tokens in the chunk: BM25's document length (search.py), FTS5's column size
    words          INTEGER NOT NULL,
    FOREIGN KEY (article_id, revision) REFERENCES revisions(article_id, revision) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS chunks_revision ON chunks(article_id, revision);
CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv);
-- BM25 reads the number of chunks and their total length per query: from this index only
CREATE INDEX IF NOT EXISTS chunks_words ON chunks(words);
-- the tsvector in the row (compressed if need be), the text out of line: scoring reads the
-- matching chunks' tsvectors, and a TOAST lookup per chunk was most of its cost (docs/scaling.md)
ALTER TABLE chunks ALTER COLUMN tsv SET STORAGE MAIN;
CREATE TABLE IF NOT EXISTS journal (
    id         BIGSERIAL PRIMARY KEY,
    ts         TEXT {C} NOT NULL,
    run_id     TEXT {C} NOT NULL,
    action     TEXT {C} NOT NULL,
    article_id TEXT {C},
    revision   INTEGER,
    origin     TEXT {C},
    status     TEXT {C} NOT NULL,
    message    TEXT {C} NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS embed_cache (
    embedder  TEXT {C} NOT NULL,
    text_hash TEXT {C} NOT NULL,
    vector    BYTEA NOT NULL,
    PRIMARY KEY (embedder, text_hash)
);
CREATE TABLE IF NOT EXISTS feeds (
    url           TEXT {C} PRIMARY KEY,
    title         TEXT {C} NOT NULL DEFAULT '',
    etag          TEXT {C} NOT NULL DEFAULT '',
    last_modified TEXT {C} NOT NULL DEFAULT '',
    added_at      TEXT {C} NOT NULL,
    last_checked  TEXT {C},
    last_status   TEXT {C} NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url    TEXT {C} NOT NULL,
    entry_key   TEXT {C} NOT NULL,
    fingerprint TEXT {C} NOT NULL,
    article_id  TEXT {C},
    seen_at     TEXT {C} NOT NULL,
    PRIMARY KEY (feed_url, entry_key)
);
CREATE TABLE IF NOT EXISTS news_signatures (
    article_id TEXT {C} PRIMARY KEY,
    revision   INTEGER NOT NULL,
    embedder   TEXT {C} NOT NULL,
    minhash    BYTEA NOT NULL,
    shingles   INTEGER NOT NULL,
    names      TEXT {C} NOT NULL DEFAULT '[]',
    numbers    TEXT {C} NOT NULL DEFAULT '[]',
    vector     BYTEA,
    lo_ts      DOUBLE PRECISION,
    hi_ts      DOUBLE PRECISION
);
CREATE TABLE IF NOT EXISTS copy_groups (
    article_id TEXT {C} PRIMARY KEY,
    group_id   TEXT {C} NOT NULL
);
CREATE INDEX IF NOT EXISTS copy_groups_group ON copy_groups(group_id);
CREATE TABLE IF NOT EXISTS stories (
    article_id TEXT {C} PRIMARY KEY,
    story_id   TEXT {C} NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_story ON stories(story_id);
CREATE TABLE IF NOT EXISTS article_aliases (
    article_id TEXT {C} PRIMARY KEY,
    same_as    TEXT {C} NOT NULL
);
CREATE OR REPLACE VIEW committed_revisions AS {COMMITTED_VIEW};
"""


def _fold_table() -> tuple[str, str]:
    """(accented letters, their base letters): every Latin letter whose canonical decomposition
    is an ASCII letter plus combining marks, as FTS5's remove_diacritics does."""
    src, dst = [], []
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)
        if len(base) > 1 and base[0].isascii() and base[0].isalpha() and all(unicodedata.combining(c) for c in base[1:]):
            src.append(ch)
            dst.append(base[0])
    return "".join(src), "".join(dst)


def fold_accents(text: str) -> str:
    """What the fold_accents() SQL function does, in Python (tests compare the two)."""
    src, dst = _fold_table()
    return text.translate(str.maketrans(src, dst))


def _functions() -> list[str]:
    src, dst = _fold_table()
    q = lambda s: "'" + s.replace("'", "''") + "'"  # noqa: E731
    return [
        # translate() costs the length of its table per character (3 ms per KB here): only text with a
        # letter in the folded blocks goes through it, which a regular expression finds quickly
        f"CREATE OR REPLACE FUNCTION fold_accents(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        f"AS $$ SELECT CASE WHEN t ~ '[\u00C0-\u024F\u1E00-\u1EFF]' THEN translate(t, {q(src)}, {q(dst)}) ELSE t END $$",
        PHRASE_TF,
        OUTLET_FUNCTIONS_HOST,
        OUTLET_FUNCTIONS_MATCH,
    ]


# FTS5's phrase frequency: the positions p of the phrase's first lexeme with its j-th lexeme at
# p + j - 1 for every j (single-lexeme phrases are counted in search.py without this function)
PHRASE_TF = r"""
CREATE OR REPLACE FUNCTION phrase_tf(v tsvector, lex text[]) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH u AS (SELECT x.lexeme, x.positions FROM unnest(v) AS x WHERE x.lexeme = ANY (lex))
    SELECT count(*)::integer FROM u AS first, unnest(first.positions) AS p
    WHERE first.lexeme = lex[1]
      AND NOT EXISTS (SELECT 1 FROM generate_series(2, cardinality(lex)) AS j
                      WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.lexeme = lex[j] AND (p + j - 1)::smallint = ANY (u.positions)))
$$
"""

# outlets.py, rule for rule: _host_forms, forms and normalise/matches
OUTLET_FUNCTIONS_HOST = r"""
CREATE OR REPLACE FUNCTION outlet_host_forms(host text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE h text; bare text; labels text[]; n int;
BEGIN
    h := rtrim(lower(btrim(coalesce(host, ''), E' \t\r\n\f\v')), '.');
    IF h = '' THEN RETURN ARRAY[]::text[]; END IF;
    bare := CASE WHEN left(h, 4) = 'www.' THEN substr(h, 5) ELSE h END;
    labels := string_to_array(bare, '.');
    n := coalesce(array_length(labels, 1), 0);
    IF n >= 2 THEN
        n := n - 1;
        IF n >= 2 AND labels[n] = ANY (ARRAY['co', 'com', 'org', 'net', 'gov', 'ac', 'edu', 'ne', 'or']) THEN
            n := n - 1;
        END IF;
        RETURN ARRAY[h, bare, array_to_string(labels[1:n], '.')];
    END IF;
    RETURN ARRAY[h, bare];
END $$
"""

OUTLET_FUNCTIONS_MATCH = r"""
CREATE OR REPLACE FUNCTION outlet_matches(name text, source text, url text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE n text; s text; host text; forms text[] := ARRAY[]::text[];
BEGIN
    n := lower(btrim(coalesce(name, ''), E' \t\r\n\f\v'));
    IF position('://' in n) > 0 THEN
        host := substring(n from '^[a-z][a-z0-9+.-]*://([^/?#]*)');
        host := regexp_replace(coalesce(host, ''), '^.*@', '');
        host := regexp_replace(host, ':[0-9]*$', '');
        IF host <> '' THEN n := host; END IF;
    END IF;
    IF left(n, 4) = 'www.' THEN n := substr(n, 5); END IF;
    IF n = '' THEN RETURN false; END IF;
    s := lower(btrim(coalesce(source, ''), E' \t\r\n\f\v'));
    IF s <> '' THEN
        forms := forms || s || regexp_replace(s, '\s*\([^)]*\)\s*$', '');
        IF s ~ '^[a-z0-9\-]+(\.[a-z0-9\-]+)+\.?$' THEN
            forms := forms || outlet_host_forms(s);
        END IF;
    END IF;
    IF coalesce(url, '') <> '' THEN
        host := substring(url from '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)');
        host := regexp_replace(coalesce(host, ''), '^.*@', '');
        host := regexp_replace(host, ':[0-9]*$', '');
        forms := forms || outlet_host_forms(host);
    END IF;
    RETURN n = ANY (forms);
END $$
"""


MIGRATIONS: list[Callable] = []


def _step(fn: Callable) -> Callable:
    MIGRATIONS.append(fn)
    return fn


@_step
def m001_initial(conn) -> None:
    import uuid
    from datetime import datetime, timezone

    for statement in _functions():
        conn.execute(statement)
    for statement in _statements(SCHEMA):
        conn.execute(statement)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    conn.execute("INSERT INTO manifest(key, value) VALUES ('library_id', ?) ON CONFLICT (key) DO NOTHING", (uuid.uuid4().hex,))
    conn.execute("INSERT INTO manifest(key, value) VALUES ('created_at', ?) ON CONFLICT (key) DO NOTHING", (now,))


@_step
def m002_committed_revisions(conn) -> None:
    """The view is in step 1 here."""


@_step
def m003_canonical_urls_and_accents(conn) -> None:
    """Canonical URLs and accent folding are in step 1 here (no PostgreSQL library predates them)."""


@_step
def m004_fts5_terms(conn) -> None:
    """The full-text index holds FTS5's terms (fulltext.py) instead of PostgreSQL's english
    stemming: chunks.tsv and chunks.words become plain columns, filled here for every chunk, then
    on insert by pg.Connection; the english configuration and tsvector_tokens() go."""
    conn.execute(PHRASE_TF)
    kind = conn.execute("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'chunks'::regclass AND attname = 'tsv'").fetchone()
    if kind is not None and kind[0] == "s":  # a library made before this step
        conn.execute("DROP INDEX IF EXISTS chunks_tsv")
        conn.execute("ALTER TABLE chunks DROP COLUMN tsv, DROP COLUMN words")
        conn.execute("ALTER TABLE chunks ADD COLUMN tsv tsvector, ADD COLUMN words INTEGER")
        conn.execute("ALTER TABLE chunks ALTER COLUMN tsv SET STORAGE MAIN")
        refill_fulltext(conn)
        conn.execute("ALTER TABLE chunks ALTER COLUMN tsv SET NOT NULL, ALTER COLUMN words SET NOT NULL")
        conn.execute("CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv)")
        conn.execute("CREATE INDEX IF NOT EXISTS chunks_words ON chunks(words)")
    conn.execute("DROP FUNCTION IF EXISTS tsvector_tokens(tsvector)")
    conn.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS assistant_english")
    conn.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS assistant_english_stem")


# Postings: one row per (lexeme, chunk) with the lexeme's frequency in the chunk and the chunk's
# length, in a covering btree, so that BM25's document frequencies and scores are read from the
# index alone (index-only scans) instead of from every matching chunk (docs/scaling.md). The rows
# follow chunks.tsv through triggers, in the writer's own transaction: a chunk and its postings
# appear, change and go together (forget, a revision's rows deleted by recovery, reindex).
# chunks.seq is the chunk's number in them (8 bytes instead of the chunk id's text).
POSTINGS = [
    "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS seq BIGINT GENERATED ALWAYS AS IDENTITY",
    "CREATE UNIQUE INDEX IF NOT EXISTS chunks_seq ON chunks(seq)",
    f"""CREATE TABLE IF NOT EXISTS postings (
        lexeme TEXT {C} NOT NULL,
        chunk  BIGINT NOT NULL,   -- chunks.seq
        tf     INTEGER NOT NULL,  -- the lexeme's positions in chunks.tsv (FTS5's term frequency)
        words  INTEGER NOT NULL   -- chunks.words (BM25's document length), so scoring reads no chunk
    )""",
    # unnest() of a tsvector: its lexemes with their positions (at most 256 each, as chunks.tsv
    # holds). Inserted once per statement, in index order: pg.Connection writes a batch's chunks
    # with one INSERT, and sorted rows visit each leaf page of the index once (row by row, each
    # posting went to another page: twice the server's CPU time)
    """CREATE OR REPLACE FUNCTION chunk_postings_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO postings(lexeme, chunk, tf, words)
            SELECT t.lexeme, a.seq, cardinality(t.positions), a.words FROM added AS a, unnest(a.tsv) AS t ORDER BY 1, 2;
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION chunk_postings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM postings WHERE lexeme = ANY (tsvector_to_array(OLD.tsv)) AND chunk = OLD.seq;
        INSERT INTO postings(lexeme, chunk, tf, words)
            SELECT t.lexeme, NEW.seq, cardinality(t.positions), NEW.words FROM unnest(NEW.tsv) AS t;
        RETURN NULL;
    END $$""",
    # by (lexeme, chunk), through the one index: the chunk's lexemes are in its tsvector (row by
    # row, as a revision's cascade deletes its chunks)
    """CREATE OR REPLACE FUNCTION chunk_postings_remove() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM postings WHERE lexeme = ANY (tsvector_to_array(OLD.tsv)) AND chunk = OLD.seq;
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS chunks_postings_insert ON chunks",
    "CREATE TRIGGER chunks_postings_insert AFTER INSERT ON chunks REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_postings_added()",
    "DROP TRIGGER IF EXISTS chunks_postings_update ON chunks",
    "CREATE TRIGGER chunks_postings_update AFTER UPDATE OF tsv, words ON chunks FOR EACH ROW EXECUTE FUNCTION chunk_postings_changed()",
    "DROP TRIGGER IF EXISTS chunks_postings_delete ON chunks",
    "CREATE TRIGGER chunks_postings_delete AFTER DELETE ON chunks FOR EACH ROW EXECUTE FUNCTION chunk_postings_remove()",
]


@_step
def m005_postings(conn) -> None:
    """Postings (lexeme, chunk, tf, words) with a covering index, filled here for every chunk, then
    by triggers; the GIN index on chunks.tsv goes (search reads the postings; a phrase's chunks are
    those with all its lexemes, whose tsvectors then give its frequency)."""
    for statement in POSTINGS:
        conn.execute(statement)
    conn.execute("DROP INDEX IF EXISTS postings_lexeme")  # filled first, indexed after: faster than row by row
    refill_postings(conn)
    conn.execute("CREATE INDEX postings_lexeme ON postings(lexeme, chunk) INCLUDE (tf, words)")
    conn.execute("DROP INDEX IF EXISTS chunks_tsv")
    conn.execute("ANALYZE postings")  # the planner's lexeme frequencies: probes for rare ones, scans for common ones


# The number of chunks and their total length (BM25's N and mean length), which every lexical
# search needs: counting them read the whole index on chunks.words (~8 ms at 100k chunks, growing
# with the library). No row is shared by writers: each statement that inserts, deletes or
# updates chunks appends one row of differences in its own transaction (statement triggers over
# the transition tables), so a reader's sum counts exactly the chunks it sees. The rows are
# folded into one by whichever writer gets a transaction-level advisory lock without waiting
# (namespace 4; pg.py's session locks use 1-3): it deletes the rows it sees and inserts their
# sum, in its own transaction. A concurrent writer's rows, not yet committed, are not seen and
# stay; a writer that does not get the lock leaves its row for the next one. Nobody waits, the
# sum is unchanged by folding, and the table stays a few rows long.
TOTALS_LOCK = 4
TOTALS = [
    """CREATE TABLE IF NOT EXISTS chunk_totals (
        chunks BIGINT NOT NULL,  -- chunks added (removed: negative) by one statement, or a folded sum
        words  BIGINT NOT NULL   -- and their chunks.words
    )""",
    f"""CREATE OR REPLACE FUNCTION chunk_totals_fold() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_try_advisory_xact_lock({TOTALS_LOCK}, 0) THEN
            WITH gone AS (DELETE FROM chunk_totals RETURNING chunks, words)
            INSERT INTO chunk_totals(chunks, words) SELECT coalesce(sum(chunks), 0), coalesce(sum(words), 0) FROM gone;
        END IF;
    END $$""",
    """CREATE OR REPLACE FUNCTION chunk_totals_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO chunk_totals(chunks, words) SELECT count(*), coalesce(sum(words), 0) FROM added HAVING count(*) > 0;
        PERFORM chunk_totals_fold();
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION chunk_totals_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO chunk_totals(chunks, words) SELECT -count(*), -coalesce(sum(words), 0) FROM gone HAVING count(*) > 0;
        PERFORM chunk_totals_fold();
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION chunk_totals_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO chunk_totals(chunks, words)
            SELECT 0, d FROM (SELECT (SELECT coalesce(sum(words), 0) FROM now) - (SELECT coalesce(sum(words), 0) FROM was) AS d) AS x WHERE d <> 0;
        PERFORM chunk_totals_fold();
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS chunks_totals_insert ON chunks",
    "CREATE TRIGGER chunks_totals_insert AFTER INSERT ON chunks REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_totals_added()",
    "DROP TRIGGER IF EXISTS chunks_totals_delete ON chunks",
    "CREATE TRIGGER chunks_totals_delete AFTER DELETE ON chunks REFERENCING OLD TABLE AS gone "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_totals_removed()",
    "DROP TRIGGER IF EXISTS chunks_totals_update ON chunks",
    "CREATE TRIGGER chunks_totals_update AFTER UPDATE ON chunks REFERENCING OLD TABLE AS was NEW TABLE AS now "
    "FOR EACH STATEMENT EXECUTE FUNCTION chunk_totals_changed()",
]


@_step
def m006_chunk_totals(conn) -> None:
    """chunk_totals (the number of chunks and their total length), filled here, then kept by
    statement triggers on chunks (TOTALS)."""
    for statement in TOTALS:
        conn.execute(statement)
    refill_totals(conn)


def refill_totals(conn) -> None:
    """chunk_totals again from the chunks, as one row (step 6; `reindex`, which no writer runs beside)."""
    conn.execute("DELETE FROM chunk_totals")
    conn.execute("INSERT INTO chunk_totals(chunks, words) SELECT count(*), coalesce(sum(words), 0) FROM chunks")


def refill_postings(conn) -> None:
    """The postings of every chunk again, from chunks.tsv (step 5; `reindex`, as SQLite rebuilds
    FTS5's index; none are there in a library without the triggers)."""
    conn.execute("DELETE FROM postings")
    conn.execute("INSERT INTO postings(lexeme, chunk, tf, words) "
                 "SELECT t.lexeme, c.seq, cardinality(t.positions), c.words FROM chunks c, unnest(c.tsv) AS t")


def refill_fulltext(conn) -> int:
    """Compute chunks.tsv and chunks.words again for every chunk (step 4, `reindex`); returns the count."""
    from . import fulltext

    last, done = "", 0
    while True:
        rows = conn.execute("SELECT chunk_id, text FROM chunks WHERE chunk_id > ? ORDER BY chunk_id LIMIT 1000", (last,)).fetchall()
        if not rows:
            return done
        vectors = fulltext.tsvectors([r[1] for r in rows])
        conn.executemany("UPDATE chunks SET tsv = ?::tsvector, words = ? WHERE chunk_id = ?",
                         [(v, n, r[0]) for r, (v, n) in zip(rows, vectors)])
        last, done = rows[-1][0], done + len(rows)


def _statements(script: str) -> list[str]:
    out, buf = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip().rstrip(";")
            if stmt:
                out.append(stmt)
            buf = []
    return out


def version(conn) -> int:
    if conn.execute("SELECT to_regclass('manifest')").fetchone()[0] is None:
        return 0
    row = conn.execute("SELECT value FROM manifest WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def apply(conn, target: int | None = None) -> list[str]:
    """Apply the missing steps, each in its own transaction with its version number, under a
    transaction advisory lock: two processes opening a new library at once create it once."""
    from . import migrations

    target = migrations.SCHEMA_VERSION if target is None else target
    done = []
    while True:
        have = version(conn)
        if have >= target:
            return done
        conn.execute("BEGIN IMMEDIATE")  # READ COMMITTED: the version is read again after the lock
        try:
            conn.execute("SELECT pg_advisory_xact_lock(0, 0)")
            number = version(conn) + 1  # another process may have migrated while we waited
            if number <= target:
                step = MIGRATIONS[number - 1]
                step(conn)
                conn.execute("INSERT INTO manifest(key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (str(number),))
                done.append(step.__name__)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
