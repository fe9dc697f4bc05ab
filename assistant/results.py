"""What the Python API returns: typed results whose ``to_dict()`` is the document the CLI prints.

One rule for every type here: ``to_dict()`` is exactly what ``assistant <command> --json``
prints for the same call (docs/json-schema/ holds the schemas), so a script and a shell
pipeline see the same fields under the same names. Plain data, no I/O; answers, citations and
passages are the types of assistant.types and assistant.retrieve (exported from ``assistant``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .types import AnswerSentence, Citation, Sentence, parse_sentence_id

# -- ingest / update ---------------------------------------------------------------------


@dataclass
class IngestResult:
    """What ``ingest`` or ``update`` did: counts per action, and one outcome per input or entry.

    ``outcomes`` are the writer's Outcome objects (origin, action, article_id, revision, title,
    message, hint); ``feeds`` one document per feed fetched."""

    added: int
    revised: int
    unchanged: int
    failed: int
    skipped: int
    warnings: int
    recovered: int  # revisions left pending by an interrupted run and completed by this one
    chunks_embedded: int
    seconds: float
    data_dir: str
    feeds: list[dict] = field(default_factory=list)
    outcomes: list = field(default_factory=list)
    # one line per transaction PostgreSQL aborted (a deadlock) and the writer ran again; shown by -v
    retried: list[str] = field(default_factory=list)

    @classmethod
    def from_report(cls, report, data_dir) -> "IngestResult":
        n = report.count
        return cls(added=n("added"), revised=n("revised"), unchanged=n("unchanged"), failed=n("failed"), skipped=n("skipped"),
                   warnings=n("warning"), recovered=report.recovered, chunks_embedded=report.chunks_embedded,
                   seconds=report.seconds, data_dir=str(data_dir), feeds=list(getattr(report, "feeds", None) or []),
                   outcomes=list(report.outcomes), retried=list(getattr(report, "retried", None) or []))

    @property
    def ok(self) -> bool:
        """False when an input failed (the CLI then exits 1)."""
        return self.failed == 0

    def to_dict(self) -> dict:
        return {"added": self.added, "revised": self.revised, "unchanged": self.unchanged, "failed": self.failed,
                "skipped": self.skipped, "warnings": self.warnings, "recovered": self.recovered,
                "chunks_embedded": self.chunks_embedded, "seconds": round(self.seconds, 2), "data_dir": self.data_dir,
                "feeds": list(self.feeds), "outcomes": [o.to_dict() for o in self.outcomes]}


# -- sources / show ----------------------------------------------------------------------

_ARTICLE_KEYS = ("article_id", "title", "source", "url", "published", "date_precision", "author", "revision",
                 "sentence_count", "chunk_count", "copies", "story")


@dataclass
class ArticleInfo:
    """One article of ``sources``: its latest committed revision."""

    article_id: str
    title: str
    source: str
    url: str
    published: str | None
    date_precision: str | None
    author: str
    revision: int
    sentence_count: int
    chunk_count: int
    copies: list[str] = field(default_factory=list)  # article ids holding the same text (this one included)
    story: str | None = None
    revisions: int = 1  # how many committed revisions (not in the JSON: the CLI never printed it)
    published_ts: float | None = None  # seconds since the epoch (UTC), for sorting and --since; not in the JSON

    @classmethod
    def from_dict(cls, d: dict) -> "ArticleInfo":
        return cls(**{k: d[k] for k in _ARTICLE_KEYS}, revisions=d.get("revisions", 1), published_ts=d.get("published_ts"))

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in _ARTICLE_KEYS}


class ArticleList(list):
    """The articles of ``sources`` (a list of ArticleInfo, newest first); ``to_dict()`` is ``sources --json``.
    ``total``: the articles before a ``since`` cut; ``story_sizes``: story -> articles in it over them all."""

    def __init__(self, articles=()):
        super().__init__(articles)
        self.total = len(self)
        self.story_sizes: dict = {}

    def to_dict(self) -> dict:
        return {"articles": [a.to_dict() for a in self]}


@dataclass
class RevisionInfo:
    revision: int
    revised_at: str
    content_hash: str
    ingested_at: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ArticleDetail:
    """One revision of an article with its sentences (``show``). ``text`` is the cleaned body the
    sentence offsets point into; the CLI's JSON leaves it out (the sentences carry it)."""

    article_id: str
    revision: int
    revisions: list[RevisionInfo]
    title: str
    source: str
    url: str
    published: str | None
    date_precision: str | None
    updated: str | None
    revised_at: str | None
    author: str
    highlights: list[str]
    text: str
    sentences: list[Sentence]
    chunk_count: int

    @classmethod
    def from_dict(cls, d: dict) -> "ArticleDetail":
        sents = []
        for s in d["sentences"]:
            article_id, revision, index = parse_sentence_id(s["id"])
            sents.append(Sentence(article_id, revision, index, s["start"], s["end"], s["text"]))
        revs = [RevisionInfo(**{k: r.get(k) for k in ("revision", "revised_at", "content_hash", "ingested_at")}) for r in d["revisions"]]
        names = {f.name for f in fields(cls)}
        return cls(**{**{k: v for k, v in d.items() if k in names}, "revisions": revs, "sentences": sents})

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "text"}
        d["revisions"] = [r.to_dict() for r in self.revisions]
        d["highlights"] = list(self.highlights)
        d["sentences"] = [{"id": s.id, "text": s.text, "start": s.start, "end": s.end} for s in self.sentences]
        return d


