"""Words shared by the lexical parts: stop words, stemmers and cosine similarity (no model).

There is one English stop-word list (``STOP_WORDS``) and one light stemmer (``stem``). Three
users keep the variant their figures were measured with (docs/retrieval.md, docs/answers.md,
docs/citation-check.md, docs/briefings.md); they are defined here, side by side, as the base
list plus what each adds, so a change to one is visibly a change to one:

* search queries (FTS5 terms; the extractive answer's question words): ``SEARCH_STOP_WORDS``;
* the support check: ``SUPPORT_STOP_WORDS`` keeps "no"/"not"/"nor", since a negation changes
  what a sentence claims, and drops titles and hedges; stemmed with ``stem``;
* extractive briefings (TF-IDF over sentences): ``BRIEF_STOP_WORDS`` adds contraction pieces;
  stemmed with ``suffix_stem(w, BRIEF_SUFFIXES)``; extractive answers with ``ANSWER_SUFFIXES``.
"""

from __future__ import annotations

import math
from functools import lru_cache

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself of off on once only or other our ours ourselves out over own
    said same says she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t""".split()
)
NEGATIONS = frozenset({"no", "nor", "not"})

SEARCH_STOP_WORDS = STOP_WORDS | NEGATIONS | frozenset(
    "aren't cannot don let now ought according say new one two many much".split())
SUPPORT_STOP_WORDS = STOP_WORDS | frozenset(
    """according say one's mr mrs ms dr new well many much may might must shall whose upon within
    via per among around across""".split())
BRIEF_STOP_WORDS = STOP_WORDS | NEGATIONS | frozenset("now n nt ll re ve d m".split())

# (suffix, replacement), first match wins, the stem keeping at least 3 letters
ANSWER_SUFFIXES = (("ings", ""), ("ing", ""), ("ies", ""), ("ied", ""), ("es", ""), ("ed", ""), ("s", ""))
BRIEF_SUFFIXES = (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))


def suffix_stem(word: str, suffixes: tuple[tuple[str, str], ...]) -> str:
    """Strip the first matching suffix (a lower-case word in, its stem out)."""
    for suf, rep in suffixes:
        if word.endswith(suf) and len(word) - len(suf) >= 3:
            return word[: len(word) - len(suf)] + rep
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Lower-case and strip common English suffixes: enough to match 'elected'/'elects'."""
    w = word.lower().replace("\u2019", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    for suf, rep in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("ly", "")):
        if w.endswith(suf) and len(w) - len(suf) >= 3 and not w.endswith("ss"):
            w = w[: -len(suf)] + rep
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":  # stopped -> stopp -> stop
        w = w[:-1]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


def cosine(a, b) -> float:
    """Cosine similarity of two vectors (sequences of numbers); 0 when either is all zeros."""
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)
