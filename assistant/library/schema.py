"""The library's schema as first released (schema version 1).

This text is step 1 of migrations.py and is frozen: a new library runs it and then every later
step, an existing library only the steps it has not had. Change the schema by adding a step to
migrations.py, never by editing this text.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS manifest (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per article; its identity is a normalised URL, an explicit id, a path (+ record index) or a content hash.
CREATE TABLE IF NOT EXISTS articles (
    article_id    TEXT PRIMARY KEY,
    identity      TEXT NOT NULL UNIQUE,
    identity_kind TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

-- Every version of an article's content. Only 'committed' rows are visible to readers
-- (through the view committed_revisions, migration step 2);
-- 'pending' rows are an ingest in flight (or interrupted), 'deleting' a forget in flight.
CREATE TABLE IF NOT EXISTS revisions (
    article_id     TEXT NOT NULL REFERENCES articles(article_id),
    revision       INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'committed', 'deleting')),
    content_hash   TEXT NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT '',
    url            TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL DEFAULT '',
    language       TEXT NOT NULL DEFAULT '',
    published      TEXT,              -- ISO 8601 at its precision, NULL when undated
    published_ts   REAL,              -- seconds since the epoch (UTC), NULL when undated
    date_precision TEXT,              -- day | month | year | time
    updated        TEXT,
    revised_at     TEXT NOT NULL,     -- the revision's own date: the update time, else ingest time
    revised_ts     REAL NOT NULL,
    highlights     TEXT NOT NULL DEFAULT '[]',
    raw_text       TEXT NOT NULL,
    text           TEXT NOT NULL,
    origin         TEXT NOT NULL DEFAULT '',
    format         TEXT NOT NULL DEFAULT '',
    metadata       TEXT NOT NULL DEFAULT '{}',
    ingested_at    TEXT NOT NULL,
    PRIMARY KEY (article_id, revision)
);
CREATE INDEX IF NOT EXISTS revisions_status ON revisions(status);
CREATE INDEX IF NOT EXISTS revisions_published ON revisions(published_ts);

-- Sentences with offsets into revisions.text; id = <article>@<revision>#<idx>.
CREATE TABLE IF NOT EXISTS sentences (
    article_id TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    idx        INTEGER NOT NULL,
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    text       TEXT NOT NULL,
    PRIMARY KEY (article_id, revision, idx),
    FOREIGN KEY (article_id, revision) REFERENCES revisions(article_id, revision) ON DELETE CASCADE
) WITHOUT ROWID;

-- Chunks as embedded (header + whole sentences); chunk_id is the Chroma id.
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id       TEXT PRIMARY KEY,
    article_id     TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    idx            INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence  INTEGER NOT NULL,
    text           TEXT NOT NULL,
    token_count    INTEGER NOT NULL,
    FOREIGN KEY (article_id, revision) REFERENCES revisions(article_id, revision) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS chunks_revision ON chunks(article_id, revision);

-- Full-text index over chunk text, kept in step with chunks by triggers, so it is exactly as
-- transactional as the rows it indexes (pending chunks are indexed too; queries join on
-- the committed_revisions view). Porter stemming measured best on realtimeqa (ENVIRONMENT.md).
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_fts_update AFTER UPDATE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);
END;

-- What each ingest run did, per input.
CREATE TABLE IF NOT EXISTS journal (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    ts         TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    action     TEXT NOT NULL,
    article_id TEXT,
    revision   INTEGER,
    origin     TEXT,
    status     TEXT NOT NULL,
    message    TEXT NOT NULL DEFAULT ''
);

-- Vectors by (embedder, text hash): re-ingest and reindex skip work already done.
CREATE TABLE IF NOT EXISTS embed_cache (
    embedder  TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (embedder, text_hash)
) WITHOUT ROWID;

-- Feeds remembered by `ingest FEED_URL`; `update` fetches them again (conditional GET).
CREATE TABLE IF NOT EXISTS feeds (
    url           TEXT PRIMARY KEY,
    title         TEXT NOT NULL DEFAULT '',
    etag          TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    added_at      TEXT NOT NULL,
    last_checked  TEXT,
    last_status   TEXT NOT NULL DEFAULT ''
);
-- Entries already ingested from a feed, with a fingerprint of what the feed said about them:
-- `update` skips unchanged entries without fetching their pages again.
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url    TEXT NOT NULL,
    entry_key   TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    article_id  TEXT,
    seen_at     TEXT NOT NULL,
    PRIMARY KEY (feed_url, entry_key)
) WITHOUT ROWID;

-- Copies and stories (assistant/news/clusters.py): derived data, recomputed from the committed
-- revisions whenever they change, so a crash at any point loses nothing that cannot be rebuilt.
-- news_signatures: per article, the latest revision's MinHash, names, numbers, lead vector, dates.
CREATE TABLE IF NOT EXISTS news_signatures (
    article_id TEXT PRIMARY KEY,
    revision   INTEGER NOT NULL,
    embedder   TEXT NOT NULL,
    minhash    BLOB NOT NULL,
    shingles   INTEGER NOT NULL,
    names      TEXT NOT NULL DEFAULT '[]',
    numbers    TEXT NOT NULL DEFAULT '[]',
    vector     BLOB,
    lo_ts      REAL,
    hi_ts      REAL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS copy_groups (
    article_id TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS copy_groups_group ON copy_groups(group_id);
CREATE TABLE IF NOT EXISTS stories (
    article_id TEXT PRIMARY KEY,
    story_id   TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stories_story ON stories(story_id);
"""
