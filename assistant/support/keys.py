"""Citation keys in model output: parse, escape, filter.

A *key group* is a bracketed list of short numeric keys: ``[3]``, ``[3, 5]``, ``[3-5]``,
``[[3]]`` (doubled brackets are tolerated). Adjacent groups (``[3][5]``) are simply two
groups. Anything else in brackets (``[a]``, ``[citation needed]``, ``[...]``, ``[sic]``) is
not a key and stays in the text untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_RANGE = 10  # a range such as [1-999] yields at most this many keys
_ITEM = r"\d{1,4}(?:\s*[-\u2013\u2014]\s*\d{1,4})?"
# One or more opening brackets, key items separated by commas/semicolons/spaces, closing brackets.
GROUP = re.compile(r"\[+\s*(" + _ITEM + r"(?:\s*[,;\s]\s*" + _ITEM + r")*)\s*\]+")
_ITEM_RE = re.compile(_ITEM)
_RANGE = re.compile(r"(\d{1,4})\s*[-\u2013\u2014]\s*(\d{1,4})")


@dataclass
class Segment:
    """One answer sentence: clean ``text`` (keys removed), its ``keys`` in order of first
    appearance, and ``start``/``end`` offsets of the raw sentence in the parsed text."""

    text: str
    keys: list[str] = field(default_factory=list)
    start: int = 0
    end: int = 0


def _expand(inner: str) -> list[str]:
    keys: list[str] = []
    # items found by the same pattern GROUP matched them with, so "1- 2" stays one range
    # (splitting on spaces first made it "1-" and "2", and int("1-") raised)
    for found in _ITEM_RE.finditer(inner):
        item = found.group(0)
        m = _RANGE.fullmatch(item)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                a, b = b, a
            keys.extend(str(k) for k in range(a, min(b, a + MAX_RANGE - 1) + 1))
        else:
            keys.append(str(int(item)))
    return keys


def keys_in(text: str) -> list[str]:
    """All keys in ``text``, in order, without duplicates."""
    out: list[str] = []
    for m in GROUP.finditer(text):
        for k in _expand(m.group(1)):
            if k not in out:
                out.append(k)
    return out


def strip_keys(text: str) -> str:
    """``text`` without key groups, with the space before punctuation normalised."""
    while True:  # removing "[1]" from "[ [1] 2]" leaves "[ 2]": repeat until no key-like group is left (each pass shortens)
        text, n = GROUP.subn(" ", text)
        if not n:
            break
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s+([.,;:!?)\]\u201d'\"]*[.,;:!?])", r"\1", text)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\s*\n\s*", " ", text).strip()


def _only_keys(text: str) -> bool:
    return not GROUP.sub("", text).strip(" \t\n.,;:")


def parse_citations(text: str) -> list[Segment]:
    """Split an answer into sentences and pull out each sentence's keys.

    Keys that open a sentence other than the first ("... text. [2] Next ...") and a key
    alone on a line belong to the sentence before them.
    """
    from assistant.ingest.sentences import split

    segments: list[Segment] = []
    # a line break ends a sentence in model output (notes and lists are one per line; the
    # splitter alone would run "... Wednesday. [3][7]\nColorado ..." into one sentence)
    # nor does it split "... 6 months. [2][3] The park's ...": a key group followed by a
    # capitalised word ends a sentence too
    pieces, offset = [], 0
    for line in text.splitlines(keepends=True):
        cuts = [0] + [m.end() for m in GROUP.finditer(line) if re.match(r"[ \t]+[A-Z\u201c\"(]", line[m.end():])] + [len(line)]
        for a0, b0 in zip(cuts, cuts[1:]):
            part = line[a0:b0]
            if part.strip():
                pieces.extend((offset + a0 + a, offset + a0 + b, r) for a, b, r in split(part))
        offset += len(line)
    for start, end, raw in pieces:
        lead = re.match(r"(?:\s*" + GROUP.pattern + r")+[\s.,;:]*", raw)
        if lead and segments:
            prev = segments[-1]
            for k in keys_in(lead.group(0)):
                if k not in prev.keys:
                    prev.keys.append(k)
            prev.end = start + lead.end()
            raw, start = raw[lead.end():], start + lead.end()
        if not raw.strip():
            continue
        if _only_keys(raw) and segments:
            continue
        clean = strip_keys(raw)
        if not clean and not segments:
            continue
        if segments and not re.search(r"\w", clean):  # a closing quote mark split off: its keys are the sentence's
            for k in keys_in(raw):
                if k not in segments[-1].keys:
                    segments[-1].keys.append(k)
            continue
        segments.append(Segment(clean, keys_in(raw), start, end))
    return [s for s in segments if s.text]


def escape_brackets(text: str) -> str:
    """Make bracketed key-like patterns in source text harmless before it goes into a prompt.

    Only groups that would parse as keys are touched, and their square brackets become
    round ones: ``[1]`` -> ``(1)``, ``[[2, 3]]`` -> ``((2, 3))``. Round brackets read
    naturally, survive every tokenizer, and can never parse as a key; other bracketed text
    (``[sic]``, ``[...]``) is left as written. ``parse_citations(escape_brackets(t))``
    finds no keys.
    """
    return GROUP.sub(lambda m: m.group(0).replace("[", "(").replace("]", ")"), text)


def filter_keys(segments: list[Segment], allowed_keys) -> tuple[list[Segment], list[tuple[int, str]]]:
    """Drop keys that are not in ``allowed_keys`` (invented or outside the context).

    Returns new segments and the removed keys as ``(segment index, key)`` pairs.
    """
    allowed = {str(k) for k in allowed_keys}
    out, removed = [], []
    for i, seg in enumerate(segments):
        keep = [k for k in seg.keys if k in allowed]
        removed.extend((i, k) for k in seg.keys if k not in allowed)
        out.append(Segment(seg.text, keep, seg.start, seg.end))
    return out, removed
