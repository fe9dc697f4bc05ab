"""Candidate phrases of an asked kind in a sentence: numbers, amounts, percentages, dates,
colours by pattern; people, organisations, places and titles from the capitalised names; and the
phrase a sentence states to be "the ..." the question asks about."""

from __future__ import annotations

import re

from .kinds import _COPULA, _definite, _last_question
from .names import _INSTITUTION, _ORG_SUFFIX, _cap_runs, _team
from .places import _GENERAL_PLACES, _PLACE_TYPE, _STATE_AND_CITY, _demonym, _place_sub, is_place
from .words import _STOP

def _phrase_candidates(question: str, sentence: str) -> list[tuple[int, str]]:
    """The noun phrase a sentence states to be "the ..." of the question: "climate change posed the
    biggest security threat" / "the biggest threat is climate change" (lower-case answers that no
    name pattern finds)."""
    words = _definite(_last_question(question))
    if not words:
        return []
    tail = r"\s+".join(re.escape(w) for w in words[-2:])
    out = []
    for m in re.finditer(r"\b" + tail + r"\b", sentence, re.I):
        left = sentence[:m.start()]
        # "... that climate change posed the biggest" / "climate change, the biggest"
        lm = re.search(r"(?:^|[,;:(“\"]|\bthat|\bsaying|\bsaid)\s*((?:(?!(?:that|saying|said)\b)[\w’'-]+\s+){1,4}?)(?:" + _COPULA + r"\s+|,\s+)?(?:the|its|their|a)\s+(?:[\w’'-]+\s+){0,2}$",
                       left, re.I)
        if lm:
            out.append((lm.start(1), lm.group(1).strip()))
        right = sentence[m.end():]
        rm = re.match(r"(?:\s+[\w’'-]+){0,3}?\s+" + _COPULA + r"\s+((?:[\w’'-]+\s*){1,4}?)(?=[,.;]|\s+(?:that|which|and|but|according)\b|$)", right, re.I)
        if rm:
            out.append((m.end() + rm.start(1), rm.group(1).strip()))
    return [(i, p) for i, p in out if p and p.split()[0].lower() not in _STOP]



_NUM_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|dozens|hundreds|thousands|a\\s+dozen"
_SCALE = r"(?:\s?(?:thousand|million|billion|trillion|[mb]n|[kmb])\b)?"
_NUMBER = re.compile(r"(?<![\w.$£€])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)" + _SCALE + r"|\b(?:" + _NUM_WORDS + r")(?:[\s-](?:" + _NUM_WORDS + r"))*" + _SCALE, re.I)
_AMOUNT = re.compile(r"(?:[$£€]|US\$|USD\s?)\s?(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)" + _SCALE
                     + r"|(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)" + _SCALE + r"\s(?:dollars|pounds|euros|yen|yuan|rupees)\b", re.I)
_PERCENT = re.compile(r"(?:\d+(?:\.\d+)?|" + _NUM_WORDS + r")\s?(?:%|percent\b|per\s+cent\b)", re.I)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December|Jan\\.|Feb\\.|Aug\\.|Sept?\\.|Oct\\.|Nov\\.|Dec\\."
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_DATE = re.compile(
    r"\b(?:(?:" + _DAYS + r"),?\s+)?(?:" + _MONTHS + r")(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{4})?"
    r"|\b\d{1,2}\s+(?:" + _MONTHS + r")(?:\s+\d{4})?"
    r"|\b(?:" + _DAYS + r")\b"
    r"|\b(?:19|20)\d{2}\b"
    r"|\b(?:next|last|this|later\s+this|early\s+next|in\s+a\s+few|within\s+(?:a|the\s+next))\s+(?:few\s+)?(?:week|month|year|days|weeks|months|years|spring|summer|fall|autumn|winter)s?\b"
    r"|\b(?:today|tomorrow|yesterday|tonight)\b"
)
_COLORS = re.compile(r"\b(?:red|orange|yellow|green|blue|purple|violet|pink|brown|black|white|gr[ae]y|gold|golden|silver|beige|teal|turquoise|maroon|magenta|plaid|navy|crimson|lavender|indigo)\b", re.I)
_QUOTED = re.compile(r"[“\"]([^”\"]{2,60})[”\"]")


