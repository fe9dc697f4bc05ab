"""Candidate phrases of an asked kind in a sentence: numbers, amounts, percentages, dates,
colours by pattern; people, organisations, places and titles from the capitalised names; and the
phrase a sentence states to be "the ..." the question asks about."""

from __future__ import annotations

import re

from .kinds import _COPULA, _NOUN_SKIP, _definite, _last_question
from .names import _BODY_OF, _DESCRIBING_COMPOUND, _INSTITUTION, _ORG_SUFFIX, _cap_runs, _team
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



# words that describe rather than name ("the ongoing monkeypox outbreak"): trimmed off a phrase's left end
_DESCRIBING = set("""ongoing current recent global severe worst growing widespread deadly nationwide worldwide continuing
    potential possible so-called alleged suspected reported record recent rare serious huge such other same own entire
    whole latest further early late annual daily weekly monthly several many more most much few any each every
    red orange yellow green blue purple pink brown black white grey gray gold silver clear dark light bright
    north south east west northern southern eastern western central local federal
    seconds minutes hours days weeks months years decades times""".split())
# one word with an adjective's ending describes the noun it stands before ("a notable role")
_ADJECTIVE_END = re.compile(r"(?:able|ible|ful|ous|ive|less|ish|ary|ent|ant)$")
_LOWER = re.compile(r"[a-z][a-z’'-]*[a-z]|[a-z]")
# function words: never inside a noun phrase
_FUNCTION = set("""as than but if so not no into onto over under about after before during amid while because like such up
    down out off will would can could may might must should shall also just only even still there here then now more most
    very too all both either neither nor yet one ones some other another per via against between among through""".split())
# what stands before a noun phrase
_OPENERS = set("""the a an its their his her our your this that these those of to in on for from by with amid over about
    against into among including like as""".split())
_ENDS = r"and|or|are|were|is|was|have|has|had|that|which|to|in|on|for|from|with|as|at|by"
_INTRODUCERS = r"(?:such\s+as|like|including|called|named|dubbed|known\s+as)"


def _anchor_nouns(question: str, noun: str | None) -> tuple[set[str], set[str]]:
    """(the asked noun's words, other nouns of the question): "which product remains difficult to
    find due to a nationwide shortage" -> ({product}, {shortage}); a noun is a word after a/an/the/its
    (and at most one describing word)."""
    low = _last_question(question).lower()
    from .kinds import _asked_noun

    # (words the question capitalises are names, not nouns: "which London borough")
    named = {w.lower() for w in re.findall(r"(?<=\s)[A-Z][\w-]*", _last_question(question))}
    asked = {w.rstrip("s") for w in ((noun or "") + " " + (_asked_noun(low) or "")).split() if w not in named}
    other = set()
    for m in re.finditer(r"\b(?:a|an|the|its|their|his|her)\s+(?:([a-z][\w-]*)\s+)?([a-z][\w-]*)\b", low):
        w = m.group(2) if m.group(2) not in _STOP else m.group(1)  # "a nationwide shortage", "a shortage of"
        if w and w not in _STOP and len(w) > 2:
            other.add(w.rstrip("s"))
    return asked, other - asked


