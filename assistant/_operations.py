"""The work behind the Python API's writing and listing methods (assistant.api is the only caller):
the writer's session (lock, recovery, copies and stories), ingest, update, forget, reindex,
sources, show and check. Nothing here prints; results are plain data the API wraps in types."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from .errors import AssistantError, NotFound, UsageError
from .library.access import open_library
from .library.lock import writing
from .library.store import Library
from .settings import Settings
from .vectors.access import vector_index


CHUNK_SETTINGS = ("chunk_tokens", "chunk_overlap", "chunk_opening_tokens")


def library_chunking(settings: Settings, manifest: dict[str, str]) -> Settings:
    """The chunk settings a library was built with, for the chunk settings left at their defaults.

    A new release may change a default (chunks lost their overlap and gained an untitled article's
    opening words); a library built before keeps taking writes with its own chunking instead of
    refusing until a reindex. A value the user set (config, environment, option) that differs from
    the library's is still refused by Writer.check_manifest; `assistant reindex` rebuilds the
    library with the current settings, defaults included."""
    from dataclasses import replace

    from .library.writer import LEGACY_MANIFEST
    from .settings import coerce

    if "embedder" not in manifest:  # nothing written yet: the current settings make it
        return settings
    default = Settings()
    kept = {}
    for key in CHUNK_SETTINGS:
        built = manifest.get(key, LEGACY_MANIFEST.get(key))
        if built is not None and getattr(settings, key) == getattr(default, key) and str(getattr(settings, key)) != built:
            kept[key] = built
    return replace(settings, **coerce(kept)) if kept else settings


@contextmanager
def writer(settings: Settings, progress: Callable[[int], None] | None = None, wait: float | None = None, check: bool = True,
           exclusive: bool = False):
    """Take the write lock, open everything, finish interrupted work, yield a Writer."""
    from .embed import build_embedder
    from .ingest.prepare import Preparer
    from .library.writer import Writer

    with writing(settings, settings.lock_timeout if wait is None else wait, exclusive=exclusive) as lib:
        if check:
            settings = library_chunking(settings, lib.manifest())
        embedder = build_embedder(settings)
        index = vector_index(settings, lib)
        try:
            w = Writer(lib, embedder, index, settings, progress, Preparer(embedder, settings))
            if check:
                w.check_manifest()
            w.recovered = 0
            if lib.manifest().get("vectors_state") != "rebuilding":
                revisions, chunks = w.pending_work()
                note = getattr(progress, "note", None)
                if revisions and note:  # never resume silently: it can take minutes (a huge file was interrupted)
                    note(f"completing {revisions} revision(s) ({chunks} chunks) left unfinished by an interrupted run first; "
                         "to drop them instead: assistant check --discard-pending")
                w.recovered = w.recover()
                # sign each committed batch for copies and stories as it goes: that work then runs in
                # every writer at once, and refresh_news (one writer at a time) only regroups
                w.after_commit = lambda keys: sign_news(w, keys)
            yield w
            refresh_news(w)
        finally:
            index.close(collect=False)  # the Assistant's close (or the CLI's exit) collects its files


def sign_news(w, keys: list[tuple[str, int]]) -> None:
    from .news import clusters

    clusters.sign(w.lib, keys, w.embed_texts, w.embedder.name)


def refresh_news(w) -> dict:
    """Bring copies and stories up to date with the committed articles (derived data; see news/clusters.py)."""
    from .news import clusters

    if w.lib.manifest().get("vectors_state") == "rebuilding":
        return {"changed": False}
    # PostgreSQL: one writer regroups at a time (an advisory lock), after the other writers still
    # writing have finished (at most REGROUP_SETTLE s): writers that finish close together then
    # regroup once, by the last of them, and the others find nothing left to do; SQLite: the write lock
    w.lib.done_writing()
    with w.lib.regrouping(settle=REGROUP_SETTLE):
        return clusters.refresh(w.lib, w.embed_texts, w.embedder.name)


REGROUP_SETTLE = 5.0  # seconds a finished writer waits for others to finish before regrouping


def ingest(
    settings: Settings,
    paths: list[str],
    field_map: dict[str, str] | None = None,
    max_bytes: int | None = None,
    progress: Callable[[int], None] | None = None,
    wait: float | None = None,
    stdin=None,
    max_entries: int | None = None,
    large_articles: str = "warn",
):
    """Ingest files, folders, globs, '-' (stdin) or http(s) URLs of pages and feeds.
    Returns a pipeline Report; never raises for one bad input."""
    from .ingest import inputs, language, loaders
    from .ingest.fetch import is_url
    from .library.writer import Outcome, Report

    if not paths:
        raise UsageError("no paths given", "e.g. assistant ingest seeds/  (files, folders, globs, URLs or - for stdin)")
    from .ingest.fetch import unsupported_scheme

    report = Report()
    t0 = time.perf_counter()
    for p in paths:
        scheme = unsupported_scheme(p)
        if scheme and not Path(p).exists():
            hint = "give a local path instead, e.g. " + p[len("file://"):] if scheme == "file" else "ingest fetches http:// and https:// URLs; download it and give the file"
            report.outcomes.append(Outcome(p, "failed", message=f"{p}: unsupported URL scheme {scheme}://", hint=hint))
    paths = [p for p in paths if not (unsupported_scheme(p) and not Path(p).exists())]
    urls = [p for p in paths if is_url(p)]
    files, skipped, missing = inputs.expand([p for p in paths if not is_url(p)])
    for s in skipped:
        report.outcomes.append(Outcome(s.label, "skipped", message=s.reason))
    for m in missing:
        report.outcomes.append(Outcome(m.label, "failed", message=f"{m.label}: {m.reason}", hint="check the path"))

    def parsed():
        for f in files:
            try:
                data = inputs.read_text(f, max_bytes or inputs.DEFAULT_MAX_BYTES, stdin=stdin)
                arts, errors = loaders.load(inputs.loader_for(f, data), data, f.label if f.path is not None else "-", field_map)
            except AssistantError as exc:
                report.outcomes.append(Outcome(f.label, "failed", message=exc.message, hint=exc.hint))
                continue
            for exc in errors:
                report.outcomes.append(Outcome(f.label, "failed", message=exc.message, hint=exc.hint))
            yield from arts
        for url in urls:
            yield from web.articles(url)

    def fail(origin, exc):
        report.outcomes.append(Outcome(origin, "failed", message=exc.message, hint=exc.hint))

    def warn(origin, message):
        report.outcomes.append(Outcome(origin, "warning", message=message))

    if files or urls:
        from .ingest.web import WebSource

        with writer(settings, progress, wait) as w:
            report.recovered = w.recovered
            web = WebSource(w.lib, report, fail, max_entries or 200, max_bytes or 0)
            from .ingest import large

            def skip(origin, message):
                report.outcomes.append(Outcome(origin, "skipped", message=message))

            w.ingest(language.annotate(large.guard(parsed(), large_articles, warn, skip), warn), report)
            web.record(report)
            report.feeds = [f.to_dict() for f in web.feeds]
        report.retried = list(w.lib.retried)  # after the writer's session: its regrouping included
    report.seconds = time.perf_counter() - t0
    return report


def update(settings: Settings, max_entries: int | None = None, progress: Callable[[int], None] | None = None, wait: float | None = None):
    """Fetch every remembered feed again (conditional GET) and ingest new or changed entries."""
    from .ingest import language
    from .library.writer import Outcome, Report
    from .ingest.web import WebSource
    from .library.feeds import remembered_feeds

    report = Report()
    report.feeds = []
    t0 = time.perf_counter()

    def fail(origin, exc):
        report.outcomes.append(Outcome(origin, "failed", message=exc.message, hint=exc.hint))

    def warn(origin, message):
        report.outcomes.append(Outcome(origin, "warning", message=message))

    with open_library(settings) as lib:
        if not remembered_feeds(lib):
            raise NotFound("no feeds to update", "add one with: assistant ingest FEED_URL")
    with writer(settings, progress, wait) as w:
        report.recovered = w.recovered
        web = WebSource(w.lib, report, fail, max_entries or 200, recheck_hours=settings.page_recheck_hours)

        def entries():
            for row in remembered_feeds(w.lib):
                yield from web.refresh(row)

        w.ingest(language.annotate(entries(), warn), report)
        web.record(report)
        report.feeds = [f.to_dict() for f in web.feeds]
    report.retried = list(w.lib.retried)
    report.seconds = time.perf_counter() - t0
    return report


def sources(settings: Settings, source: str | None = None) -> list[dict]:
    from .library.news import groups_for

    with open_library(settings) as lib:
        arts = lib.list_articles(source)
        groups = groups_for(lib.conn, [a["article_id"] for a in arts])
        for a in arts:
            copies, story = groups.get(a["article_id"], ([], None))
            a["copies"], a["story"] = copies, story
        return arts


def show(settings: Settings, ref: str, revision: int | None = None) -> dict:
    with open_library(settings) as lib:
        article_id = lib.resolve_article(ref)
        if revision is None and "@" in ref:
            try:
                revision = int(ref.split("@", 1)[1].split("#", 1)[0].split(":", 1)[0])
            except ValueError:
                raise UsageError(f"cannot read the revision in {ref!r}", "use ID, ID@REVISION or a sentence id")
        rev = lib.revision(article_id, revision)
        sents = lib.sentences(article_id, rev.revision)
        return {
            "article_id": article_id,
            "revision": rev.revision,
            "revisions": lib.revision_list(article_id),
            "title": rev.title,
            "source": rev.source,
            "url": rev.url,
            "published": rev.published,
            "date_precision": rev.date_precision,
            "updated": rev.updated,
            "revised_at": rev.revised_at,
            "author": rev.author,
            "highlights": rev.highlights,
            "text": rev.text,
            "sentences": [{"id": s.id, "text": s.text, "start": s.start, "end": s.end} for s in sents],
            "chunk_count": len(lib.chunk_ids_of(article_id, rev.revision)),
        }


def _forget_selection(lib: Library, refs: list[str], before: str | None, source: str | None) -> list[str]:
    """The article ids that refs, --before and --source name (their union); NotFound for an outlet that matches nothing."""
    from .dates import parse_date_bound

    ids: list[str] = [lib.resolve_article(r) for r in refs]
    if before:
        ids += lib.articles_published_before(parse_date_bound(before).timestamp)
    if source:
        found = lib.articles_from_source(source)  # the one outlet rule (outlets.py)
        if not found:
            raise NotFound(f"no outlet matches {source!r}: nothing forgotten", _outlet_hint(lib, source))
        ids += found
    return sorted(set(ids))


def _outlet_hint(lib: Library, name: str) -> str:
    """Outlets whose name or site contains NAME (what the user probably meant), else where to look."""
    from .outlets import forms, normalise

    n = normalise(name)
    near = sorted({src for src, url in lib.outlets() if src and any(n in f for f in forms(src, url))} if n else set())
    if near:
        return "outlets that contain it: " + ", ".join(near[:5]) + (" ..." if len(near) > 5 else "")
    return "list the outlets with: assistant sources"


def forget_plan(settings: Settings, refs: list[str], before: str | None = None, source: str | None = None) -> list[dict]:
    """What forget would remove (id, title, outlet, date), without removing anything."""
    if not refs and not before and not source:
        raise UsageError("say what to forget", "give article ids, --before DATE or --source NAME")
    with open_library(settings) as lib:
        ids = set(_forget_selection(lib, refs, before, source))
        return [{k: a[k] for k in ("article_id", "title", "source", "published")} for a in lib.list_articles() if a["article_id"] in ids]


def forget(settings: Settings, refs: list[str], before: str | None = None, source: str | None = None, wait: float | None = None,
           only: list[str] | None = None, progress: Callable[[int], None] | None = None) -> list[str]:
    """Remove articles; ``only``: the ids the user confirmed (others that match meanwhile are left alone)."""
    if not refs and not before and not source and only is None:
        raise UsageError("say what to forget", "give article ids, --before DATE or --source NAME")
    with writer(settings, progress, wait=wait, check=False) as w:
        if only is not None:
            ids = sorted(set(only) & w.lib.committed_article_ids())
        else:
            ids = _forget_selection(w.lib, refs, before, source)
        w.forget(ids)
        return ids


def discard_pending(settings: Settings, wait: float | None = None) -> int:
    """Drop the revisions an interrupted writer left pending (check --discard-pending), without completing them."""
    from .embed import build_embedder
    from .ingest.prepare import Preparer
    from .library.writer import Writer

    if settings.library_url:
        if not Library.exists_at(settings.library_url):
            return 0
    elif not (Path(settings.home) / "library.sqlite3").exists():
        return 0
    with writing(settings, settings.lock_timeout if wait is None else wait, create=False) as lib:
        embedder = build_embedder(settings)
        index = vector_index(settings, lib)
        try:
            return Writer(lib, embedder, index, settings, None, Preparer(embedder, settings)).discard_pending()
        finally:
            index.close(collect=False)


def reindex(settings: Settings, progress: Callable[[int], None] | None = None, wait: float | None = None) -> dict:
    with writer(settings, progress, wait, check=False, exclusive=True) as w:
        return w.reindex()


def check(settings: Settings) -> dict:
    """Verify that library and vector index agree; returns problems with the fix for each."""
    with open_library(settings) as lib:
        problems: list[dict] = []
        counts = lib.counts()
        man = lib.manifest()
        in_flight = lib.pending_in_flight()  # PostgreSQL: revisions a running writer is working on are not a problem
        left = counts["pending"] - in_flight
        if left:
            problems.append({"problem": f"{left} revision(s) left pending or half-deleted by an interrupted run", "fix": "run any writing command, e.g. assistant ingest PATH (it completes them, with progress), or drop them: assistant check --discard-pending"})
        if man.get("vectors_state") == "rebuilding":
            problems.append({"problem": "a reindex was interrupted", "fix": "assistant reindex"})
        orphans = lib.orphan_chunks()
        if orphans:
            problems.append({"problem": f"{orphans} chunk(s) without a revision", "fix": "assistant reindex"})
        empty = lib.revisions_without_chunks()
        if empty:
            problems.append({"problem": f"{empty} committed revision(s) without chunks", "fix": "assistant reindex"})
        fts = None if lib.read_only else lib.fulltext_problem()  # the comparison is an INSERT: a read-only library cannot run it
        if fts:
            problems.append({"problem": f"the full-text index does not match the library ({fts})", "fix": "assistant reindex"})
        from .news.clusters import is_stale

        if is_stale(lib):
            problems.append({"problem": "copies and stories are out of date (an interrupted run?)", "fix": "run any writing command, e.g. assistant update or assistant ingest PATH (it recomputes them)"})
        committed_ids = lib.chunk_ids(committed_only=True)
        all_ids = lib.chunk_ids(committed_only=False)
        vectors = None
        if "embedder" in man:
            index = vector_index(settings, lib)
            try:
                vectors = index.ids()
            finally:
                index.close(collect=False)
            missing = committed_ids - vectors
            extra = vectors - all_ids
            if missing:
                problems.append({"problem": f"{len(missing)} chunk(s) have no vector", "fix": "assistant reindex"})
            if extra:
                problems.append({"problem": f"{len(extra)} vector(s) belong to no chunk", "fix": "assistant reindex"})
        result = {"ok": not problems, "counts": counts, "vectors": None if vectors is None else len(vectors), "problems": problems}
        if lib.read_only:
            result["notes"] = ["read-only library: the full-text index was not compared (that check writes)"]
        if in_flight:
            result.setdefault("notes", []).append(f"{in_flight} revision(s) are being written by a running writer")
        return result


def export(settings: Settings, path: str | None = None, stream=None) -> dict:
    """Write the library as JSON Lines (library/transfer.py) to ``path`` (replaced whole, only
    when complete) or to ``stream``; returns counts."""
    import json
    import os

    from .library.transfer import export_records

    counts = {"file": path, "articles": 0, "revisions": 0, "sentences": 0, "feeds": 0}

    def write(out) -> None:
        from contextlib import closing

        with closing(export_records(lib)) as records:  # its read transaction ends here, also when the reader goes away
            for rec in records:
                _count(rec)
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")

    def _count(rec) -> None:
        if rec.get("type") == "article":
            counts["articles"] += 1
            counts["revisions"] += len(rec["revisions"])
            counts["sentences"] += sum(len(r["sentences"]) for r in rec["revisions"])
        elif rec.get("type") == "feed":
            counts["feeds"] += 1

    with open_library(settings, missing_ok=False) as lib:
        if path is None:
            write(stream)
            return counts
        target = Path(path)
        if target.is_dir():
            raise UsageError(f"{path} is a directory", "give a file name, e.g. -o library.jsonl")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            raise AssistantError(f"cannot write {path}: {exc.strerror or exc}", "check the directory and its permissions")
        finally:
            tmp.unlink(missing_ok=True)
    return counts


def import_library(settings: Settings, path: str, progress: Callable[[int], None] | None = None, wait: float | None = None) -> dict:
    """Rebuild the articles of an export file (same ids, revisions, sentences) in this library,
    then chunk, embed and regroup them. The whole file is checked before anything is written."""
    from .errors import InputError
    from .library.transfer import read_records

    t0 = time.perf_counter()
    head, articles = None, 0
    for _, rec in read_records(path):  # first pass: a damaged file is refused before any write
        if head is None:
            head = rec
        elif rec["type"] == "article":
            articles += 1
    if isinstance(head.get("articles"), int) and head["articles"] != articles:
        raise InputError(f"{path} holds {articles} article(s) but its header says {head['articles']}: it is incomplete",
                         "export it again")
    result = {"file": path, "imported": 0, "revisions": 0, "chunks": 0, "feeds": 0, "skipped": [], "recovered": 0}
    with writer(settings, progress, wait) as w:
        result["recovered"] = w.recovered
        from itertools import islice

        w.import_records((rec for _, rec in islice(read_records(path), 1, None)), result)  # the header aside
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result
