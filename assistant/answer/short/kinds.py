"""What a question asks for: the kind of answer (person, place, number, ...), and for "which ..."
the noun it names; "why", "how" and "Who is <name>?" ask for no short answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .words import _words

_PERSON_NOUNS = r"""person|man|woman|player|star|singer|rapper|actor|actress|celebrity|official|leader|governor|president|
    senator|congressman|congresswoman|representative|lawmaker|minister|prime\s+minister|chancellor|ceo|founder|judge|
    member|athlete|quarterback|pitcher|coach|director|author|writer|artist|musician|comedian|host|candidate|
    billionaire|astronaut|monarch|king|queen|prince|princess|pope|head\s+of\s+state|secretary|spokesperson|mayor|
    suspect|victim|winner|champion|golfer|boxer|tennis\s+star|pop\s+star|superstar|legend|icon|official|executive|
    mp|frontbencher|backbencher"""
_ORG_NOUNS = r"""company|companies|firm|business|corporation|brand|retailer|automaker|carmaker|airline|chain|restaurant|
    supermarket|supermarkets|grocer|bank|network|platform|app|team|club|franchise|league|party|agency|organization|
    organisation|group|union|university|college|school|manufacturer|maker|studio|publisher|outlet|newspaper|
    streaming\s+service|service|tech\s+giant|giant|startup|conglomerate|department"""
_PLACE_NOUNS = r"""country|countries|nation|state|states|city|cities|town|village|region|continent|area|island|
    province|county|capital|territory|destination|location|park|national\s+park|airport|border"""
_TITLE_NOUNS = r"""show|series|movie|film|song|album|book|game|video\s+game|app|product|mission|variant|subvariant|
    hurricane|storm|typhoon|award|awards|tournament|event|festival|holiday|character|drink|treat|menu\s+item|dish|
    vehicle|model|device|phone|character|name|program|programme|rocket|spacecraft|telescope|virus|disease|drug|vaccine"""

_WH = re.compile(r"\b(who|whom|whose|when|where|how\s+many|how\s+much|how\s+old|how\s+long|how\s+soon|what|which|why|how)\b", re.I)


def _rx(nouns: str) -> str:
    return "(?:" + "|".join(x.strip() for x in nouns.replace("\n", "").split("|") if x.strip()) + ")"


def _last_question(question: str) -> str:
    """Quiz questions often open with context: the part that asks is the last clause with a wh-word."""
    q = " ".join((question or "").split())
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", q)
    for p in reversed(parts):
        if _WH.search(p):
            return p
    return parts[-1] if parts else q


@dataclass(frozen=True)
class Asked:
    kind: str | None  # person, org, place, number, amount, percent, measure, date, duration, color, name, any, phrase, or None
    strong: bool  # an answer of this kind must be there (else refuse); weak kinds only shape the short answer
    sub: str | None = None  # for places: country, state or city when the question says so
    noun: str | None = None  # "which national park": "national park" (a phrase ending in it is the likeliest answer)


_ASKED_KINDS = [  # (pattern over the lower-cased question, the kind it asks for), first match wins
    (r"\bhow\s+old\b|\bwhat\s+age\b|\bat\s+what\s+age\b", "number"),
    (r"\bhow\s+many\b|\bwhat\s+(?:was|is)\s+the\s+(?:number|magnitude|score|death\s+toll|toll)\b|\bwhat\s+number\b", "number"),
    (r"\bwhat\s+percent(?:age)?\b|\bwhat\s+share\b|\bwhat\s+proportion\b", "percent"),
    (r"\bhow\s+much\b|\bwhat\s+(?:was|is)\s+the\s+(?:[\w-]+\s+){0,4}(?:price|cost|amount|fine)\b|\bwhat\s+(?:price|cost|amount|sum|fine|salary|wage)\b|\bwhich\s+(?:hourly\s+)?amount\b|\bhow\s+much\s+money\b|\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:figure|sum|milestone|total)\b", "amount"),
    (r"\bhow\s+long\b", "duration"),  # "How long is she facing in prison?": "20 years" (or a date: "until September")
    (r"\bwhen\b|\bwhat\s+(?:year|date|day|month|time)\b|\bhow\s+soon\b|\bwhich\s+(?:year|date|day|month)\b", "date"),
    (r"\bwhat\s+colou?r\b|\bwhich\s+colou?r\b", "color"),
    (r"\bwhere\b", "place"),
    (r"\bhead\s+of\s+(?:state|government)\b", "person"),
]


def answer_kind(question: str) -> Asked:
    """What kind of answer the question asks for."""
    q = _last_question(question)
    low = q.lower()
    if _MEASURE.search(low):
        return Asked("measure", True)  # "how high will inflation climb", "what was the new high mark": a number with its unit
    if re.search(r"\bwhy\b", low) or re.search(r"\bhow\b(?!\s+(?:many|much|old|long|soon))", low):
        return Asked(None, False)
    for pattern, kind in _ASKED_KINDS:
        m = re.search(pattern, low)
        if m and not _subordinate(low, m):
            return Asked(kind, True)
    m = re.search(r"\bwho\s+(?:is|was|are|were)\s+(.+)$", q, re.I)
    if m and _starts_with_name(m.group(1)):
        return Asked(None, False)  # "Who is Jim Mattis?": a description
    if re.match(r"\W*who(?:m|se)?\b", low):
        return Asked("person", True)
    adj = r"(?:(?!(?:did|does|do|is|was|were|are|will|has|have|had|can|could|would|should)\b)[\w'’-]+\s+){0,4}?"
    for m in re.finditer(r"\b(?:which|what)\s+(?=(.{0,60}))", low):
        head = m.group(1)
        place = re.match(adj + "(" + _rx(_PLACE_NOUNS) + r")\b", head)
        if place:
            noun = place.group(1)
            sub = "country" if noun in ("country", "countries", "nation") else "state" if noun in ("state", "states") else "city" if noun in ("city", "cities", "town", "capital") else None
            return Asked("place", True, sub, noun)
        person = re.match(adj + "(" + _rx(_PERSON_NOUNS) + r")\b", head)
        if person:
            return Asked("person", True, None, person.group(1))
        org = re.match(adj + "(" + _rx(_ORG_NOUNS) + r")\b", head)
        if org:
            return Asked("org", True, None, org.group(1))
        title = re.match(adj + "(" + _rx(_TITLE_NOUNS) + r")\b", head)
        if title or re.search(r"\bcalled\b|\bname\s+of\b|\bwhat\s+is\s+(?:its|her|his|their)\s+name\b", low):
            return Asked("name", False, None, title.group(1) if title else None)
    who = re.search(r"\bwho(?:m|se)?\b", low)
    if who and not re.search(r"\b(?:which|what)\s+\w", low[:who.start()]):
        # (a relative "who" after the question's "which": "of which sport ... athletes who have")
        return Asked("person", True)
    if re.search(r"\b(?:which|what)\s+(?:type|kind|sort)s?\s+of\b", low):
        return Asked(None, False)  # "which type of extreme weather": a category, rarely a name
    if re.search(r"\bwhich\s+(?!of\b)\w", low):
        # "which tourist attraction / volcano / iconic role": most often a name, a place too; a
        # lower-case phrase beside the noun ("the monkeypox virus", "the baby formula shortage")
        return Asked("any", False, None, _asked_noun(low))
    if re.search(r"\bwhat\s+is\s+the\s+name\b|\bcalled\?\s*$|\bwhat\s+is\s+(?:its|her|his|their)\s+name\b", low):
        return Asked("name", False)
    noun = re.search(r"\bwhat\s+(?!" + _NOT_NOUN + r"\b)([a-z][\w-]*)\b(?!\s+(?:of|to)\b)", low)
    if noun and _asked_noun(low) and _asked_noun(low).split()[-1] in _CLAUSE_NOUNS:
        return Asked(None, False)  # "What special announcement did they make?": a clause ("they got married")
    if noun:
        return Asked("any", False, None, _asked_noun(low))  # "in what animal", "with what condition", "what breed"
    if q.rstrip().endswith(":") and re.search(r"\b(?:cost|costs|price|prize|jackpot|amount|worth|fine|bill|salary)\b", low):
        return Asked("amount", False)  # "... the top prize amount ballooned to:" (the quiz's choices follow)
    if _definite(q):
        return Asked("phrase", False)  # "What is the biggest security threat ...?": the phrase stated to be it
    return Asked(None, False)


def _subordinate(low: str, m: re.Match) -> bool:
    """A "when"/"where" that opens a clause after the question's own wh-word: "trafficked from which
    African country to the UK when he was eight?" asks for a country, "Who was president when ...?"
    for a person."""
    return m.group(0) in ("when", "where") and bool(re.search(r"\b(?:which|what|who|whom|whose)\b", low[:m.start()]))


# "how high / how hot", "what was the new high mark / the hottest temperature": a measurement
_MEASURE = re.compile(r"\bhow\s+(?:high|far|fast|big|tall|deep|large|heavy|hot|cold|low|warm|strong|wide)\b"
                      r"|\bwhat\s+(?:is|was|were|are)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:temperature|speed|height|distance|depth|"
                      r"weight|altitude|elevation|high\s+mark|high|low|rainfall)\b(?!\s+(?:of\s+)?(?:school|court|street|profile|office))")
# words after "what" that name no noun: "what did", "what happened", "what time" (a date, decided above)
_NOT_NOUN = (r"(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could|should|may|might|happened|happens|happen|"
             r"caused|causes|made|makes|kind|type|sort|else|about|if|it|they|he|she|we|you|the|a|an|this|that|these|those|"
             r"his|her|its|their|percent|percentage|share|proportion|number|year|date|day|month|time|age|price|cost|amount|"
             r"sum|fine|salary|wage|colou?r|country|state|city|in|on|at|for|with|from|to|by|about|of|as|into|one|ones)")
# nouns whose instances are statements or events, told in a clause rather than named
_CLAUSE_NOUNS = set("""announcement advice decision message warning promise claim mischief reason plan step action move
    mistake explanation statement excuse request demand news change changes question answer problem""".split())
# adjectives before the asked noun that say nothing about what kind of thing is asked for
_NOUN_SKIP = set("""major popular iconic famous well-known hit new additional blockbuster massive wildly prestigious embattled
    high-ranking little-known much-loved favourite favorite commonly used common historic legendary big biggest largest
    small smallest top main key first last latest next recent special controversial two three us uk u.s. one ones is was are
    were in on at for with from to by about of as into the a an these those this that""".split())


def _asked_noun(low: str) -> str | None:
    """The noun "which/what" asks about: "which menu item did ..." -> "menu item", "which
    condiment, sparking ..." -> "condiment", "which product remains ..." -> "product"."""
    m = re.search(r"\b(?:which|what)\s+((?:[a-z][\w’'-]*\s+){0,3}?)(?=(?:did|does|do|is|was|were|are|will|would|has|have|had|can|could)\b)", low)
    words = [w for w in (m.group(1).split() if m else []) if w not in _NOUN_SKIP and not any(c.isdigit() for c in w)]
    if m and words:
        return " ".join(words[-2:])
    # the noun phrase ends the clause ("to respond to which virus outbreak?", "which condiment, sparking")
    m = re.search(r"\b(?:which|what)\s+((?:[a-z][\w’'-]*\s+){0,2}[a-z][\w’'-]*)\s*[,?.:;]", low)
    words = [w for w in (m.group(1).split() if m else []) if w not in _NOUN_SKIP and not any(c.isdigit() for c in w)]
    if words:
        return " ".join(words[-2:])
    m = re.search(r"\b(?:which|what)\s+((?:[a-z][\w’'-]*[\s,?]*){1,4})", low)
    for w in re.findall(r"[a-z][\w’'-]*", m.group(1) if m else ""):
        if w not in _NOUN_SKIP and not any(c.isdigit() for c in w):
            return w
    return None


_COPULA = r"(?:is|was|are|were|remains|remained|became|becomes|poses|posed|as|'s|’s)"


def _definite(question: str) -> list[str] | None:
    """The words of "the ..." in "What is the biggest security threat in ...?", else None."""
    m = re.match(r"\W*what\s+(?:is|was|are|were)\s+the\s+((?:[\w’'-]+\s*){1,4}?)(?=\s+(?:in|on|of|for|at|to|from|according|that|which|who|behind)\b|[?,]|$)",
                 question, re.I)
    if not m:
        return None
    words = _words(m.group(1))
    return words if len(words) >= 2 else None


def _starts_with_name(text: str) -> bool:
    words = text.strip().split()
    return bool(words) and words[0][:1].isupper() and words[0].lower() not in ("the", "a", "an")
