"""Time words in a question ("this week", "on Monday", "recently", "latest") as a recency
preference, built once for answers and retrieval.

The words themselves are taken out of the query used for matching (an article rarely says "this
week", and one that does is not more relevant for it). What they mean is anchored at --as-of,
else at the newest publication date in the library's scope: a library of 2022 news asked today
means 2022's "this week", not the clock's. Passages inside the window keep their rank; older
ones lose weight by half for every further window length; passages dated after the anchor lose
it too. Between reports of one story, the latest one dated on or before the anchor comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

_DAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# (pattern, window in days); the first match decides the window, every match is stripped
_TIME_WORDS: list[tuple[str, float]] = [
    (r"\b(?:earlier\s+|later\s+)?(?:today|tonight|this\s+morning|this\s+afternoon|this\s+evening|yesterday|last\s+night)\b", 2),
    (r"\b(?:on|last|this|early|late)\s+" + _DAYS + r"(?:\s+(?:morning|afternoon|evening|night))?\b", 7),
    (r"\b(?:earlier\s+|later\s+)?this\s+week(?:end)?\b|\bin\s+recent\s+days\b|\bthe\s+past\s+(?:few\s+)?days\b", 7),
    (r"\blast\s+week(?:end)?\b|\bthe\s+past\s+week\b", 14),
    (r"\b(?:earlier\s+|later\s+)?this\s+month\b|\bthe\s+past\s+month\b|\bin\s+recent\s+weeks\b", 31),
    (r"\blast\s+month\b", 62),
    (r"\b(?:most\s+)?recent(?:ly)?\b|\blately\b|\b(?:the\s+)?latest\b|\bright\s+now\b|\bcurrently\b|\bthese\s+days\b", 14),
    (r"\b(?:earlier\s+|later\s+)?this\s+year\b", 366),
]
_ANY = re.compile("|".join(f"(?:{p})" for p, _ in _TIME_WORDS), re.I)


@dataclass
class TimeWords:
    query: str  # the question without its time words, for matching
    window_days: float | None  # None: the question has no time words
    words: list[str]


def split(question: str) -> TimeWords:
    """Separate the time words from the rest of the question."""
    q = question or ""
    window = None
    for pattern, days in _TIME_WORDS:
        if re.search(pattern, q, re.I):
            window = days
            break
    words = [m.group(0) for m in _ANY.finditer(q)]
    if not words:
        return TimeWords(q.strip(), None, [])
    rest = _ANY.sub(" ", q)
    rest = re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", rest)).strip()
    rest = re.sub(r"^(?:the|a)\s+(?=[?])", "", rest)
    if len(re.findall(r"\w+", rest)) < 2:  # "What happened this week?": keep it whole
        rest = q.strip()
    return TimeWords(rest, window, words)


def anchor_ts(filters, conn) -> float | None:
    """--as-of (the end of that day), else the newest publication time in scope, else None."""
    if filters is not None and filters.as_of_ts is not None:
        return filters.as_of_ts
    from ..library.search import newest_published_ts
    from .filters import Filters

    return newest_published_ts(conn, filters or Filters())


def published_ts(published: str | None) -> float | None:
    if not published:
        return None
    try:
        d = datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        try:
            d = datetime.strptime(published[:10], "%Y-%m-%d")
        except ValueError:
            return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.timestamp()


def weight(published_ts: float | None, anchor: float, window_days: float) -> float:
    """1 inside the window before the anchor; halved per further window length; undated 0.25."""
    if published_ts is None:
        return 0.25
    age = (anchor - published_ts) / 86400
    if age < -1:  # after the anchor (possible without --as-of only through clock skew): not "this week"
        return 0.5 ** (1 + (-age) / window_days)
    over = max(0.0, age - window_days)
    return 0.5 ** (over / window_days)


def prefer(passages: list, anchor: float | None, window_days: float | None) -> list:
    """Passages reordered by rank and recency; within a story the latest report first."""
    if not passages or anchor is None or window_days is None:
        return list(passages)
    scored = []
    for i, p in enumerate(passages):
        ts = published_ts(getattr(p, "published", None))
        scored.append((weight(ts, anchor, window_days) / (1 + 0.25 * i), i, p, ts))
    scored.sort(key=lambda x: (-x[0], x[1]))
    ordered = [p for _, _, p, _ in scored]
    # between reports of one story, the latest on or before the anchor takes the story's first place
    ts_of = {id(p): ts for _, _, p, ts in scored}
    slots: dict[str, list[int]] = {}
    for pos, p in enumerate(ordered):
        story = getattr(p, "story", None)
        if story:
            slots.setdefault(story, []).append(pos)
    out = list(ordered)
    for story, positions in slots.items():
        if len(positions) < 2:
            continue
        members = [ordered[i] for i in positions]
        members.sort(key=lambda p: (-(ts_of[id(p)] or 0) if (ts_of[id(p)] or 0) <= anchor + 86400 else float("inf")))
        for pos, p in zip(positions, members):
            out[pos] = p
    return out
