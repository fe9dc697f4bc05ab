"""The context given to a model: source sentences under short keys assigned by the tool.

    ## "Title" — Outlet, 2019-08-08
    [1] First sentence.
    [2] Second sentence.

Bracketed patterns already in article text (footnote markers like [1]) are escaped so they
cannot be mistaken for keys. Passages are added in rank order until the token budget is used.
Boilerplate (ads, bylines, newsletter lines) and the article's own questions get no key: they
are never evidence (assistant/news/boilerplate.py, shared with briefings).

For a small model on this machine, ``build_focused`` sends only the sentences that best match
the question with their neighbours (one heading per article, "…" where sentences were left
out): a model reading ~20 prompt tokens/s on 2 cores spends most of its time on the context,
and whole passages are mostly sentences that do not bear on the question.
"""

from __future__ import annotations

import re
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
    focused: bool = False  # build_focused: the best-matching sentences and their neighbours, not whole passages

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


GAP = "…"  # a line between sentences of one article that are not adjacent in it


_DATELINE = re.compile(r"^[\W\d_]*(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july"
                       r"|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b[\W\d_]*)+$", re.IGNORECASE)
# a sentence starting with one of these leans on the one before it ("This rank was upgraded ...")
_LEANS_BACK = re.compile(r"^\W*(?:he|she|it|they|this|that|these|those|his|her|its|their|there|such|also|but|however|the\s+\d+-year-old)\b", re.IGNORECASE)

LEAD_ARTICLES = 1  # the lead of the best-ranked article comes right after the best sentence
WIDE_ANCHORS = 2  # this many best sentences bring the sentences after them; the others come alone
MIN_SHARE = 0.4  # a sentence scoring under this share of the best one's score is not sent (a lead or a neighbour still is)


def _usable(s) -> bool:
    """A sentence worth sending: not boilerplate, not a question, not a dateline ("Friday, June 28, 2019")."""
    return not not_evidence(s.text) and not _DATELINE.match(s.text)


def lead_of(sentences) -> object | None:
    """A news article's lead: its first sentence that says something (not a dateline, a byline or
    a question), among the first four. The lead states what the title announces, often the very
    answer ("... pleaded not guilty on Tuesday ...") in words the question does not share."""
    for s in list(sentences)[:4]:
        if len(s.text.split()) >= 6 and not not_evidence(s.text):
            return s
    return None


def build_focused(passages, budget_tokens: int, relevance, window: int = 1, article=None) -> Context:
    """The sentences that best match the question, added best first until ``budget_tokens`` is
    used: the best one, then the leads of the ``LEAD_ARTICLES`` best-ranked articles, then the
    others by score. The ``WIDE_ANCHORS`` best bring the ``window`` sentences after them; every
    one brings up to ``window`` before it when it leans on them ("He ...", "This rank ..."). Grouped by article (articles in the order of their best
    passage, sentences in article order). ``relevance(texts) -> scores`` rates the passages'
    sentences against the question; ``article(article_id, revision) -> sentences`` gives the whole
    article, so that a lead or a neighbour outside the retrieved passage can be sent too. The best
    sentence always gets in (alone if its neighbours do not fit)."""
    articles: dict[tuple, dict] = {}  # (article, revision) -> {"p": first passage, "s": {index: Sentence} (its candidates), "rank"}
    seen: set[str] = set()
    for rank, p in enumerate(passages):
        for s in p.sentences:
            if s.id in seen or not _usable(s):
                continue
            seen.add(s.id)
            a = articles.setdefault((s.article_id, s.revision), {"p": p, "s": {}, "rank": rank})
            a["s"][s.index] = s
    cands = [(key, i) for key, a in articles.items() for i in sorted(a["s"])]
    ctx = Context(focused=True)
    if not cands:
        return ctx
    for key, a in articles.items():  # what may be sent besides the candidates: the rest of the article
        whole = None
        if article is not None:
            try:
                whole = article(*key)
            except Exception:
                whole = None  # the passages' sentences alone
        a["all"] = {s.index: s for s in (whole or []) if _usable(s)}
        a["all"].update(a["s"])
    scores = list(relevance([articles[key]["s"][i].text for key, i in cands]))
    # the retriever's order counts a little (as in the extractive engine's score)
    prior = [0.85 + 0.15 / (1 + 0.15 * articles[key]["rank"]) for key, _ in cands]
    ranked = sorted(range(len(cands)), key=lambda j: (-scores[j] * prior[j], j))
    floor = MIN_SHARE * scores[ranked[0]] * prior[ranked[0]]  # what scores far below the best is noise, not worth reading
    order = [cands[j] for n, j in enumerate(ranked) if n == 0 or scores[j] * prior[j] >= floor]
    leads = []
    for key in sorted(articles, key=lambda k: articles[k]["rank"])[:LEAD_ARTICLES]:
        lead = lead_of(sorted(articles[key]["all"].values(), key=lambda s: s.index))
        if lead is not None:
            leads.append((key, lead.index))
    chosen: dict[tuple, set] = {}
    used = 0

    def cost(key, idx: set) -> int:
        a = articles[key]
        c = sum(count_tokens(a["all"][i].text) + 4 for i in idx)  # "[12] " and the newline
        if key not in chosen:
            c += count_tokens(header(a["p"].title, a["p"].source, a["p"].published)) + 3
        return c

    queue = [(key, i, window) for key, i in order[:1]] + [(key, i, 0) for key, i in leads] + \
        [(key, i, window if n < WIDE_ANCHORS - 1 else 0) for n, (key, i) in enumerate(order[1:])]
    for key, i, after in queue:
        have = chosen.get(key, set())
        near = _window(articles[key]["all"], i, after, back=window) - have
        # with its neighbours, else alone (the best one alone even over the budget); one already
        # sent as another's neighbour still brings its own
        for new in (near, {i} - have):
            if not new:
                continue
            c = cost(key, new)
            if used + c <= budget_tokens or (not chosen and new == {i}):
                chosen.setdefault(key, set()).update(new)
                used += c
                break
    blocks: list[str] = []
    n = 0
    for key in sorted(chosen, key=lambda k: articles[k]["rank"]):
        a, p = articles[key], articles[key]["p"]
        lines, prev = [header(p.title, p.source, p.published)], None
        for i in sorted(chosen[key]):
            s = a["all"][i]
            if prev is not None and i != prev + 1:
                lines.append(GAP)
            n += 1
            k = keyed(str(n), s, p.title, p.source, p.published, p.url)
            ctx.items[k.key] = k
            lines.append(f"[{k.key}] {escape_brackets(s.text)}")
            prev = i
        blocks.append("\n".join(lines))
    ctx.text = "\n\n".join(blocks)
    ctx.tokens = count_tokens(ctx.text)
    ids = {k.sentence.id for k in ctx.items.values()}
    ctx.passages_used = sum(1 for p in passages if any(s.id in ids for s in p.sentences))
    ctx.passages_dropped = len(passages) - ctx.passages_used
    return ctx


def _window(sentences: dict, i: int, after: int, back: int) -> set:
    """Sentence ``i`` and the ``after`` sentences that follow it (a story goes on in the next
    sentences), and up to ``back`` before it while it leans on them ("He ...", "This rank ...")."""
    out = {i}
    for m in range(i + 1, i + after + 1):
        if m in sentences:
            out.add(m)
    m = i
    while m - 1 in sentences and i - (m - 1) <= back and _LEANS_BACK.match(sentences[m].text):
        m -= 1
        out.add(m)
    return out
