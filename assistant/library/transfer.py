"""Export and import: the library as JSON Lines, to back it up or move it to another library.

The file's first line is a header, ``{"format": "news-assistant-export", "version": 1, ...}``,
so that nothing takes it for articles (``ingest`` refuses it). Every other line is one record:

    {"type": "article", "article_id", "identity", "identity_kind", "created_at", "same_as",
     "revisions": [{every column of revisions but status, "sentences": [[start, end, text], ...]}]}
    {"type": "feed", url, title, etag, last_modified, added_at, last_checked, last_status,
     "entries": [{entry_key, fingerprint, article_id, seen_at}]}

Sentences are listed in index order, so sentence ids (<article>@<revision>#<index>) come back as
they were. Chunks, vectors, the embedding cache, copies and stories are derived data and are
not exported: import re-chunks and re-embeds with the importing library's settings, then
regroups. The journal is the exporting library's history and stays with it.
"""

from __future__ import annotations

import json
from typing import Iterator

from ..errors import InputError

FORMAT = "news-assistant-export"
VERSION = 1

# the revision columns an export carries (all but status: only committed revisions are exported)
REVISION_FIELDS = (
    "revision", "content_hash", "title", "source", "url", "author", "language", "published", "published_ts",
    "date_precision", "updated", "revised_at", "revised_ts", "highlights", "raw_text", "text", "origin", "format",
    "metadata", "ingested_at",
)
_REQUIRED_REVISION = ("revision", "content_hash", "revised_at", "revised_ts", "raw_text", "text", "ingested_at")
_JSON_COLUMNS = ("highlights", "metadata")
_OPTIONAL_TEXT = (str, type(None))
_TYPES = {  # what each revision field may hold (a wrong type would be stored as it is, or fail half-way)
    **{k: str for k in ("content_hash", "revised_at", "raw_text", "text", "ingested_at")},
    **{k: _OPTIONAL_TEXT for k in ("title", "source", "url", "author", "language", "origin", "format", "published", "date_precision", "updated")},
    "published_ts": (int, float, type(None)), "revised_ts": (int, float), "highlights": (list, type(None)), "metadata": (dict, type(None)),
}  # stored as JSON text, exported as JSON values


def is_export_header(line: str) -> bool:
    """Whether a file's first line is an export header (ingest uses this to refuse the file)."""
    line = line.strip()
    if not line.startswith("{") or FORMAT not in line:
        return False
    try:
        head = json.loads(line)
    except ValueError:
        return False
    return isinstance(head, dict) and head.get("format") == FORMAT


# --------------------------------------------------------------------------- export
def export_records(lib) -> Iterator[dict]:
    """The header, then one record per article (committed revisions only) and per feed.

    Read inside one transaction: a writer working meanwhile is not seen half-way (WAL snapshot)."""
    conn = lib.conn
    conn.execute("BEGIN")
    try:
        man = lib.manifest()
        ids = [r[0] for r in conn.execute("SELECT DISTINCT article_id FROM committed_revisions ORDER BY article_id")]
        yield {"format": FORMAT, "version": VERSION, "schema_version": lib.schema_version(),
               "library_id": man.get("library_id", ""), "articles": len(ids)}
        aliases = dict(_aliases(conn))
        for article_id in ids:
            a = conn.execute("SELECT article_id, identity, identity_kind, created_at FROM articles WHERE article_id=?", (article_id,)).fetchone()
            revisions = []
            for r in conn.execute("SELECT * FROM committed_revisions WHERE article_id=? ORDER BY revision", (article_id,)).fetchall():
                rev = {k: r[k] for k in REVISION_FIELDS}
                for k in _JSON_COLUMNS:
                    rev[k] = json.loads(rev[k])
                rev["sentences"] = [[s[0], s[1], s[2]] for s in conn.execute(
                    'SELECT start, "end", text FROM sentences WHERE article_id=? AND revision=? ORDER BY idx', (article_id, r["revision"]))]
                revisions.append(rev)
            yield {"type": "article", "article_id": article_id, "identity": a["identity"], "identity_kind": a["identity_kind"],
                   "created_at": a["created_at"], "same_as": aliases.get(article_id), "revisions": revisions}
        for f in conn.execute("SELECT * FROM feeds ORDER BY url").fetchall():
            entries = [dict(e) for e in conn.execute(
                "SELECT entry_key, fingerprint, article_id, seen_at FROM feed_entries WHERE feed_url=? ORDER BY entry_key", (f["url"],))]
            yield {"type": "feed", **dict(f), "entries": entries}
    finally:
        conn.execute("COMMIT")


def _aliases(conn) -> list[tuple[str, str]]:
    try:
        return [(r[0], r[1]) for r in conn.execute("SELECT article_id, same_as FROM article_aliases")]
    except Exception as exc:  # a library opened read-only before migration m003
        if "no such table" in str(exc):
            return []
        raise


# --------------------------------------------------------------------------- reading a file
def read_records(path: str) -> Iterator[tuple[int, dict]]:
    """(line number, record) of an export file, header first; InputError (one line) for anything
    that is not a well-formed export. Callers read it twice: once to check, once to write."""
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", "check the path")
    with fh:
        try:
            first = fh.readline()
            if not is_export_header(first):
                raise InputError(f"{path} is not an assistant export (its first line is not an export header)",
                                 "make one with: assistant export -o FILE; to add articles use: assistant ingest")
            head = json.loads(first)
            if head.get("version") != VERSION:
                raise InputError(f"{path} is export version {head.get('version')!r}; this version reads version {VERSION}",
                                 "upgrade the assistant, or export again with this version")
            yield 1, head
            for lineno, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as exc:
                    raise InputError(f"{path}: line {lineno} is not valid JSON ({exc})", "the file is damaged; export it again")
                yield lineno, _checked(rec, path, lineno)
        except UnicodeDecodeError:
            raise InputError(f"{path} is not UTF-8 text", "give the file assistant export wrote")


