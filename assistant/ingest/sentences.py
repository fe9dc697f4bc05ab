"""Sentence splitting with exact character offsets into the cleaned text.

pysbd does the splitting (chosen by measurement: docs/sentence-splitting.md); it runs per
paragraph, and each sentence is located in the paragraph by search from a cursor, so the
offsets are exact even where the splitter normalises whitespace.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, sentence) triples; text[start:end] == sentence for each."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for para in text.split("\n\n"):
        para_start = pos
        pos += len(para) + 2
        if not para.strip():
            continue
        cursor = 0
        for seg in _segmenter().segment(para):
            seg = seg.strip()
            if not seg:
                continue
            found = para.find(seg, cursor)
            if found == -1:
                # the splitter altered the text; fall back to the rest of the paragraph
                rest = para[cursor:].strip()
                if rest:
                    found = para.find(rest, cursor)
                    out.append((para_start + found, para_start + found + len(rest), rest))
                cursor = len(para)
                break
            out.append((para_start + found, para_start + found + len(seg), seg))
            cursor = found + len(seg)
        tail = para[cursor:].strip()
        if tail:
            found = para.find(tail, cursor)
            out.append((para_start + found, para_start + found + len(tail), tail))
    return out
