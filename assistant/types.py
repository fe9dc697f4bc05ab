"""Data types shared across the package: plain data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParsedArticle:
    """What a loader extracted from one input record, before it is stored."""

    text: str  # cleaned body text; sentence offsets point into it
    title: str = ""
    highlights: list[str] = field(default_factory=list)
    url: str = ""
    source: str = ""  # the outlet
    author: str = ""
    published: str = ""  # raw date string as found; parsed by assistant.dates
    updated: str = ""
    explicit_id: str = ""  # an `id` field from JSON/JSONL
    origin: str = ""  # "path" or "path#record-index" or "-" for stdin
    raw: str = ""  # the input as read (for the revision's raw text)
    fmt: str = ""  # loader name: txt, md, json, jsonl
    language: str = ""
    notes: list[str] = field(default_factory=list)  # what the loader dropped, for -v
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    article_id: str
    revision: int
    index: int
    start: int
    end: int
    text: str

    @property
    def id(self) -> str:
        return sentence_id(self.article_id, self.revision, self.index)


@dataclass(frozen=True)
class Chunk:
    article_id: str
    revision: int
    index: int
    first_sentence: int
    last_sentence: int  # inclusive
    text: str  # header + sentences, as embedded
    token_count: int

    @property
    def id(self) -> str:
        return chunk_id(self.article_id, self.revision, self.index)


def sentence_id(article_id: str, revision: int, index: int) -> str:
    return f"{article_id}@{revision}#{index}"


def chunk_id(article_id: str, revision: int, index: int) -> str:
    return f"{article_id}@{revision}:c{index}"


def parse_sentence_id(sid: str) -> tuple[str, int, int]:
    """Split ``<article>@<revision>#<index>``; raises ValueError when malformed."""
    article, _, rest = sid.partition("@")
    rev, _, idx = rest.partition("#")
    if not article or not rev or not idx:
        raise ValueError(f"not a sentence id: {sid!r}")
    return article, int(rev), int(idx)


@dataclass
class AnswerSentence:
    """One sentence of an answer or briefing, with the stable ids of the sentences it cites."""

    text: str
    citations: list[str] = field(default_factory=list)
    supported: bool = True
    attached_after: bool = False  # citations were attached by the checker, not written by the model
    reasons: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the keys the model wrote (before checking)

    def to_dict(self) -> dict:
        return {"text": self.text, "citations": list(self.citations), "supported": self.supported, "attached_after": self.attached_after}


@dataclass
class Citation:
    id: str  # stable sentence id <article>@<revision>#<index>
    n: int  # the number shown to people
    article_id: str
    revision: int
    title: str
    source: str
    published: str | None
    url: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    engine: str
    model: str | None
    as_of: str | None
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    usage: dict = field(default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0})
    notes: list[str] = field(default_factory=list)  # removed keys, attached citations, flagged sentences
    prompt: list[dict] = field(default_factory=list, repr=False)  # the exact messages sent (or that would be)
    short_answer: str | None = None  # the answer in a few words; None when refused or not found
    rejected: list[dict] = field(default_factory=list)  # {"text", "keys", "reason"}: what the check kept from the user
    raw_reply: str = field(default="", repr=False)  # the model's reply as received (logged with -v)

    @property
    def attached_after(self) -> int:
        return sum(1 for s in self.sentences if s.attached_after)

    @property
    def refusal_reason(self) -> str | None:
        """Why the answer was refused, in one line (from the "refused: ..." note)."""
        return next((n.removeprefix("refused: ") for n in self.notes if n.startswith("refused: ")), None)

    def to_dict(self, topic: bool = False) -> dict:
        d = {
            ("topic" if topic else "question"): self.question,
            "answer": self.answer,
            "refused": self.refused,
            "engine": self.engine,
            "model": self.model,
            "as_of": self.as_of,
            "sentences": [s.to_dict() for s in self.sentences],
            "citations": [c.to_dict() for c in self.citations],
            "usage": dict(self.usage),
            "notes": list(self.notes),
        }
        if not topic:  # answers only; a briefing has no single short answer
            d["short_answer"] = self.short_answer
            d["rejected"] = [dict(r) for r in self.rejected]
        return d
