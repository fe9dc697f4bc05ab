"""The library's writer: ingest, forget and reindex, crash-safe by construction.

Order of writes for new content:
  1. revision, sentences and chunks are inserted with status 'pending' (one transaction);
  2. chunk vectors are upserted into Chroma (idempotent: ids are deterministic);
  3. the revisions are marked 'committed' (one transaction).
Readers only see committed rows. A process killed anywhere leaves pending rows that the
next writer completes (steps 2 and 3 again) before doing anything else, so there are no
duplicates and no orphans. ``forget`` marks rows 'deleting', removes vectors, then rows.

Several writers at once (PostgreSQL): a writer claims each article (``Library.claim``, an
advisory lock on its identity) before reading its revisions and keeps the claim until its batch
is committed; when another writer holds it, the batch is flushed first (releasing every claim),
so a writer waits only while holding nothing and writers never deadlock. Recovery completes or
deletes only what no live writer claims. SQLite writers hold the data-directory lock instead,
where claims cost nothing.

What to store for an article (identity, content hash, sentences, chunks) is computed by the
``preparer`` handed in (ingest/prepare.py); this module only writes it. Vectors go through the
embedding cache (``embed_texts``). The fault points (util.fault_point) are where the crash
tests and benchmarks/kill_loop.py kill a run.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice
from typing import Callable, Iterable

import numpy as np

from ..dates import ParsedDate, parse_date
from ..errors import AssistantError, EmbedderMismatch, InputError
from ..types import ParsedArticle, chunk_id
from ..util import fault_point, sha256_text, short_id
from .store import Library, now_iso

BATCH_ARTICLES = 32
# What a library built before a chunk setting was recorded was built with (the setting did not exist).
LEGACY_MANIFEST = {"chunk_opening_tokens": "0"}


EMBED_SLICE = 256  # chunks embedded and upserted at a time (memory stays bounded, progress moves)


@dataclass
class Outcome:
    origin: str
    action: str  # added | revised | unchanged | failed | skipped
    article_id: str = ""
    revision: int = 0
    title: str = ""
    message: str = ""
    hint: str = ""

    def to_dict(self) -> dict:
        d = {"origin": self.origin, "action": self.action}
        if self.article_id:
            d.update(article_id=self.article_id, revision=self.revision, title=self.title)
        if self.message:
            d.update(message=self.message, hint=self.hint)
        return d


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: int = 0
    seconds: float = 0.0
    chunks_embedded: int = 0
    retried: list[str] = field(default_factory=list)  # transactions the server aborted and the writer ran again (Library.write)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == "failed"]


@dataclass
class _Prepared:
    art: ParsedArticle
    article_id: str
    identity: str
    kind: str
    revision: int
    is_new_article: bool
    chash: str
    sents: list[tuple[int, int, str]]
    chunks: list[tuple[int, int, str, int]]
    # a revision's first dated committed revision (published, published_ts, date_precision), when
    # _look_ahead read it (first_known), else _revision_row asks
    first_dated: tuple | None = None
    first_known: bool = False


class Writer:
    """Everything that writes to the library and the vector index. Hold the write lock while using it."""

    def __init__(self, library: Library, embedder, index, settings, progress: Callable[[int], None] | None = None, preparer=None):
        self.lib = library
        self.embedder = embedder
        self.index = index
        self.settings = settings
        self.preparer = preparer  # ingest.prepare.Preparer: needed by ingest and reindex
        self.run_id = uuid.uuid4().hex[:12]
        # progress counts chunks embedded; a progress callable may also take the total as it becomes
        # known (progress.add_total(n)), so a bar can show N/M and an ETA (cli.progress_bar does)
        self.progress = progress or (lambda n: None)
        self.add_total = getattr(progress, "add_total", None) or (lambda n: None)
        # called with a batch's (article_id, revision) keys once they are committed, while their
        # claims are still held (the writer session signs them for copies and stories)
        self.after_commit: Callable[[list[tuple[str, int]]], None] | None = None
        self._manifest_stored: dict[str, str] | None = None  # what this writer saw committed in the manifest
        # identity -> (article_id, its Library.revision_heads tuple) for an article that exists,
        # (None, a free new id or None) for one that does not: read by _look_ahead under the
        # article's claim, dropped when the claims are released
        self._known: dict[str, tuple] = {}

    # -- manifest -------------------------------------------------------------------------
    def wanted_manifest(self) -> dict[str, str]:
        return {
            "embedder": self.embedder.name,
            "chunk_tokens": str(self.settings.chunk_tokens),
            "chunk_overlap": str(self.settings.chunk_overlap),
            "chunk_opening_tokens": str(self.settings.chunk_opening_tokens),
        }

    def check_manifest(self) -> None:
        """Refuse to mix vectors of two embedders or chunks of two settings in one library."""
        have = self.lib.manifest()
        if "embedder" not in have:
            return
        if have.get("vectors_state") == "rebuilding":
            raise EmbedderMismatch("the vector index was being rebuilt when a previous run stopped", "run: assistant reindex")
        for key, want in self.wanted_manifest().items():
            built = have.get(key, LEGACY_MANIFEST.get(key))
            if built != want and not (key == "chunk_opening_tokens" and not self._has_untitled()):
                raise EmbedderMismatch(
                    f"this library was built with {key}={built}, but {key}={want} is configured",
                    "run 'assistant reindex' to rebuild it with the new settings, or change the setting back",
                )

    def _has_untitled(self) -> bool:
        """Whether a committed revision has no title: chunk_opening_tokens changes only their chunks,
        so a library without one takes the new setting without a reindex."""
        return self.lib.conn.execute("SELECT 1 FROM committed_revisions WHERE COALESCE(title, '') = '' LIMIT 1").fetchone() is not None

    def _record_manifest(self, conn) -> None:
        """Write the settings into the manifest, only the keys that differ: every commit of every
        writer calls this, and rewriting unchanged rows made concurrent commits queue on their row
        locks (PostgreSQL) for nothing."""
        values = self.wanted_manifest()
        if self.embedder.dimensions:
            values["dimensions"] = str(self.embedder.dimensions)
        if self._manifest_stored == values:
            return
        have = self.lib.manifest()
        changed = {k: v for k, v in values.items() if have.get(k) != v}
        if changed:
            self.lib.set_manifest(conn, **changed)
        else:  # read committed and equal: later commits of this writer need not look again
            self._manifest_stored = values

    # -- recovery -------------------------------------------------------------------------
    def pending_work(self) -> tuple[int, int]:
        """(revisions, chunks) an interrupted writer left pending: what recover() would embed."""
        try:  # not those a live writer is working on (PostgreSQL)
            pending = self._orphaned("pending")
        finally:
            self._release()
        return len(pending), sum(len(self.lib.chunk_ids_of(a, r)) for a, r in pending)

    def _orphaned(self, status: str) -> list[tuple[str, int]]:
        """The revisions in this status that no live writer claims, now claimed by this one (the
        caller releases them). Read again after claiming: their writer may have finished meanwhile."""
        found = self.lib.revisions_with_status(status)
        if not found or self.lib.dialect == "sqlite":
            return found
        claimed = {a for a in {a for a, _ in found} if self.lib.try_claim(self.lib.identity_of(a))}
        return [k for k in self.lib.revisions_with_status(status) if k[0] in claimed]

    def discard_pending(self) -> int:
        """Drop the revisions an interrupted writer left pending instead of completing them (crash-safe:
        they go through the same deleting state as forget). Returns how many were dropped."""
        try:
            pending = self._orphaned("pending")
            if not pending:
                return 0
            def discard(c) -> None:
                for article_id, rev in pending:
                    _set_status(c, article_id, rev, "deleting", only_from="pending")
                    self.lib.journal(c, self.run_id, "discard", "deleting", article_id, rev)

            self.lib.write(discard, "discarding pending revisions")
            return self.recover_deletions()
        finally:
            self._release()

    def recover(self) -> int:
        """Finish what an interrupted writer left: complete pending revisions, finish deletions."""
        done = self.recover_deletions(journal=True)
        try:
            pending = self._orphaned("pending")
            if pending:
                self._embed_and_upsert(pending)

                def commit(c) -> None:
                    self._record_manifest(c)
                    for article_id, rev in pending:
                        _set_status(c, article_id, rev, "committed", only_from="pending")
                        self.lib.journal(c, self.run_id, "recover", "committed", article_id, rev)

                self.lib.write(commit, "committing recovered revisions")
                done += len(pending)
        finally:
            self._release()
        return done

    # -- ingest ---------------------------------------------------------------------------
    def ingest(self, articles: Iterable[ParsedArticle], report: Report) -> None:
        batch: list[_Prepared] = []
        identities: set[str] = set()

        def flush() -> None:  # commits the batch and releases every claim
            nonlocal batch, identities
            self._flush(batch, report)
            batch, identities = [], set()

        try:
            stream = iter(articles)
            while True:
                # the next articles, as many as the batch has room for: claimed and looked up
                # together (_look_ahead), a few round trips for them all instead of ~4 each
                group = list(islice(stream, max(1, BATCH_ARTICLES - len(batch))))
                if not group:
                    break
                self._look_ahead(group)
                for art in group:
                    try:
                        prep = self._prepare(art, report, flush)
                    except InputError as exc:
                        report.outcomes.append(Outcome(art.origin, "failed", message=exc.message, hint=exc.hint))
                        continue
                    if prep is None:
                        continue
                    if prep.identity in identities:  # the same article twice in one batch: settle the first one
                        flush()
                        prep = self._prepare(art, report, flush)
                        if prep is None:
                            continue
                    batch.append(prep)
                    identities.add(prep.identity)
                    if len(batch) >= BATCH_ARTICLES:
                        flush()
            flush()
        finally:
            self._release()

    def _look_ahead(self, group: list[ParsedArticle]) -> None:
        """Claim the articles of a group without waiting, in one round trip, and read what _prepare
        needs of those claimed (their article ids, latest revisions and content hashes, whether a
        new one's id is free) in one query each: ~4 round trips per group instead of ~4 per article,
        which a server makes each cost a network round trip and a statement. An article another
        writer claims is left to _prepare, which waits for it holding nothing, as before. What is
        read stays true while the claims are held, so it is dropped when they are released."""
        wanted = []
        for art in group:
            try:
                wanted.append(self.preparer.identity(art)[0])
            except InputError:
                continue
        claimed = sorted(self.lib.try_claim_many(list(dict.fromkeys(wanted))) - set(self._known))
        if not claimed:
            return
        ids = self.lib.articles_by_identity(claimed)
        heads = self.lib.revision_heads(sorted(set(ids.values())))
        fresh = {identity: short_id(identity, 12) for identity in claimed if identity not in ids}
        taken = self.lib.existing_article_ids(sorted(set(fresh.values())))
        for identity in claimed:
            if identity in ids:
                self._known[identity] = (ids[identity], heads.get(ids[identity], (None, None, 0, None)))
            else:
                self._known[identity] = (None, fresh[identity] if fresh[identity] not in taken else None)

    def _release(self) -> None:
        """Release every claim (and forget what was read under them)."""
        self._known.clear()
        self.lib.release_claims()

    def _prepare(self, art: ParsedArticle, report: Report, flush: Callable[[], None] = lambda: None) -> _Prepared | None:
        identity, kind = self.preparer.identity(art)
        if not self.lib.try_claim(identity):  # another writer is writing this article: wait holding nothing
            flush()
            self.lib.claim(identity)
        chash = self.preparer.content_hash(art)
        known = self._known.get(identity)  # read by _look_ahead under this claim, or nothing
        article_id = self.lib.article_by_identity(identity) if known is None else known[0]
        is_new = article_id is None
        if is_new:
            article_id = (known and known[1]) or self._new_article_id(identity)
            revision = 1
        else:
            if known is not None:
                latest, latest_hash, top, first = known[1]
            else:
                revs = self.lib.revisions_of(article_id, statuses=("committed",))
                latest, latest_hash = (revs[-1]["revision"], revs[-1]["content_hash"]) if revs else (None, None)
                top = first = None
            if latest is not None and latest_hash == chash:
                report.outcomes.append(Outcome(art.origin, "unchanged", article_id, latest, art.title))
                return None
            revision = (top if top is not None else self.lib.max_revision(article_id)) + 1
        sents = self.preparer.sentences(art)
        pub = parse_date(art.published)
        chunks = self.preparer.chunks([s[2] for s in sents], art.title, pub.iso if pub else "", art.source)
        prep = _Prepared(art, article_id, identity, kind, revision, is_new, chash, sents, chunks)
        if not is_new and known is not None:
            prep.first_dated, prep.first_known = first, True
        return prep

    def _new_article_id(self, identity: str) -> str:
        for length in (12, 16, 24, 40):
            candidate = short_id(identity, length)
            if not self.lib.article_exists(candidate):
                return candidate
        raise AssistantError("could not allocate an article id", "report this as a bug")

    def _flush(self, batch: list[_Prepared], report: Report) -> None:
        try:
            self._write_batch(batch, report)
        finally:
            self._release()

    def _write_batch(self, batch: list[_Prepared], report: Report) -> None:
        if not batch:
            return
        now = now_iso()
        articles = [(p.article_id, p.identity, p.kind, now) for p in batch if p.is_new_article]
        sentences = [(p.article_id, p.revision, i, s, e, t) for p in batch for i, (s, e, t) in enumerate(p.sents)]
        chunks = [row for p in batch for row in _chunk_rows(p.article_id, p.revision, p.chunks)]

        def pending(c) -> None:  # all of it again if the server aborts it (Library.write)
            revisions = [self._revision_row(c, p, now) for p in batch]
            # a batch's rows in one statement per table (a round trip per statement counts on a server)
            c.executemany("INSERT INTO articles(article_id, identity, identity_kind, created_at) VALUES (?,?,?,?)", articles)
            c.executemany(_INSERT_REVISION, revisions)
            c.executemany(_INSERT_SENTENCE, sentences)
            c.executemany(_INSERT_CHUNK, chunks)

        self.lib.write(pending, f"writing a batch of {len(batch)} article(s)")
        fault_point("after_pending")
        keys = [(p.article_id, p.revision) for p in batch]
        report.chunks_embedded += self._embed_and_upsert(keys)
        fault_point("after_vectors")
        actions = [(p, "added" if p.revision == 1 else "revised") for p in batch]

        def commit(c) -> None:
            # the manifest is written with the first commit (dimensions are known by then),
            # so a run that failed before committing anything does not pin its settings
            self._record_manifest(c)
            c.executemany("UPDATE revisions SET status=? WHERE article_id=? AND revision=?", [("committed", p.article_id, p.revision) for p in batch])
            self.lib.journal_many(c, self.run_id, [("ingest", action, p.article_id, p.revision, p.art.origin) for p, action in actions])

        self.lib.write(commit, f"committing a batch of {len(batch)} article(s)")
        report.outcomes += [Outcome(p.art.origin, action, p.article_id, p.revision, p.art.title) for p, action in actions]
        fault_point("after_commit")
        if self.after_commit is not None:
            self.after_commit(keys)

    def _revision_row(self, c, p: _Prepared, now: str) -> tuple:
        """The values of the pending revision row (_INSERT_REVISION) of a prepared article."""
        art = p.art
        pub = parse_date(art.published)
        upd = parse_date(art.updated)
        if not p.is_new_article:
            # an updated story keeps its original publication date: a later revision without one,
            # or with a later one (feeds and pages often move "published" to the update time), keeps the first
            first = p.first_dated if p.first_known else c.execute(
                "SELECT published, published_ts, date_precision FROM committed_revisions WHERE article_id=? AND published_ts IS NOT NULL ORDER BY revision LIMIT 1",
                (p.article_id,),
            ).fetchone()
            if first is not None and (pub is None or pub.timestamp > first[1]):
                if pub is not None and upd is None and pub.timestamp > first[1]:
                    upd = pub  # the moved "published" time is really the update time
                pub = ParsedDate(first[0], first[2], first[1])
        # a revision is dated by the article's update time when it has one, else by when we saw it
        revised = upd or (pub if p.revision == 1 and pub else None)
        revised_at = revised.iso if revised else now
        revised_ts = revised.timestamp if revised else datetime.now(timezone.utc).timestamp()
        meta = dict(art.extra)
        if art.notes:
            meta["dropped"] = art.notes
        return (
            p.article_id, p.revision, p.chash, art.title, art.source, art.url, art.author, art.language,
            pub.iso if pub else None, pub.timestamp if pub else None, pub.precision if pub else None,
            upd.iso if upd else None, revised_at, revised_ts, json.dumps(art.highlights, ensure_ascii=False),
            art.raw, art.text, art.origin, art.fmt, json.dumps(meta, ensure_ascii=False), now,
        )

    # -- import ---------------------------------------------------------------------------
    def import_records(self, records: Iterable[dict], result: dict) -> None:
        """Rebuild exported articles (library/transfer.py) with their ids, revisions and sentences.

        The ingest protocol: a batch's rows go in 'pending' (chunked with this library's settings),
        their vectors are upserted, then they are committed. An article whose id or page this
        library has already is left as it is and reported in result["skipped"]."""
        from . import transfer

        batch: list[dict] = []
        for rec in records:
            if rec.get("type") == "feed":
                result["feeds"] += self.lib.write(lambda c, rec=rec: transfer.insert_feed(c, rec), "importing a feed")
                continue
            batch.append(rec)
            if len(batch) >= BATCH_ARTICLES:
                self._import_batch(batch, result)
                batch = []
        self._import_batch(batch, result)

    def _import_batch(self, batch: list[dict], result: dict) -> None:
        if not batch:
            return
        for identity in sorted({rec["identity"] for rec in batch}):  # in one order: two importers never deadlock
            self.lib.claim(identity)
        try:
            self._import_claimed(batch, result)
        finally:
            self._release()

    def _import_claimed(self, batch: list[dict], result: dict) -> None:
        from . import transfer

        def pending(c) -> tuple[list[tuple[str, int]], list[dict], list[dict]]:  # all of it again if the server aborts it
            keys, taken, skipped = [], [], []
            for rec in batch:
                why = transfer.clash(self.lib, rec)
                if why:
                    skipped.append({"article_id": rec["article_id"], "reason": why})
                    continue
                for article_id, rev in transfer.insert_pending(c, rec):
                    head = transfer.revision_header(c, article_id, rev)
                    sents = [s.text for s in self.lib.sentences(article_id, rev)]
                    _insert_chunks(c, article_id, rev, self.preparer.chunks(sents, head["title"], head["published"] or "", head["source"]))
                    keys.append((article_id, rev))
                taken.append(rec)
            return keys, taken, skipped

        keys, taken, skipped = self.lib.write(pending, f"importing a batch of {len(batch)} article(s)")
        result["skipped"] += skipped
        fault_point("after_pending")
        result["chunks"] += self._embed_and_upsert(keys)
        fault_point("after_vectors")

        def commit(c) -> None:
            self._record_manifest(c)
            for article_id, rev in keys:
                _set_status(c, article_id, rev, "committed", only_from="pending")
                self.lib.journal(c, self.run_id, "import", "committed", article_id, rev)

        self.lib.write(commit, "committing imported articles")
        fault_point("after_commit")
        result["imported"] += len(taken)
        result["revisions"] += len(keys)

    # -- vectors --------------------------------------------------------------------------
    def _embed_and_upsert(self, keys: list[tuple[str, int]]) -> int:
        """Embed (through the cache) and upsert the chunks of these revisions. Returns chunks embedded."""
        if not keys:
            return 0
        rows = []
        wanted = set(keys)
        found: dict[tuple[str, int], list] = {}
        articles = sorted({a for a, _ in keys})
        for i in range(0, len(articles), 200):  # a query per 200 articles, not per revision (round trips count on a server)
            part = articles[i : i + 200]
            for r in self.lib.conn.execute(
                    "SELECT c.chunk_id, c.article_id, c.revision, c.idx, c.text, r.published_ts, r.source FROM chunks c"
                    f" JOIN revisions r USING (article_id, revision) WHERE c.article_id IN ({','.join('?' * len(part))})", part):
                if (r["article_id"], r["revision"]) in wanted:
                    found.setdefault((r["article_id"], r["revision"]), []).append(r)
        for key in keys:
            for r in sorted(found.get(key, []), key=lambda r: r["idx"]):
                rows.append((r["chunk_id"], key[0], key[1], r["idx"], r["text"], r["published_ts"], r["source"]))
        self.add_total(len(rows))
        # in slices: a 50 MB text is ~100,000 chunks, and their vectors as Python lists would take
        # gigabytes at once; a slice bounds memory and moves the progress bar as it goes
        for i in range(0, len(rows), EMBED_SLICE):
            part = rows[i : i + EMBED_SLICE]
            vectors = self.embed_texts([r[4] for r in part])
            metadatas = [
                {
                    "article_id": a, "revision": rev, "chunk": idx, "source": src or "",
                    # Chroma compares numbers only and stores no nulls: -1 marks an undated article
                    "published_ts": float(ts) if ts is not None else -1.0,
                }
                for (_, a, rev, idx, _, ts, src) in part
            ]
            self.index.upsert([r[0] for r in part], vectors, metadatas)
            self.progress(len(part))
        return len(rows)

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Vectors for texts, from the cache where possible; new ones are stored in the cache."""
        hashes = [sha256_text(t) for t in texts]
        cached = self.lib.cached_vectors(self.embedder.name, list(set(hashes)))
        missing = sorted({h: t for h, t in zip(hashes, texts) if h not in cached}.items())
        if missing:
            fresh = self.embedder.embed_documents([t for _, t in missing])
            items = [(h, np.asarray(v, dtype=np.float32).tobytes()) for (h, _), v in zip(missing, fresh)]
            self.lib.store_vectors(self.embedder.name, items)
            cached.update(dict(items))
        return [np.frombuffer(cached[h], dtype=np.float32).tolist() for h in hashes]

    # -- forget ---------------------------------------------------------------------------
    def forget(self, article_ids: list[str]) -> int:
        if not article_ids:
            return 0
        try:
            for identity in sorted({self.lib.identity_of(a) for a in article_ids}):  # in one order: no deadlock
                self.lib.claim(identity)
            def mark(c) -> None:
                for a in article_ids:
                    _set_status(c, a, None, "deleting")
                    self.lib.journal(c, self.run_id, "forget", "deleting", a)

            self.lib.write(mark, "marking articles to forget")
            fault_point("forget_marked")
            return self.recover_deletions()
        finally:
            self._release()

    def recover_deletions(self, journal: bool = False) -> int:
        """Finish deletions: vectors first, then rows (a forget journals when it marks, recovery here).
        Only deletions no live writer claims (a forget in flight finishes its own)."""
        n = 0
        try:
            for article_id, rev in self._orphaned("deleting"):
                self.index.delete(self.lib.chunk_ids_of(article_id, rev))

                def delete(c, article_id=article_id, rev=rev) -> None:
                    self.lib.delete_revision_rows(c, article_id, rev)
                    if journal:
                        self.lib.journal(c, self.run_id, "recover", "deleted", article_id, rev)

                self.lib.write(delete, "deleting a revision")
                n += 1
        finally:
            self._release()
        return n

    # -- reindex --------------------------------------------------------------------------
    def reindex(self) -> dict:
        """Re-chunk every committed revision with the current settings and rebuild all vectors."""
        t0 = time.perf_counter()
        # plain transactions, not Library.write: reindex holds the library alone (exclusive), so no
        # other writer can deadlock with it
        with self.lib.transaction() as c:
            self.lib.set_manifest(c, vectors_state="rebuilding")
        self.index.drop()
        revs = self.lib.conn.execute("SELECT article_id, revision, title, published, source FROM committed_revisions ORDER BY article_id, revision").fetchall()
        total_chunks = 0
        for i in range(0, len(revs), BATCH_ARTICLES):
            part = revs[i : i + BATCH_ARTICLES]
            with self.lib.transaction() as c:
                for r in part:
                    sents = [s.text for s in self.lib.sentences(r["article_id"], r["revision"])]
                    chunks = self.preparer.chunks(sents, r["title"], r["published"] or "", r["source"])
                    c.execute("DELETE FROM chunks WHERE article_id=? AND revision=?", (r["article_id"], r["revision"]))
                    _insert_chunks(c, r["article_id"], r["revision"], chunks)
            total_chunks += self._embed_and_upsert([(r["article_id"], r["revision"]) for r in part])
            fault_point("reindex_batch")
        with self.lib.transaction() as c:
            self.lib.rebuild_fulltext(c)
            self._record_manifest(c)
            self.lib.set_manifest(c, vectors_state="ok")
            self.lib.journal(c, self.run_id, "reindex", "done", message=f"{len(revs)} revisions, {total_chunks} chunks")
        return {"revisions": len(revs), "chunks": total_chunks, "seconds": round(time.perf_counter() - t0, 2)}


