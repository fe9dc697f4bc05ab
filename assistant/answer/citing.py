"""The citing stage shared by answers (answer/pipeline.py) and briefings (brief/pipeline.py).

    keyed context (context.py: keys, escaping, token budget)
      -> the model's reply in the form its server takes (response_modes, first_form_taken)
      -> sentences with keys (segments) -> the support check and citations attached afterwards
         (SentenceCheck.check_segment) -> citations numbered by first appearance (number)

The whole reply is made into an answer (refusal, --strict, short answer, streaming) by
``Answerer.check_reply``; briefings call it under ``Plan.for_briefing`` (no question, no
passages), and number their extractive points with the same ``number``: one check, one
numbering, for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .. import prompts
from ..support.checker import Given
from ..support.keys import Segment, keys_in, parse_citations, strip_keys
from ..types import Answer, AnswerSentence, Citation
from .context import Context, Keyed, build, header, keyed, render_passage

ARTICLE_CONTEXT_SENTENCES = 40  # earlier sentences a name may come from

# "The text does not provide information about ..." is the model saying it has no answer
NON_ANSWER = re.compile(
    r"\b(?:(?:the\s+)?(?:provided\s+)?(?:sources?|texts?|articles?|context|passages?|information(?:\s+provided)?)\s+(?:does|do|did)\s+not"
    r"|(?:there\s+is\s+)?no\s+(?:information|mention|details?|data)\s+(?:about|on|regarding|in)"
    r"|not\s+(?:mentioned|provided|specified|stated|given|available)\s+in\s+the"
    r"|i\s+(?:cannot|can't|could\s+not|am\s+unable\s+to)\s+(?:find|answer|determine)"
    r"|(?:cannot|can't)\s+be\s+determined)",
    re.IGNORECASE,
)

__all__ = [
    "Context", "Keyed", "NON_ANSWER", "Plan", "SentenceCheck", "as_of_date", "build", "first_form_taken", "header", "keyed", "number",
    "render_passage", "response_modes", "segments",
]


@dataclass
class Plan:
    question: str
    passages: list
    context: Context
    messages: list[dict]
    as_of: str = ""
    mode: str = "text"
    match: str = ""  # the question without its time words: what sentences are matched against
    # the question's time words as a recency preference: (anchor timestamp, window in days), or None
    recency: tuple[float, float] | None = None
    # the question's date (its time words' anchor, else --as-of, else None): how old each report is
    anchor: float | None = None

    @classmethod
    def for_briefing(cls, context: Context, as_of: str, mode: str) -> "Plan":
        """A briefing's reply is checked as an answer to no question: every sentence against the
        sentences it cites (no passages to rank, no topic test); ``as_of`` only when it is a date."""
        return cls("", [], context, [], as_of if as_of[:1].isdigit() else "", mode or "text")


def response_modes(settings, llm) -> tuple[list[str], bool]:
    """The response forms to try, and whether the one that works is to be learned."""
    from ..llm import structured

    pref = getattr(settings, "response_format", "auto")
    if pref in structured.MODES:
        return [pref], False
    known = structured.learned(settings.config_path, llm.base_url, llm.model) if llm else None
    if known:
        return [known], False
    return list(structured.MODES), True


def first_form_taken(settings, llm, call: Callable[[str], object], known: str | None = None) -> tuple[str, object]:
    """``call(mode)`` in each response form until the server takes one (learned once per server):
    the form and what ``call`` returned. ``known``: the form this caller already found."""
    from ..errors import FormatUnsupported
    from ..llm import structured

    modes, learning = ([known], False) if known else response_modes(settings, llm)
    for i, mode in enumerate(modes):
        try:
            result = call(mode)
        except FormatUnsupported:
            if i + 1 < len(modes):
                continue
            raise
        if learning:
            structured.remember(settings.config_path, llm.base_url, llm.model, mode)
        return mode, result
    raise AssertionError("no response form to try")  # pragma: no cover - response_modes is never empty


def segments(text: str, mode: str, final: bool) -> list[Segment]:
    """Answer sentences with their keys: from the JSON reply (complete items only while
    streaming), else from the text protocol (a sentence is complete once the next has begun)."""
    from ..llm import structured

    if mode != "text":
        doc = structured.parse(text) if final else None
        items = doc["sentences"] if doc is not None else (structured.complete_items(text) if not final or text.lstrip().startswith("{") else None)
        if items is not None:
            out = []
            for it in items:
                keys = list(dict.fromkeys(list(it["keys"]) + keys_in(it["text"])))
                clean = strip_keys(it["text"])
                if clean:
                    out.append(Segment(clean, keys))
            return out
        if not final and text.lstrip().startswith("{"):
            return []
    segs = parse_citations(text)
    return segs if final else (segs[:-1] if len(segs) > 1 else [])


def number(answer: Answer, sent: AnswerSentence, numbering: dict[str, int], locate: Callable[[str], tuple]) -> None:
    """Number the sentence's citations by first appearance and add the new ones to the answer.
    ``locate(sentence_id)`` gives ``(where, sentence)``: ``where`` has title, source, published
    and url (a context key or a briefed document), ``sentence`` the text and its offsets."""
    for sid in sent.citations:
        if sid in numbering:
            continue
        where, s = locate(sid)
        numbering[sid] = len(numbering) + 1
        answer.citations.append(Citation(id=sid, n=numbering[sid], article_id=getattr(where, "article_id", s.article_id),
                                         revision=getattr(where, "revision", s.revision), title=where.title, source=where.source,
                                         published=where.published, url=where.url, text=s.text, start=s.start, end=s.end))


def as_of_date(filters, published: list) -> str:
    """The date an answer is given as of: --as-of, else the newest source in the context (never
    the clock: a library of 2022 news read today answers as of 2022)."""
    if filters is not None and getattr(filters, "as_of", None):
        return str(filters.as_of)[:10]
    dates = sorted(str(p)[:10] for p in published if p)
    return dates[-1] if dates else ""


class SentenceCheck:
    """A reply's sentence against the keyed sentences it cites (assistant.support's checker, given
    the headings, the question and the article around them); citations attached afterwards from
    the best-supporting context sentences when its own do not support it."""

    def __init__(self, library, checker):
        self.lib = library
        self.checker = checker
        self._article_text: dict[tuple, list[str]] = {}

    def given(self, plan: Plan, keyed: list) -> Given:
        """What the cited sentences' articles give besides the sentences themselves."""
        heads, article, dates = [], [], []
        for k in keyed:
            heads.append(" ".join(x for x in (k.title, k.source, k.published or "", getattr(k, "author", "") or "") if x))
            if k.published:
                dates.append(k.published)
            article.append(k.title or "")
            article.extend(self._earlier(k.sentence))
        return Given(header=" ".join(heads), question=plan.question, article=" ".join(article), dates=tuple(dict.fromkeys(dates)),
                     as_of=plan.as_of)

    def _earlier(self, sentence) -> list[str]:
        key = (sentence.article_id, sentence.revision)
        if key not in self._article_text:
            if len(self._article_text) > 256:
                self._article_text.clear()
            try:
                self._article_text[key] = [s.text for s in self.lib.sentences(sentence.article_id, sentence.revision)]
            except Exception:
                self._article_text[key] = []
        texts = self._article_text[key]
        i = sentence.index
        # the article so far (a name given earlier), and the next sentence (same paragraph)
        return texts[max(0, i - ARTICLE_CONTEXT_SENTENCES): i + 2]

    def check_segment(self, answer: Answer, plan: Plan, seg) -> AnswerSentence | None:
        """One sentence of the reply checked against the context keys it cites; when they do not
        support it, the best-supporting context sentences are attached instead, else it is flagged.
        None for what states nothing (the refusal sentinel, the question repeated, "no information")."""
        text = seg.text.strip()
        if not text or text.strip(" .") == prompts.REFUSAL_SENTINEL:
            return None
        if plan.question and _restates(text, plan.question, plan.context):
            answer.rejected.append({"text": text, "keys": list(seg.keys), "reason": "repeats the question; states no answer"})
            return None
        if NON_ANSWER.search(text):
            answer.rejected.append({"text": text, "keys": list(seg.keys), "reason": "the model says the sources do not answer this"})
            return None
        # a question in an article ("How relevant is this ad to you?") states nothing: never evidence
        items = {k: v for k, v in plan.context.evidence.items() if not _is_question(v.sentence.text)}
        valid = [k for k in seg.keys if k in items]
        for bad in [k for k in seg.keys if k not in items]:
            if bad in plan.context.evidence:
                continue  # a question: dropped from the check, not an invented key
            if bad in plan.context.items:
                answer.notes.append(f"removed key [{bad}]: that source sentence addresses AI assistants; it is not evidence")
            else:
                answer.notes.append(f"removed key [{bad}]: not in the context")
        cited = [items[k].sentence.id for k in valid]
        sent = AnswerSentence(text=text, citations=cited)
        sent.keys = list(seg.keys)
        if cited:
            sup = self.checker.check(text, [items[k].sentence.text for k in valid], self.given(plan, [items[k] for k in valid]))
            sent.supported, sent.reasons = sup.supported, list(sup.reasons)
            if sup.supported:
                return sent
        # no (valid) citation, or the cited sentences do not support it: look for support in the context
        keys = list(items)
        idx = self.checker.best_support(text, [items[k].sentence.text for k in keys], k=2)
        if idx:
            sup = self.checker.check(text, [items[keys[i]].sentence.text for i in idx], self.given(plan, [items[keys[i]] for i in idx]))
            if sup.supported:
                sent.citations = [items[keys[i]].sentence.id for i in idx]
                sent.supported, sent.reasons, sent.attached_after = True, list(sup.reasons), True
                return sent
        sent.supported = False
        if not sent.reasons:
            sent.reasons = ["no source sentence in the context supports it"]
        return sent


def _is_question(text: str) -> bool:
    """An article's own question ("How relevant is this ad to you?"), not a sentence that
    quotes one ('... voted yes to the question: "Do the benefits ...?"')."""
    t = text.strip()
    return t.endswith("?") and not any(q in t for q in ('"', "\u201c", ":"))


def _restates(claim: str, question: str, context) -> bool:
    """Every content word of the claim is the question's or a heading's: it answers nothing."""
    from ..support.checker import strip_attribution
    from ..support.text import content_stems

    body = set(content_stems(strip_attribution(claim)))
    given = set(content_stems(question)) | {"week", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "recent"}
    return bool(body) and body <= given
