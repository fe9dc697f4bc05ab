"""The citing stage shared by answers (answer/pipeline.py) and briefings (brief/pipeline.py).

    keyed context (context.py: keys, escaping, token budget)
      -> the model's reply in the form its server takes (response_modes, first_form_taken)
      -> sentences with keys (segments) -> the support check and citations attached afterwards
         (Answerer.check_reply / check_segment) -> citations numbered by first appearance (number)

Briefings check their model's reply with the same ``Answerer.check_reply`` under a
``Plan.for_briefing`` (no question, no passages): one check, one numbering, for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..support.keys import Segment, keys_in, parse_citations, strip_keys
from ..types import Answer, AnswerSentence, Citation
from .context import Context, Keyed, build, header, keyed, render_passage

__all__ = [
    "Context", "Keyed", "Plan", "as_of_date", "build", "first_form_taken", "header", "keyed", "number",
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