def _set_status(c, article_id: str, revision: int | None, status: str, only_from: str | None = None) -> None:
    """Move a revision (or, with revision None, every revision of the article) to a status."""
    q, args = "UPDATE revisions SET status=? WHERE article_id=?", [status, article_id]
    if revision is not None:
        q, args = q + " AND revision=?", args + [revision]
    if only_from is not None:
        q, args = q + " AND status=?", args + [only_from]
    c.execute(q, args)


_INSERT_REVISION = """INSERT INTO revisions(article_id, revision, status, content_hash, title, source, url, author, language,
       published, published_ts, date_precision, updated, revised_at, revised_ts, highlights, raw_text, text,
       origin, format, metadata, ingested_at)
   VALUES (?,?,'pending',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""
_INSERT_SENTENCE = 'INSERT INTO sentences(article_id, revision, idx, start, "end", text) VALUES (?,?,?,?,?,?)'
_INSERT_CHUNK = "INSERT INTO chunks(chunk_id, article_id, revision, idx, first_sentence, last_sentence, text, token_count) VALUES (?,?,?,?,?,?,?,?)"


def _chunk_rows(article_id: str, revision: int, chunks: list[tuple[int, int, str, int]]) -> list[tuple]:
    return [(chunk_id(article_id, revision, i), article_id, revision, i, f, l, t, n) for i, (f, l, t, n) in enumerate(chunks)]


def _insert_chunks(c, article_id: str, revision: int, chunks: list[tuple[int, int, str, int]]) -> None:
    c.executemany(_INSERT_CHUNK, _chunk_rows(article_id, revision, chunks))
