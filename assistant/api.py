"""The Python API: ``Assistant(...)`` is the one door to a library.

    from assistant import Assistant
    with Assistant(data_dir="~/news") as a:
        a.ingest(["articles/"])
        for p in a.search("Who became governor of Puerto Rico?", k=3):
            print(p.title, p.sentence_ids)

Every method returns a typed result (assistant.results, assistant.types) whose ``to_dict()``
is the document ``assistant <command> --json`` prints. Every model or store can be passed in
explicitly; otherwise settings build them lazily. Writing methods (ingest, update, forget,
reindex) take the library's write lock and build their own embedder from the settings.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from . import registry
from .errors import UsageError
from .results import (AnswerContext, ArticleDetail, ArticleInfo, ArticleList, Briefing, CheckResult, ExportResult, ForgetResult,
                      ImportResult, IngestResult, ReindexResult, SearchResults)
from .settings import Settings


class Assistant:
    def __init__(self, data_dir: str | Path | None = None, *, settings: Settings | None = None, embedder=None, index=None, **overrides):
        """``overrides`` are settings (model="...", base_url=..., chroma_url=...; None ignored) over
        the config file and ASSISTANT_* variables. ``embedder`` is an Embedder object, or the name of
        one (the ``embedder`` setting: local, openai, hash)."""
        if isinstance(embedder, str):
            overrides["embedder"], embedder = embedder, None
        self._own_index = index is None  # ours to drop when a write makes it stale
        self.settings = settings or Settings.load(data_dir, **overrides)
        self._embedder = embedder
        self._index = index
        self.on_progress = None  # (state, seconds, tokens) while a model works: "waiting" for the first token, then "writing"

    @cached_property
    def library(self):
        from .library.access import open_library

        return open_library(self.settings, missing_ok=False)  # NotFound: no library at that place

    @property
    def embedder(self):
        if self._embedder is None:
            from .embed import build_embedder

            self._embedder = build_embedder(self.settings)
        return self._embedder

    @property
    def index(self):
        if self._index is None:
            from .vectors.access import vector_index

            self._index = vector_index(self.settings, self.library)
        return self._index

    # -- writing ----------------------------------------------------------------------------
    def ingest(self, paths=(), *, seeds: bool = False, fields: dict[str, str] | None = None, max_bytes: int | None = None,
               max_entries: int | None = None, large_articles: str = "warn", wait: float | None = None, progress=None, stdin=None):
        """Add files, folders, globs, "-" (stdin) or http(s) URLs of pages and feeds; ``seeds`` adds the
        bundled sample articles. ``fields`` maps JSON keys (e.g. {"text": "story"}); ``large_articles``
        (warn, split or skip) says what to do with an article over 1 MB of text. Returns an
        IngestResult; one bad input is an outcome with action "failed", never an exception."""
        from . import _operations as ops
        from .ingest.loaders import FIELD_ALIASES

        if large_articles not in ("warn", "split", "skip"):
            raise UsageError(f"unknown --large-articles {large_articles!r}", "use warn, split or skip")
        targets = [str(paths)] if isinstance(paths, (str, os.PathLike)) else [str(p) for p in paths]
        if seeds:
            from .resources import seeds_dir

            targets.append(str(seeds_dir()))
        for name in fields or {}:
            if name not in FIELD_ALIASES or not fields[name]:
                raise UsageError(f"bad field mapping {name!r}={fields[name]!r}", "use NAME=KEY with NAME one of " + ", ".join(FIELD_ALIASES))
        report = ops.ingest(self.settings, targets, dict(fields or {}), max_bytes, progress, wait, stdin=stdin, max_entries=max_entries,
                                large_articles=large_articles)
        self._written()
        return IngestResult.from_report(report, self.settings.home)

    def update(self, *, max_entries: int | None = None, wait: float | None = None, progress=None):
        """Fetch every remembered feed again and ingest new or changed entries (an IngestResult)."""
        from . import _operations as ops

        report = ops.update(self.settings, max_entries, progress, wait)
        self._written()
        return IngestResult.from_report(report, self.settings.home)

    def forget(self, articles=(), *, before: str | None = None, source: str | None = None, wait: float | None = None,
               dry_run: bool = False, only=None, progress=None):
        """Remove articles (ids, --before DATE, or every article of an outlet): a ForgetResult.

        ``dry_run``: remove nothing; ``.planned`` lists what would go (id, title, outlet, date).
        ``only``: remove just these ids of a plan a user confirmed (articles that match meanwhile stay)."""
        from . import _operations as ops

        if dry_run:
            return ForgetResult([], dry_run=True, planned=ops.forget_plan(self.settings, _listify(articles), before, source))
        ids = ops.forget(self.settings, _listify(articles), before, source, wait,
                             only=None if only is None else _listify(only), progress=progress)
        self._written()
        return ForgetResult(ids)

    def reindex(self, *, wait: float | None = None, progress=None):
        """Rebuild chunks and vectors from the library: a ReindexResult."""
        from . import _operations as ops

        r = ops.reindex(self.settings, progress, wait)
        self._written()
        return ReindexResult(r["revisions"], r["chunks"], r["seconds"])

    def export(self, path: str | Path | None = None, *, stream=None):
        """Write the library as JSON Lines (every article with every revision and its sentences,
        feeds; docs/library.md) to ``path`` (written whole or not at all) or to ``stream``
        (a text file object): an ExportResult."""
        from . import _operations as ops

        if (path is None) == (stream is None):
            raise UsageError("give a path or a stream to export to", "e.g. a.export('library.jsonl')")
        r = ops.export(self.settings, None if path is None else str(path), stream)
        return ExportResult(**r)

    def import_(self, path: str | Path, *, wait: float | None = None, progress=None):
        """Rebuild the articles of an export file in this library with the same ids, revisions and
        sentence ids, then chunk, embed and regroup them: an ImportResult. Articles whose id (or
        page) this library has already are kept as they are and listed in ``.skipped``."""
        from . import _operations as ops

        r = ops.import_library(self.settings, str(path), progress, wait)
        self._written()
        return ImportResult(**r)

    def _written(self) -> None:
        # a reindex drops and recreates the vector collection: a cached handle would be stale
        if not self._own_index:
            return
        if self._index is not None:
            self._index.close(collect=False)  # its files go at the next collection (close() collects)
        self._index = None

    # -- reading ----------------------------------------------------------------------------
    def sources(self, source: str | None = None, *, since: str | None = None, sort: str = "date"):
        """The library's articles (latest revisions): a list of ArticleInfo sorted by ``sort`` (date:
        newest first, undated last; title; outlet), only those published on or after ``since``
        when given. ``.total`` counts the outlet's articles before ``since``; ``.story_sizes`` maps
        each story to its size over them all."""
        from . import _operations as ops

        if sort not in ("date", "title", "outlet"):
            raise UsageError(f"unknown sort {sort!r}", "use date, title or outlet")
        arts = [ArticleInfo.from_dict(d) for d in ops.sources(self.settings, source)]
        listing = ArticleList(arts)
        if since:
            from .dates import parse_date_bound

            lo = parse_date_bound(since).timestamp
            listing = ArticleList(a for a in arts if a.published_ts is not None and a.published_ts >= lo)
        if sort == "title":
            listing.sort(key=lambda a: ((a.title or "").casefold(), a.article_id))
        elif sort == "outlet":
            listing.sort(key=lambda a: ((a.source or "").casefold(), -(a.published_ts or float("-inf"))))
        listing.total = len(arts)
        for a in arts:
            listing.story_sizes[a.story] = listing.story_sizes.get(a.story, 0) + 1
        return listing

    def show(self, article: str, revision: int | None = None):
        """An article (id, unique prefix, ID@REVISION or a sentence id) with its sentences: an ArticleDetail."""
        from . import _operations as ops

        return ArticleDetail.from_dict(ops.show(self.settings, article, revision))

    def check(self, *, discard_pending: bool = False, wait: float | None = None):
        """Whether the library and the vector index agree, with the fix for each problem: a CheckResult.
        ``discard_pending`` first drops the revisions an interrupted writer left unfinished (``.discarded``)."""
        from . import _operations as ops

        dropped = ops.discard_pending(self.settings, wait) if discard_pending else None
        result = CheckResult.from_dict(ops.check(self.settings))
        result.discarded = dropped
        return result

    def retriever(self, mode: str = "hybrid"):
        from .retrieve import Retriever

        if mode == "lexical":
            return Retriever(self.library)
        return Retriever(self.library, self.embedder, self.index)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", *, since=None, until=None, as_of=None,
               source=None, article=None, include_undated: bool = False, per_article: int = 2):
        """Passages (typed objects) for a query, best first; an empty list when nothing matches."""
        filters = self.filters(since, until, as_of, source, article, include_undated)
        return SearchResults(self.retriever(mode).search(query, k=k, mode=mode, filters=filters, per_article=per_article), query, mode)

    def filters(self, since=None, until=None, as_of=None, source=None, article=None, include_undated: bool = False):
        from .retrieve import Filters

        return Filters(since=since, until=until, as_of=as_of, sources=_listify(source),
                       article_ids=[self.library.resolve_article(a) for a in _listify(article)], include_undated=include_undated)

    def llm(self):
        """The configured chat model, or None (then the extractive engine answers)."""
        if not self.settings.model:
            return None
        from .llm.client import LLM

        return LLM(self.settings.model, self.settings.base_url or None, self.settings.api_key_env,
                   timeout=self.settings.llm_timeout, retries=self.settings.llm_retries,
                   first_token_timeout=self.settings.llm_first_token_timeout or None, on_progress=self.on_progress)

    def answerer(self):
        from .answer.pipeline import Answerer

        return Answerer(self.library, self.retriever("hybrid"), self.embedder, self.settings, self.llm())

    def context(self, question: str, *, k: int | None = None, since=None, until=None, as_of=None, source=None, article=None,
                include_undated: bool = False):
        """What ``ask`` would send, without calling a model: passages and messages (an AnswerContext)."""
        f = self.filters(since, until, as_of, source, article, include_undated)
        plan = self.answerer().plan(question, f, k)
        return AnswerContext(question, plan.passages, plan.messages)

    def ask(self, question: str, *, engine: str | None = None, k: int | None = None, strict: bool = False, since=None, until=None,
            as_of=None, source=None, article=None, include_undated: bool = False, stream: bool = False, on_sentence=None):
        """An Answer whose every sentence cites source sentence ids; ``refused`` when the sources do not support one.

        ``stream=True`` returns an AnswerStream instead: iterate it for each checked sentence as it
        passes; ``.answer`` is then the whole Answer. (``on_sentence(sentence, citations)`` is the
        older callback form of the same thing.)"""
        from .limits import check_question

        check_question(question)
        if stream:
            _one_way_to_stream(on_sentence)
        f = self.filters(since, until, as_of, source, article, include_undated)
        answerer = self.answerer()
        if stream:
            from .streaming import AnswerStream

            return AnswerStream(lambda cb: answerer.ask(question, f, engine=engine, k=k, strict=strict, on_sentence=cb))
        return answerer.ask(question, f, engine=engine, k=k, strict=strict, on_sentence=on_sentence)

    def briefer(self):
        from .brief.pipeline import Briefer

        return Briefer(self.library, self.retriever("hybrid"), self.embedder, self.settings, self.llm())

    def brief(self, topic: str | None = None, *, length: int | None = None, engine: str | None = None, since=None, until=None,
              as_of=None, source=None, article=None, include_undated: bool = False, max_tokens: int | None = None,
              dry_run: bool = False, stream: bool = False, on_sentence=None):
        """A Briefing whose every sentence cites source sentences. With nothing to brief (nothing in
        scope, or nothing worth reporting) it is ``empty``, with ``reason`` and ``hint``.
        ``stream=True`` returns a BriefingStream: iterate it for the points, then read ``.briefing``.
        (``on_sentence(sentence, citations)`` is the callback form, as for ``ask``: it runs in the
        caller's thread, so Ctrl-C stops a slow model call at once; the chat uses it.)"""
        if stream:
            _one_way_to_stream(on_sentence)
        f = self.filters(since, until, as_of, source, article, include_undated)
        briefer = self.briefer()

        def run(cb):
            from .errors import NothingToBrief

            try:
                answer = briefer.brief(topic, f, length=length, engine=engine, max_tokens=max_tokens, dry_run=dry_run, on_sentence=cb)
            except NothingToBrief as exc:
                return Briefing.nothing(topic, registry.engine(engine, self.settings).name, f.as_of, exc.message, exc.hint)
            return Briefing.from_answer(answer, topic, dry_run)

        if stream:
            from .streaming import BriefingStream

            return BriefingStream(run)
        return run(on_sentence)

    def chat(self, *, engine: str | None = None, k: int = 8, budget: int | None = None, resume: str | None = None):
        """A chat session (assistant.chat.scripted.Chat): ``ask`` follow-ups, ``brief``, slash ``command``s.
        ``resume``: "latest" or a saved session id; ``budget``: tokens of conversation kept."""
        from .chat.history import DEFAULT_BUDGET
        from .chat.scripted import Chat, Transcript
        from .chat.session import ChatSession

        session = ChatSession(self, Transcript(), engine=engine, k=k, budget=budget or DEFAULT_BUDGET)
        if resume is not None:
            session.resume(None if resume in ("", "latest") else resume)
        return Chat(session)

    def close(self, *, collect: bool = True) -> None:
        """Close the library and the vector store, releasing their files. ``collect=False`` skips the
        garbage collection that makes the embedded Chroma store let go of its files at once (for a
        process about to end)."""
        if self._own_index and self._index is not None:
            self._index.close(collect=collect)
            self._index = None
        if "library" in self.__dict__:
            self.library.close()
            del self.__dict__["library"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _one_way_to_stream(on_sentence) -> None:
    if on_sentence is not None:
        raise UsageError("give stream=True or on_sentence, not both", "iterate the stream to get each sentence as it is checked")


def _listify(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)