# -- search ------------------------------------------------------------------------------


class SearchResults(list):
    """The passages of ``search``, best first (an empty list when nothing matched)."""

    def __init__(self, passages=(), query: str = "", mode: str = "hybrid"):
        super().__init__(passages)
        self.query, self.mode = query, mode

    def to_dict(self) -> dict:
        return {"query": self.query, "mode": self.mode, "results": [p.to_dict() for p in self]}


@dataclass
class AnswerContext:
    """What ``ask`` would send: the retrieved passages and the exact messages (``ask --show-context``)."""

    question: str
    passages: list
    messages: list[dict]

    def to_dict(self) -> dict:
        return {"question": self.question, "passages": [p.to_dict() for p in self.passages], "messages": self.messages}


# -- brief -------------------------------------------------------------------------------


@dataclass
class Briefing:
    """A briefing: points, each citing the source sentences it comes from.

    ``empty`` (and ``refused``) when nothing was in scope or nothing was worth reporting: then
    ``reason`` (also the ``answer``) and ``hint`` say why and what to do; the CLI exits 3. ``dry_run`` when no model was called:
    ``usage["estimate"]`` holds the estimated spend and ``notes`` the plan."""

    topic: str | None
    answer: str
    engine: str
    model: str | None
    as_of: str | None
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    usage: dict = field(default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0})
    notes: list[str] = field(default_factory=list)
    prompt: list[dict] = field(default_factory=list, repr=False)  # the last messages sent (or that would be)
    refused: bool = False
    dry_run: bool = False
    empty: bool = False
    reason: str = ""
    hint: str = ""

    @classmethod
    def from_answer(cls, answer, topic: str | None, dry_run: bool = False) -> "Briefing":
        return cls(topic=topic, answer=answer.answer, engine=answer.engine, model=answer.model, as_of=answer.as_of,
                   sentences=answer.sentences, citations=answer.citations, usage=answer.usage, notes=answer.notes,
                   prompt=answer.prompt, refused=answer.refused, dry_run=dry_run)

    @classmethod
    def nothing(cls, topic: str | None, engine: str, as_of: str | None, reason: str, hint: str) -> "Briefing":
        return cls(topic=topic, answer=reason, engine=engine, model=None, as_of=as_of, refused=True, empty=True, reason=reason, hint=hint)

    def error(self):
        """The NothingToBrief error (exit code 3) this empty briefing stands for."""
        from .brief.pipeline import NothingToBrief

        return NothingToBrief(self.reason, self.hint)

    def to_dict(self, topic: bool = True) -> dict:
        """``brief --json``: the answer document with ``topic`` in place of ``question``; for a dry
        run the plan; for an empty briefing the error document the CLI prints (with exit 3).
        (``topic`` is accepted for callers written when a briefing was an Answer.)"""
        if self.empty:
            return {"error": {"message": self.reason, "hint": self.hint}}
        if self.dry_run:
            return {"topic": self.topic, "engine": self.engine, "model": self.model, "estimate": self.usage.get("estimate"), "notes": list(self.notes)}
        return {"topic": self.topic, "answer": self.answer, "refused": self.refused, "engine": self.engine, "model": self.model,
                "as_of": self.as_of, "sentences": [s.to_dict() for s in self.sentences],
                "citations": [c.to_dict() for c in self.citations], "usage": dict(self.usage), "notes": list(self.notes)}