def _beside_noun(question: str, sentence: str, noun: str | None) -> list[tuple[int, str, bool]]:
    """Lower-case phrases a sentence puts right before the asked noun or another noun of the
    question ("the monkeypox virus" for "which virus", "the nationwide baby formula shortage" for
    "which product ... due to a nationwide shortage"), or introduces after it ("condiments such as
    mustard"): (offset, phrase, beside the asked noun itself). What no name pattern finds."""
    asked, other = _anchor_nouns(question, noun)
    if not asked and not other:
        return []
    qwords = {w.rstrip("s") for w in re.findall(r"[a-z][\w-]*", question.lower())}
    toks = [(m.start(), m.group(0)) for m in re.finditer(r"[\w’'-]+", sentence)]
    out = []
    for i, (pos, w) in enumerate(toks):
        key = w.lower().rstrip("s")
        if key not in asked and key not in other:
            continue
        phrase = []
        j = i - 1
        while j >= 0 and len(phrase) < 4:
            pj, wj = toks[j]
            between = sentence[pj + len(wj): toks[j + 1][0]]
            if between.strip() or not _LOWER.fullmatch(wj) or wj in _STOP or wj in _FUNCTION or wj in _NOUN_SKIP or wj.rstrip("s") in asked | other:
                break
            phrase.insert(0, (pj, wj))
            j -= 1
        # a noun phrase: what comes before it is a determiner, a preposition, a possessive or a name
        # ("the monkeypox outbreak", "KFC's chicken nuggets"), not a verb ("shelves face empty ...")
        before = toks[j][1] if j >= 0 and not sentence[toks[j][0] + len(toks[j][1]): toks[j + 1][0]].strip(" ") else None
        if j >= 0 and before is None:
            before = ""  # punctuation in between: a clause starts
        if before and not (before.lower() in _OPENERS or before[:1].isupper() or before.endswith(("’s", "'s"))):
            phrase = []
        while phrase and (phrase[0][1] in _DESCRIBING or phrase[0][1].rstrip("s") in qwords or phrase[0][1].endswith("ly")):
            phrase = phrase[1:]
        if len(phrase) == 1 and _ADJECTIVE_END.search(phrase[0][1]):
            phrase = []
        if phrase:
            out.append((phrase[0][0], " ".join(x for _, x in phrase), key in asked))
        if key in asked:
            out += [(i0, ph, True) for i0, ph in _apposed(sentence, pos, pos + len(w))]
        # "condiments such as mustard, ketchup ...": one or two words that end where the phrase does
        m = re.match(r"\s*,?\s*" + _INTRODUCERS + r"\s+([a-z][a-z’'-]*(?:\s+[a-z][a-z’'-]*)?)(?=\s*[,.;:)]|\s+(?:" + _ENDS + r")\b)",
                     sentence[pos + len(w):])
        if m and not set(m.group(1).split()) & (_STOP | _FUNCTION):
            out.append((pos + len(w) + m.start(1), m.group(1), key in asked))
    return out


_INSIDE = {"of", "on", "for", "against", "&"}


def _apposed(sentence: str, start: int, end: int) -> list[tuple[int, str]]:
    """The phrase a sentence sets beside the asked noun as its instance: "a federal ban on
    assault weapons, a measure that ..." / "France’s most famous condiment – mustard – is running
    out" / "the condiment, mustard, ...": (offset, phrase)."""
    out = []
    lm = re.search(r",\s+(?:a|an|the|another|one)\s+(?:[\w’'-]+\s+){0,3}$", sentence[:start])
    if lm:
        toks = [(m.start(), m.group(0)) for m in re.finditer(r"[\w’'&-]+", sentence[:lm.start()])]
        words = []
        for p, x in reversed(toks[-8:]):
            if sentence[p + len(x): (words[0][0] if words else lm.start())].strip():
                break  # punctuation: the phrase ends there
            if x.lower() in _INSIDE and words:
                words.insert(0, (p, x))
                continue
            if x.lower() in _STOP or x.lower() in _FUNCTION or len(words) == 6:
                break
            words.insert(0, (p, x))
        while words and (words[0][1].lower() in _INSIDE or words[0][1] in _DESCRIBING or words[0][1].endswith("ly")):
            words = words[1:]
        if words:
            out.append((words[0][0], " ".join(x for _, x in words)))
    rm = re.match(r"\s*(?:[–—]|--|,)\s*((?:[\w’'&-]+\s+){0,3}[\w’'&-]+)\s*(?:[–—]|--|,)", sentence[end:])
    if rm and not {w.lower() for w in rm.group(1).split()} & (_STOP | _FUNCTION):
        out.append((end + rm.start(1), rm.group(1)))
    return out


_PARTICLES = {"out", "up", "off", "down", "back", "in", "on", "over", "away"}