_OUTLETS = re.compile(r"^(?:CNN|AP|AFP|Reuters|BBC|NBC|CBS|ABC|Fox|Fox News|MSNBC|NPR|USA TODAY|USA Today|Getty Images|Associated Press|"
                      r"The Associated Press|New York Times|The New York Times|Washington Post|The Washington Post|Bloomberg|"
                      r"CNN Business|CNN Politics|Twitter|Facebook|Instagram|YouTube)$")


def candidates(sentence: str, kind: str, sub: str | None = None) -> list[tuple[int, str]]:
    """(offset, phrase) of every phrase of the kind in the sentence (``sub``: country, state or city)."""
    out = [(i, p) for i, p in _candidates(sentence, kind) if not _OUTLETS.match(p)]  # the reporter is not the answer
    if kind == "place" and sub:
        out = [(i, p) for i, p in out if (_place_sub(p) in (sub, None) or (sub == "city" and p.lower() in _STATE_AND_CITY))
               and not (sub in ("state", "city") and p.lower() in _GENERAL_PLACES)]
    return out



def _candidates(sentence: str, kind: str) -> list[tuple[int, str]]:
    s = sentence
    if kind == "phrase":
        return []  # read with the question (best_candidates: _phrase_candidates)
    if kind == "amount":  # "how much have prices increased?" is answered by a percentage too
        return [(m.start(), m.group(0).strip()) for m in _AMOUNT.finditer(s)] + [(m.start(), m.group(0).strip()) for m in _PERCENT.finditer(s)]
    if kind == "percent":
        return [(m.start(), m.group(0).strip()) for m in _PERCENT.finditer(s)]
    if kind == "number":
        spans = [(m.start(), m.end()) for m in _DATE.finditer(s) if re.fullmatch(r"(?:19|20)\d{2}", m.group(0))]
        out = []
        for m in _NUMBER.finditer(s):
            if any(a <= m.start() < b for a, b in spans):
                continue  # a year is not a count
            tail = s[m.end(): m.end() + 12]
            if re.match(r"(?:st|nd|rd|th)\b", tail, re.I):
                continue  # "his 15th title": an ordinal, not a count
            if tail.startswith(("%", " percent")) or s[max(0, m.start() - 1): m.start()] in ("$", "£", "€"):
                continue
            out.append((m.start(), m.group(0).strip()))
        return out
    if kind == "date":
        return [(m.start(), m.group(0).strip()) for m in _DATE.finditer(s)]
    if kind == "color":
        return [(m.start(), m.group(0)) for m in _COLORS.finditer(s)]
    runs = _cap_runs(s)
    if kind == "place":
        out = []
        for i, n in runs:
            before = s[max(0, i - 16): i].lower()
            if is_place(n) or re.search(r"\b(?:city|town|village|province|state|county|region|island|capital)\s+of\s+$", before) or _PLACE_TYPE.search(n):
                out.append((i, n))
            else:  # "Mexico City's", "Puerto Rico and the Dominican Republic": a known place inside a run
                for p in re.split(r"\s+(?:and|&)\s+", n):
                    if is_place(p):
                        out.append((i + n.find(p), p))
        return out
    # no demonyms ("Afghan"), no shouted headlines or datelines ("MATCH MADE IN AIRLINE", "NEW YORK CITY –")
    runs = [(i, n) for i, n in runs if not _demonym(n) and not (len(n.split()) >= 2 and n.isupper())]
    if kind == "person":
        out = []
        for i, n in runs:
            if is_place(n) or _ORG_SUFFIX.search(n) or _INSTITUTION.search(n) or n.isupper() or _team(n):
                continue
            out.append((i, n))  # one word ("Adele", "Johnson") too: best_candidates weighs it down
        return out
    if kind == "org":
        return [(i, n) for i, n in runs if not is_place(n)]
    if kind == "name":
        return [(m.start(1), m.group(1).strip()) for m in _QUOTED.finditer(s)] + [(i, n) for i, n in runs if not is_place(n)]
    if kind == "any":
        return [(m.start(1), m.group(1).strip()) for m in _QUOTED.finditer(s)] + runs
    return []