# -- forget / reindex / check ------------------------------------------------------------


@dataclass
class ForgetResult:
    forgotten: list[str]  # the article ids removed, sorted
    dry_run: bool = False
    planned: list[dict] = field(default_factory=list)  # a dry run: what would go (article_id, title, source, published)

    def to_dict(self) -> dict:
        if self.dry_run:
            return {"forgotten": [], "dry_run": True, "would_forget": [p["article_id"] for p in self.planned]}
        return {"forgotten": list(self.forgotten)}


@dataclass
class ReindexResult:
    revisions: int
    chunks: int
    seconds: float

    def to_dict(self) -> dict:
        return {"revisions": self.revisions, "chunks": self.chunks, "seconds": self.seconds}


@dataclass
class ExportResult:
    """What ``export`` wrote: the file (None for stdout) and how many records of each kind."""

    file: str | None
    articles: int
    revisions: int
    sentences: int
    feeds: int

    def to_dict(self) -> dict:
        return {"file": self.file, "articles": self.articles, "revisions": self.revisions, "sentences": self.sentences, "feeds": self.feeds}


@dataclass
class ImportResult:
    """What ``import`` did: articles rebuilt with their ids, and those skipped because this library
    has them already (``skipped``: article_id and reason; the library's copy is kept)."""

    file: str
    imported: int
    revisions: int
    chunks: int
    feeds: int
    skipped: list[dict]
    recovered: int
    seconds: float

    def to_dict(self) -> dict:
        return {"file": self.file, "imported": self.imported, "revisions": self.revisions, "chunks": self.chunks, "feeds": self.feeds,
                "skipped": [dict(s) for s in self.skipped], "recovered": self.recovered, "seconds": self.seconds}


@dataclass
class Problem:
    problem: str
    fix: str  # the command that fixes it

    def to_dict(self) -> dict:
        return {"problem": self.problem, "fix": self.fix}


@dataclass
class CheckResult:
    """Whether the library and the vector index agree; each problem with its fix."""

    ok: bool
    counts: dict  # articles, revisions, sentences, chunks, pending
    vectors: int | None  # None before anything was embedded
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. what a read-only library could not compare
    discarded: int | None = None  # revisions dropped by check(discard_pending=True); None when not asked

    @classmethod
    def from_dict(cls, d: dict) -> "CheckResult":
        return cls(ok=d["ok"], counts=dict(d["counts"]), vectors=d["vectors"], problems=[Problem(**p) for p in d["problems"]],
                   notes=list(d.get("notes", [])), discarded=d.get("discarded"))

    def to_dict(self) -> dict:
        d = {"ok": self.ok, "counts": dict(self.counts), "vectors": self.vectors, "problems": [p.to_dict() for p in self.problems]}
        if self.notes:
            d["notes"] = list(self.notes)
        if self.discarded is not None:
            d["discarded"] = self.discarded
        return d


__all__ = ["AnswerContext", "ArticleDetail", "ArticleInfo", "ArticleList", "Briefing", "CheckResult", "ExportResult", "ForgetResult",
           "ImportResult", "IngestResult", "Problem", "ReindexResult", "RevisionInfo", "SearchResults"]