def _question_verb(question: str) -> tuple[str, str | None] | None:
    """The verb of "which/what NOUN did SUBJECT VERB ...?" and its particle: "Which menu item did
    KFC roll out?" -> ("roll", "out"); "Which measure did lawmakers leave out?" -> ("leave", "out")."""
    q = _last_question(question)
    m = re.search(r"\b(?:which|what)\b.*?\b(?:did|does|do|will|would|has|have|had|is|are|was|were)\s+(.+?)\s*[?.]?$", q, re.I)
    if not m:
        return None
    toks = re.findall(r"[\w’'-]+", m.group(1))
    i = 0
    if toks and toks[0][:1].isupper():
        while i < len(toks) and toks[i][:1].isupper():
            i += 1  # the subject's name
    else:
        while i < len(toks) and toks[i].lower() in ("the", "a", "an", "his", "her", "its", "their"):
            i += 1
        i += 1  # the subject ("lawmakers", "she", "the company")
    if i >= len(toks) or not _LOWER.fullmatch(toks[i]) or toks[i] in _STOP or toks[i] in _FUNCTION:
        return None
    particle = toks[i + 1] if i + 1 < len(toks) and toks[i + 1] in _PARTICLES else None
    return toks[i], particle


def _verb_objects(question: str, sentence: str) -> list[tuple[int, str]]:
    """Lower-case objects of the question's verb in a sentence: "KFC rolled out its new chicken
    nuggets" for "Which menu item did KFC roll out?" -> "chicken nuggets"."""
    from ..extractive import _stem

    qv = _question_verb(question)
    if not qv:
        return []
    verb, particle = _stem(qv[0]), qv[1]
    out = []
    for m in re.finditer(r"[A-Za-z’'-]+", sentence):
        if _stem(m.group(0).lower()) != verb:
            continue
        rest = sentence[m.end():]
        if particle:
            pm = re.match(r"\s+" + particle + r"\b", rest)
            if not pm:
                continue
            rest, off = rest[pm.end():], m.end() + pm.end()
        else:
            off = m.end()
        words = []
        for w in re.finditer(r"\s*([\w’'-]+)", rest):
            x = w.group(1)
            if not words and (x.lower() in _STOP or x in _DESCRIBING or x in _NOUN_SKIP):
                continue  # "its new ..."
            if words and x in ("of", "on", "for", "against") and words[-1] not in ("of", "on", "for", "against") and len(words) < 3:
                words.append(x)  # "a ban on assault weapons"
                continue
            if (not _LOWER.fullmatch(x) or x in _STOP or x in _FUNCTION or x in _DESCRIBING or x.endswith("ly")
                    or len(words) == 6):
                break
            if not words:
                start = off + w.start(1)
            words.append(x)
            if rest[w.end():w.end() + 1] in (",", ".", ";", ":", ")"):
                break
        while words and words[-1] in ("of", "on", "for", "against"):
            words.pop()
        if words:
            out.append((start, " ".join(words)))
    return out


def _before_wh(question: str) -> tuple[str, list[str]] | None:
    """The content word right before the question's wh-word and the small words between: "trial a ban
    on which skill" -> ("ban", ["on"]); "to stock which condiment" -> ("stock", []); "had an affair
    with who?" -> ("affair", ["with"]). A sentence that states the answer often has the same words
    right before it ("ban heading", "an affair with Nicole Shanahan")."""
    q = _last_question(question)
    m = None
    for m in re.finditer(r"\b(?:which|what|who|whom)\b", q, re.I):
        pass
    if not m or not q[:m.start()].strip():
        return None
    toks = re.findall(r"[\w’'-]+", q[:m.start()])
    small = []
    while toks and toks[-1].lower() in _STOP | _FUNCTION and len(small) < 2:
        small.insert(0, toks.pop().lower())
    if not toks or not _LOWER.fullmatch(toks[-1]) or toks[-1] in _STOP or len(toks[-1]) < 3:
        return None
    return toks[-1], [w for w in small if w not in ("the", "a", "an")]


