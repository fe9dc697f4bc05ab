"""The context given to a model: source sentences under short keys assigned by the tool.

    ## "Title" — Outlet, 2019-08-08
    [1] First sentence.
    [2] Second sentence.

Bracketed patterns already in article text (footnote markers like [1]) are escaped so they
cannot be mistaken for keys. Passages are added in rank order until the token budget is used.
Boilerplate (ads, bylines, newsletter lines) and the article's own questions get no key: they
are never evidence (assistant/news/boilerplate.py, shared with briefings).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..citations import escape_brackets
from ..news.boilerplate import not_evidence
from ..tokens import count_tokens
from ..types import Sentence
from .injection import looks_like_injection


@dataclass
class Keyed:
    key: str
    sentence: Sentence
    title: str
    source: str
    published: str | None
    url: str
    suspicious: bool = False  # speaks to an AI assistant: shown, never evidence (injection.py)


@dataclass
class Context:
    items: dict[str, Keyed] = field(default_factory=dict)
    text: str = ""
    passages_used: int = 0
    passages_dropped: int = 0
    tokens: int = 0

    @property
    def keys(self) -> list[str]:
        return list(self.items)

    def by_sentence_id(self) -> dict[str, Keyed]:
        return {k.sentence.id: k for k in self.items.values()}

    @property
    def evidence(self) -> dict[str, Keyed]:
        """The keyed sentences that may support a claim."""
        return {key: k for key, k in self.items.items() if not k.suspicious}


def header(title: str, source: str, published: str | None) -> str:
    return f'## "{title or "untitled"}" — {source or "unknown outlet"}, {published or "undated"}'


def keyed(key: str, sentence: Sentence, title: str, source: str, published: str | None, url: str) -> Keyed:
    """A sentence under its key; one that speaks to an AI assistant is marked (never evidence)."""
    return Keyed(key, sentence, title, source, published, url, looks_like_injection(sentence.text))


def render_passage(title: str, source: str, published: str | None, lines: list[tuple[str, str]]) -> str:
    """One article's block: its heading, then ``[key] text`` per sentence, brackets in the text escaped."""
    return "\n".join([header(title, source, published)] + [f"[{key}] {escape_brackets(text)}" for key, text in lines])


def build(passages, budget_tokens: int) -> Context:
    ctx = Context()
    blocks: list[str] = []
    seen: set[str] = set()
    n = 0
    for p in passages:
        new: list[Keyed] = []
        for s in p.sentences:
            if s.id in seen or not_evidence(s.text):
                continue
            new.append(keyed(str(n + len(new) + 1), s, p.title, p.source, p.published, p.url))
        if not new:
            continue
        block = render_passage(p.title, p.source, p.published, [(k.key, k.sentence.text) for k in new])
        cost = count_tokens(block) + 2
        if ctx.tokens + cost > budget_tokens and ctx.items:
            ctx.passages_dropped += 1
            continue
        for k in new:
            ctx.items[k.key] = k
            seen.add(k.sentence.id)
        n += len(new)
        blocks.append(block)
        ctx.tokens += cost
        ctx.passages_used += 1
    ctx.text = "\n\n".join(blocks)
    return ctx