def _checked(rec, path: str, lineno: int) -> dict:
    def bad(what: str):
        return InputError(f"{path}: line {lineno}: {what}", "the file is damaged or was edited; export it again")

    if not isinstance(rec, dict) or rec.get("type") not in ("article", "feed"):
        raise bad("not an article or feed record")
    if rec["type"] == "feed":
        if not isinstance(rec.get("url"), str) or not isinstance(rec.get("entries", []), list):
            raise bad("a feed without a url")
        return rec
    for k in ("article_id", "identity", "identity_kind", "created_at"):
        if not isinstance(rec.get(k), str) or not rec[k]:
            raise bad(f"article without {k}")
    revs = rec.get("revisions")
    if not isinstance(revs, list) or not revs:
        raise bad(f"article {rec['article_id']} has no revisions")
    seen = set()
    for rev in revs:
        if not isinstance(rev, dict) or any(k not in rev for k in _REQUIRED_REVISION):
            raise bad(f"article {rec['article_id']}: a revision lacks " + ", ".join(k for k in _REQUIRED_REVISION if not isinstance(rev, dict) or k not in rev))
        if not isinstance(rev["revision"], int) or rev["revision"] < 1 or rev["revision"] in seen:
            raise bad(f"article {rec['article_id']}: bad or repeated revision number {rev['revision']!r}")
        seen.add(rev["revision"])
        where = f"article {rec['article_id']}@{rev['revision']}"
        wrong = [k for k, kinds in _TYPES.items() if k in rev and not isinstance(rev[k], kinds)]
        if wrong or isinstance(rev.get("revision"), bool):
            raise bad(f"{where}: wrong type of " + ", ".join(wrong or ["revision"]))
        sents = rev.get("sentences")
        if not isinstance(sents, list) or not all(
                isinstance(s, list) and len(s) == 3 and isinstance(s[0], int) and isinstance(s[1], int) and isinstance(s[2], str)
                and 0 <= s[0] <= s[1] <= len(rev["text"]) for s in sents):
            raise bad(f"{where}: sentences must be [start, end, text] lists with offsets into the text")
    return rec


# --------------------------------------------------------------------------- import (rows)
def clash(lib, rec: dict) -> str | None:
    """Why an article record cannot be imported into this library as it is, or None."""
    if lib.article_exists(rec["article_id"]):
        return "the article id exists already (the library's copy is kept)"
    holder = lib.article_by_identity(rec["identity"])
    if holder is not None:
        return f"the same page is article {holder} here (kept)"
    return None


def insert_pending(conn, rec: dict) -> list[tuple[str, int]]:
    """Insert an article's rows with every revision 'pending' (the writer embeds, then commits)."""
    article_id = rec["article_id"]
    conn.execute("INSERT INTO articles(article_id, identity, identity_kind, created_at) VALUES (?,?,?,?)",
                 (article_id, rec["identity"], rec["identity_kind"], rec["created_at"]))
    if rec.get("same_as"):
        conn.execute("INSERT INTO article_aliases(article_id, same_as) VALUES (?, ?) ON CONFLICT (article_id) DO UPDATE SET same_as = excluded.same_as",
                     (article_id, rec["same_as"]))
    keys = []
    for rev in sorted(rec["revisions"], key=lambda r: r["revision"]):
        values = {k: rev.get(k) for k in REVISION_FIELDS}
        values["highlights"] = json.dumps(rev.get("highlights") or [], ensure_ascii=False)
        values["metadata"] = json.dumps(rev.get("metadata") or {}, ensure_ascii=False)
        for k in ("title", "source", "url", "author", "language", "origin", "format"):
            values[k] = values[k] or ""
        cols = ", ".join(REVISION_FIELDS)
        conn.execute(f"INSERT INTO revisions(article_id, status, {cols}) VALUES (?, 'pending', {', '.join('?' * len(REVISION_FIELDS))})",
                     (article_id, *[values[k] for k in REVISION_FIELDS]))
        conn.executemany('INSERT INTO sentences(article_id, revision, idx, start, "end", text) VALUES (?,?,?,?,?,?)',
                         [(article_id, rev["revision"], i, s, e, t) for i, (s, e, t) in enumerate(rev["sentences"])])
        keys.append((article_id, rev["revision"]))
    return keys


def revision_header(conn, article_id: str, revision: int):
    """What chunking needs of a pending revision: (title, published, source)."""
    return conn.execute("SELECT title, published, source FROM revisions WHERE article_id=? AND revision=?", (article_id, revision)).fetchone()


def insert_feed(conn, rec: dict) -> bool:
    """Remember a feed and its entries; a feed this library has already is left as it is (False)."""
    if conn.execute("SELECT 1 FROM feeds WHERE url=?", (rec["url"],)).fetchone():
        return False
    conn.execute("INSERT INTO feeds(url, title, etag, last_modified, added_at, last_checked, last_status) VALUES (?,?,?,?,?,?,?)",
                 (rec["url"], rec.get("title") or "", rec.get("etag") or "", rec.get("last_modified") or "", rec.get("added_at") or "",
                  rec.get("last_checked"), rec.get("last_status") or ""))
    conn.executemany("INSERT INTO feed_entries(feed_url, entry_key, fingerprint, article_id, seen_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                     [(rec["url"], e.get("entry_key", ""), e.get("fingerprint", ""), e.get("article_id"), e.get("seen_at") or "")
                      for e in rec.get("entries", []) if isinstance(e, dict)])
    return True