def _after_context(question: str, sentence: str) -> list[tuple[int, str | None]]:
    """Where an answer starts in the sentence, after the words the question puts before its wh-word,
    and the lower-case phrase there (None when what follows is capitalised)."""
    from ..extractive import _stem

    ctx = _before_wh(question)
    if not ctx:
        return []
    word, small = _stem(ctx[0].lower()), ctx[1]
    out = []
    for m in re.finditer(r"[A-Za-z’'-]+", sentence):
        if _stem(m.group(0).lower()) != word:
            continue
        rest = sentence[m.end():]
        pm = re.match(r"(?:\s+(?:" + "|".join(map(re.escape, small)) + r"))*" if small else r"", rest, re.I)
        off = m.end() + (pm.end() if pm else 0)
        dm = re.match(r"\s+(?:(?:the|a|an|its|their|his|her|new)\s+)*", sentence[off:])
        if not dm:
            continue
        start = off + dm.end()
        words = []
        for w in re.finditer(r"([\w’'-]+)(\s*)", sentence[start:]):
            x = w.group(1)
            if not _LOWER.fullmatch(x) or x in _STOP or x in _FUNCTION or x in _DESCRIBING or len(words) == 4:
                break
            words.append(x)
            if sentence[start + w.end(1): start + w.end(1) + 1] in (",", ".", ";", ":", ")"):
                break
        out.append((start, " ".join(words) if words and not (len(words) == 1 and _ADJECTIVE_END.search(words[0])) else None))
    return out


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
# a number with its unit: "40.3C", "104.5 F", "38.7 degrees Celsius", "90 mph", "1,000 feet"
_MEASURE = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(?:°\s?[CF]?|º\s?[CF]?|[CF]\b|degrees(?:\s+(?:Celsius|Fahrenheit|C|F)\b)?|"
                      r"(?:mph|km/h|kph|miles?|kilometres?|kilometers?|km|metres?|meters?|m\b|feet|foot|ft\b|inches|inch|cm|mm|"
                      r"kilograms?|kg|pounds|lbs?|tons?|tonnes?|acres?|hectares?)\b(?:\s+per\s+hour|\s+an\s+hour)?)", re.I)
_DURATION = re.compile(r"(?<![\w.])(?:\d+(?:\.\d+)?|a|an|(?:" + _NUM_WORDS + r")(?:[\s-](?:" + _NUM_WORDS + r"))*)[\s-]"
                       r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)\b", re.I)
_COLORS = re.compile(r"\b(?:red|orange|yellow|green|blue|purple|violet|pink|brown|black|white|gr[ae]y|gold|golden|silver|beige|teal|turquoise|maroon|magenta|plaid|navy|crimson|lavender|indigo)\b", re.I)
# a quoted title starts with a capital or a digit ("“Squid Game”"); a quoted remark mostly does not
# ("said there would be “no extra taxpayer-funded security”")
_QUOTED = re.compile(r"[“\"]([A-Z0-9][^”\"]{1,59})[”\"]")
# words of titles and parties: a run of these alone ("Labour PM", "Queen") names no one
_TITLE_WORDS = set("""PM MP MPs Prime Minister President Queen King Prince Princess Secretary Chancellor Senator Governor Mayor
    Labour Conservative Tory Tories Democrat Democrats Republican Republicans Pope Duke Duchess Lord Lady Sir Dame Judge Justice
    Speaker Leader General Officer Chief Director CEO Rep Sen Gov Mr Mrs Ms Dr Royal Highness Majesty""".split())


_OUTLETS = re.compile(r"^(?:CNN|AP|AFP|Reuters|BBC|NBC|CBS|ABC|Fox|Fox News|MSNBC|NPR|USA TODAY|USA Today|Getty Images|Associated Press|"
                      r"The Associated Press|New York Times|The New York Times|Washington Post|The Washington Post|Bloomberg|"
                      r"CNN Business|CNN Politics|Twitter|Facebook|Instagram|YouTube)$")


