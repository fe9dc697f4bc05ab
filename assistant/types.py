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