def candidates(sentence: str, kind: str, sub: str | None = None) -> list[tuple[int, str]]:
    """(offset, phrase) of every phrase of the kind in the sentence (``sub``: country, state or city)."""
    out = [(i, p) for i, p in _candidates(sentence, kind) if not _OUTLETS.match(p)]  # the reporter is not the answer
    if kind == "place" and sub:
        out = [(i, p) for i, p in out if (_place_sub(p) in (sub, None) or (sub == "city" and p.lower() in _STATE_AND_CITY))
               and not (sub in ("state", "city") and p.lower() in _GENERAL_PLACES)]
    elif kind == "place":
        # "where": a place with the state or country news puts after it ("Palm Beach, Florida") is told whole
        at = dict(out)
        for k, (i, p) in enumerate(out):
            m = re.match(r",\s+", sentence[i + len(p):])
            j = i + len(p) + m.end() if m else None
            if j in at and _place_sub(at[j]) in ("state", "country") and _place_sub(p) not in ("state", "country"):
                out[k] = (i, f"{p}, {at[j]}")
    return out



def _candidates(sentence: str, kind: str) -> list[tuple[int, str]]:
    s = sentence
    if kind == "phrase":
        return []  # read with the question (best_candidates: _phrase_candidates)
    if kind == "amount":  # "how much have prices increased?" is answered by a percentage too
        return [(m.start(), m.group(0).strip()) for m in _AMOUNT.finditer(s)] + [(m.start(), m.group(0).strip()) for m in _PERCENT.finditer(s)]
    if kind == "percent":
        return [(m.start(), m.group(0).strip()) for m in _PERCENT.finditer(s)]
    if kind == "measure":  # "how high will inflation climb?" is answered by a percentage too
        return [(m.start(), m.group(0).strip()) for rx in (_MEASURE, _PERCENT, _AMOUNT) for m in rx.finditer(s)]
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
    if kind == "duration":
        return [(m.start(), m.group(0).strip()) for rx in (_DURATION, _DATE) for m in rx.finditer(s)]
    if kind == "color":
        return [(m.start(), m.group(0)) for m in _COLORS.finditer(s)]
    runs = _cap_runs(s)
    if kind == "place":
        out = []
        for i, n in runs:
            before = s[max(0, i - 16): i].lower()
            if is_place(n) or re.search(r"\b(?:city|town|village|province|state|county|region|island|capital)\s+of\s+$", before) or _PLACE_TYPE.search(n):
                out.append((i, n))
            else:  # "Mexico City's", "Puerto Rico and the Dominican Republic", "Japan’s Sakurajima": a known place inside a run
                for p in re.split(r"\s+(?:and|&)\s+|[’']s\s+", n):
                    if is_place(p):
                        out.append((i + n.find(p), p))
        return out
    # no demonyms ("Afghan"), no shouted headlines or datelines ("MATCH MADE IN AIRLINE", "NEW YORK CITY –")
    runs = [(i, n) for i, n in runs if not _demonym(n) and not (len(n.split()) >= 2 and n.isupper()) and not _DESCRIBING_COMPOUND.match(n)]
    if kind == "person":
        out = []
        for i, n in runs:
            if is_place(n) or _ORG_SUFFIX.search(n) or _INSTITUTION.search(n) or _BODY_OF.match(n) or n.isupper() or _team(n):
                continue
            if any(c.isdigit() for c in n) or all(w.rstrip(".") in _TITLE_WORDS for w in n.split()):
                continue  # "Covid-19", "Labour PM": no person's name
            out.append((i, n))  # one word ("Adele", "Johnson") too: best_candidates weighs it down
        return out
    if kind == "org":
        return [(i, n) for i, n in runs if not is_place(n)]
    if kind == "name":
        return [(m.start(1), m.group(1).strip()) for m in _QUOTED.finditer(s)] + [(i, n) for i, n in runs if not is_place(n)]
    if kind == "any":
        return [(m.start(1), m.group(1).strip()) for m in _QUOTED.finditer(s)] + runs
    return []
