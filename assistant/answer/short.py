"""The answer in a few words: what kind of answer a question asks for, and the phrase of that
kind in the sentences that answer it. Used by the extractive engine (answer first, then the
quotes; refuse when no sentence holds an answer of the asked kind) and usable by the LLM path
(the phrase of the model's first sentence).

Kinds: person, org, place, number, amount (money), percent, date, color, name (a capitalised
name or a quoted title, for "which show/movie/..."), any (a name or a place, for "which" and a noun
none of the lists knows), phrase (what a sentence states to be "the ..." of "What is the ...?"). "Who is Jim Mattis?" asks for a description,
"why"/"what did ... say" for an explanation: no kind, no short answer.

No model: patterns, capitalised runs and small word lists (places from babel's territory names
and the US states). Candidates already named by the question are not answers ("How old is the
67-year-old?" is not answered by 67 when the question says it); a candidate near the words the
sentence shares with the question, and one found in several of the best sentences, wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MAX_WORDS = 8

# --- what is asked ---------------------------------------------------------------------

_PERSON_NOUNS = r"""person|man|woman|player|star|singer|rapper|actor|actress|celebrity|official|leader|governor|president|
    senator|congressman|congresswoman|representative|lawmaker|minister|prime\s+minister|chancellor|ceo|founder|judge|
    member|athlete|quarterback|pitcher|coach|director|author|writer|artist|musician|comedian|host|candidate|
    billionaire|astronaut|monarch|king|queen|prince|princess|pope|head\s+of\s+state|secretary|spokesperson|mayor|
    suspect|victim|winner|champion|golfer|boxer|tennis\s+star|pop\s+star|superstar|legend|icon|official|executive"""
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


_WHICH_NOUN = re.compile(r"\b(?:which|what)\s+(?:(?:of\s+the\s+following\s+)|(?:[\w'’-]+\s+){0,3}?)(\w[\w\s'’-]*?)\b(?=\s|$|[?,])", re.I)


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
    kind: str | None  # person, org, place, number, amount, percent, date, color, name, any, phrase, or None
    strong: bool  # an answer of this kind must be there (else refuse); weak kinds only shape the short answer
    sub: str | None = None  # for places: country, state or city when the question says so
    noun: str | None = None  # "which national park": "national park" (a phrase ending in it is the likeliest answer)


def answer_kind(question: str) -> Asked:
    """What kind of answer the question asks for."""
    q = _last_question(question)
    low = q.lower()
    if re.search(r"\bwhy\b", low) or re.search(r"\bhow\b(?!\s+(?:many|much|old|long|soon))", low):
        return Asked(None, False)
    if re.search(r"\bhow\s+old\b|\bwhat\s+age\b|\bat\s+what\s+age\b", low):
        return Asked("number", True)
    if re.search(r"\bhow\s+many\b|\bwhat\s+(?:was|is)\s+the\s+(?:number|magnitude|score|death\s+toll|toll)\b|\bwhat\s+number\b", low):
        return Asked("number", True)
    if re.search(r"\bwhat\s+percent(?:age)?\b|\bwhat\s+share\b|\bwhat\s+proportion\b", low):
        return Asked("percent", True)
    if re.search(r"\bhow\s+much\b|\bwhat\s+(?:was|is)\s+the\s+(?:[\w-]+\s+){0,4}(?:price|cost|amount|fine)\b|\bwhat\s+(?:price|cost|amount|sum|fine|salary|wage)\b|\bwhich\s+(?:hourly\s+)?amount\b|\bhow\s+much\s+money\b"
                 r"|\b(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:figure|sum|milestone|total)\b", low):
        return Asked("amount", True)
    if re.search(r"\bwhen\b|\bwhat\s+(?:year|date|day|month|time)\b|\bhow\s+soon\b|\bhow\s+long\b|\bwhich\s+(?:year|date|day|month)\b", low):
        return Asked("date", True)
    if re.search(r"\bwhat\s+colou?r\b|\bwhich\s+colou?r\b", low):
        return Asked("color", True)
    if re.search(r"\bwhere\b", low):
        return Asked("place", True)
    if re.search(r"\bhead\s+of\s+(?:state|government)\b", low):
        return Asked("person", True)
    m = re.search(r"\bwho\s+(?:is|was|are|were)\s+(.+)$", q, re.I)
    if m and _starts_with_name(m.group(1)):
        return Asked(None, False)  # "Who is Jim Mattis?": a description
    if re.match(r"\W*who(?:m|se)?\b", low):
        return Asked("person", True)
    adj = r"(?:(?!(?:did|does|do|is|was|were|are|will|has|have|had|can|could|would|should)\b)[\w'’-]+\s+){0,3}?"
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
    if re.search(r"\bwho(?:m|se)?\b", low):
        return Asked("person", True)
    if re.search(r"\b(?:which|what)\s+(?:type|kind|sort)s?\s+of\b", low):
        return Asked(None, False)  # "which type of extreme weather": a category, rarely a name
    if re.search(r"\bwhich\s+(?!of\b)\w", low):
        return Asked("any", False)  # "which tourist attraction / volcano / iconic role": most often a name, a place too
    if re.search(r"\bwhat\s+is\s+the\s+name\b|\bcalled\?\s*$|\bwhat\s+is\s+(?:its|her|his|their)\s+name\b", low):
        return Asked("name", False)
    if _definite(q):
        return Asked("phrase", False)  # "What is the biggest security threat ...?": the phrase stated to be it
    return Asked(None, False)


_COPULA = r"(?:is|was|are|were|remains|remained|became|becomes|poses|posed|as|'s|’s)"


def _definite(question: str) -> list[str] | None:
    """The words of "the ..." in "What is the biggest security threat in ...?", else None."""
    m = re.match(r"\W*what\s+(?:is|was|are|were)\s+the\s+((?:[\w’'-]+\s*){1,4}?)(?=\s+(?:in|on|of|for|at|to|from|according|that|which|who|behind)\b|[?,]|$)",
                 question, re.I)
    if not m:
        return None
    words = _words(m.group(1))
    return words if len(words) >= 2 else None


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


def _starts_with_name(text: str) -> bool:
    words = text.strip().split()
    return bool(words) and words[0][:1].isupper() and words[0].lower() not in ("the", "a", "an")


# --- candidates in a sentence ------------------------------------------------------------

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
# a capitalised word, or one behind an Arabic particle ("al-Qaida", "Ayman al-Zawahiri")
_CAP_WORD = r"(?:(?:al|el|bin|ibn|abu)-)?[A-Z][\w’'&.-]*"
# runs start at a word start: the "al" ending "dysfunctional Roy" is no particle
_CAPS = re.compile(r"(?<![\w’'-])(?:(?:" + _CAP_WORD + r"|&|of|de|the|and|du|la|von|van|al|bin)\s+)*" + _CAP_WORD)
_NOT_NAME = set("""A An The And Or But If In On At To For From By With About As Of Is Are Was Were It He She They We You I His Her
    Their Its Our This That These Those There Here Then So Also Any Some All No Not Yes Than More Most Mr Mrs Ms Dr According
    However Meanwhile While When Where What Who Which Why How After Before During Since Until Under Over Now Still Even
    Last Next Earlier Later Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December Sept Jan Feb Aug Oct Nov Dec""".split())
_TITLES = re.compile(r"^(?:Rep|Sen|Gov|Gen|Col|Sgt|Lt|Capt|Pres|Prof|Dr|Mr|Mrs|Ms|St)\.?$")
_ORG_SUFFIX = re.compile(r"\b(?:Inc|Corp|Corporation|Company|Co|Group|Holdings|Airlines?|Airways|Motors?|Bank|University|College|"
                         r"Institute|Association|Party|Agency|Administration|Department|Ministry|Council|Foundation|League|Club|"
                         r"Network|Studios?|Media|Technologies|Systems|Foods?|Stores?|Markets?|Pharmaceuticals?|Energy|Sky|Storm|Aces|Sun)\b\.?$")
_INSTITUTION = re.compile(r"\b(?:Court|House|Senate|Congress|Parliament|Department|Ministry|Office|Police|Army|Navy|Force|Guard|Service|"
                          r"Committee|Commission|Government|Administration|Agency|Bureau|Center|Centre|Hospital|Museum|Church|Palace|"
                          r"Street|Avenue|Square|Park|Airport|Station|Bridge|River|Lake|Mountain|Island|Day|Week|Awards?|Cup|Games|Series|Open)\b\.?$")
# places so general that they rarely answer "where" (a more specific place in the same sentence wins)
_GENERAL_PLACES = {"us", "u.s.", "u.s", "usa", "america", "united states", "the united states", "uk", "u.k.", "britain", "europe", "world"}
_US_STATES = """Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia Hawaii Idaho Illinois Indiana
    Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada
    New_Hampshire New_Jersey New_Mexico New_York North_Carolina North_Dakota Ohio Oklahoma Oregon Pennsylvania Rhode_Island
    South_Carolina South_Dakota Tennessee Texas Utah Vermont Virginia Washington West_Virginia Wisconsin Wyoming Puerto_Rico""".split()
_MORE_PLACES = """Europe Asia Africa Antarctica Australia Arctic America North_America South_America Middle_East Southwest Southeast
    Northwest Northeast Midwest London Paris Berlin Moscow Kyiv Kiev Beijing Shanghai Tokyo Seoul Delhi New_Delhi Mumbai Islamabad
    Karachi Lahore Kabul Tehran Baghdad Jerusalem Gaza Gaza_Strip Cairo Istanbul Rome Madrid Lisbon Dublin Edinburgh Brussels
    Amsterdam Vienna Warsaw Stockholm Oslo Helsinki Copenhagen Athens Geneva Zurich Toronto Montreal Vancouver Ottawa Sydney
    Melbourne Mexico_City Havana Caracas Lima Bogota Santiago Buenos_Aires Rio_de_Janeiro Sao_Paulo Nairobi Lagos Johannesburg
    Cape_Town Hong_Kong Singapore Bangkok Manila Jakarta Hanoi Taipei Los_Angeles San_Francisco Chicago Houston Dallas Miami
    Atlanta Boston Seattle Denver Phoenix Philadelphia Detroit Las_Vegas Nashville New_Orleans Orlando Tampa Austin Portland
    Sacramento San_Diego Brooklyn Manhattan Jackson Uvalde Buffalo Wales Scotland England Britain Great_Britain UK U.K. US U.S.
    USA Crimea Donbas Kherson Kharkiv Mariupol Odesa Zaporizhzhia Yellowstone Yosemite Taiwan Greenland Siberia Hawaii
    Stromboli Sicily Etna Bali""".split()


@lru_cache(maxsize=1)
def _places() -> frozenset:
    names = {p.replace("_", " ").lower() for p in _US_STATES + _MORE_PLACES}
    try:  # country and region names, kept current by babel (CLDR)
        from babel import Locale

        for name in Locale("en").territories.values():
            names.add(name.lower())
            names.add(re.sub(r"\s*\(.*\)$", "", name).lower())
    except Exception:  # babel missing: the built-in list still answers the common cases
        pass
    names |= {"the " + n for n in ("united states", "united kingdom", "netherlands", "philippines", "czech republic", "dominican republic", "bahamas")}
    return frozenset(names)


def is_place(name: str) -> bool:
    n = name.lower().strip(" .,")
    return n in _places() or n.removeprefix("the ") in _places()


_ABBREV = re.compile(r"^(?:[A-Z]|Rep|Sen|Gov|Gen|Col|Sgt|Lt|Capt|Pres|Prof|Dr|Mr|Mrs|Ms|St|Jr|Sr|Inc|Corp|Co|U\.S|U\.K|Mt|Ft)\.$")
_SENTENCE_START = set("""Approximately Nearly Around Almost Roughly About Some Several Many Most Few Legendary Famous Former Police
    Officials Authorities Scientists Experts Residents Critics Analysts Lawmakers Voters Americans Despite Amid Following Thanks
    Both Each Every Either Neither Only Just Once Instead Although Because Though Unlike Like Yet Still Between Among Across
    Through Within Without Against Along Amid Beyond Behind Inside Outside Except Per Via Unless Whether Besides Regardless
    Currently Recently Previously Initially Eventually Ultimately Overall Additionally Separately Together""".split())


def _not_name(word: str) -> bool:
    base = re.split(r"[’']", word)[0]  # "We’re", "It's"
    return word in _NOT_NAME or base in _NOT_NAME or word in _SENTENCE_START


def _cap_runs(sentence: str) -> list[tuple[int, str]]:
    out = []
    for m in _CAPS.finditer(sentence):
        # a run never crosses a sentence end ("... Warren Buffett. How much ...")
        pieces, cur = [], []
        for w in m.group(0).split():
            cur.append(w)
            if w.endswith(".") and not _ABBREV.match(w):
                pieces.append(cur)
                cur = []
        if cur:
            pieces.append(cur)
        offset = m.start()
        for words in pieces:
            piece_start = sentence.find(words[0], offset)
            offset = piece_start + 1
            out += _trimmed_run(sentence, words, piece_start)
    return out


def _trimmed_run(sentence: str, words: list[str], at: int) -> list[tuple[int, str]]:
    # trim function words and sentence-starting non-names off the ends
    while words and (_not_name(words[0]) or words[0].lower() in ("of", "de", "the", "and", "&")):
        words = words[1:]
    while words and (_not_name(words[-1].rstrip(".,")) or words[-1].lower() in ("of", "de", "the", "and", "&")):
        words = words[:-1]
    if not words:
        return []
    start = sentence.find(words[0], at)
    out = []
    # "Kroger and Albertsons" names two; "Bed Bath & Beyond" one
    for part in re.split(r"\s+and\s+", " ".join(words)):
        name = part.rstrip(".,’'").removesuffix("’s").removesuffix("'s")
        if len(name) < 2 or name.isdigit() or _not_name(name):
            continue
        out.append((start + max(0, sentence[start:].find(name)), name))
    return out


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


# states that are also the names of cities ("Which city ...?" may be answered "New York")
_STATE_AND_CITY = {"new york", "washington", "kansas city"}


def _place_sub(name: str) -> str | None:
    n = name.lower().removeprefix("the ")
    if n in {x.replace("_", " ").lower() for x in _US_STATES}:
        return "state"
    if n in _countries():
        return "country"
    if n in _places():
        return "city"
    return None


@lru_cache(maxsize=1)
def _countries() -> frozenset:
    names = {"us", "u.s.", "usa", "uk", "u.k.", "britain", "great britain", "england", "scotland", "wales", "america"}
    try:
        from babel import Locale

        for code, name in Locale("en").territories.items():
            if code.isalpha():  # two-letter codes are countries; numeric ones are regions
                names.add(name.lower())
                names.add(re.sub(r"\s*\(.*\)$", "", name).lower())
    except Exception:
        pass
    return frozenset(names)


# a name ending in one of these is a place ("Yellowstone National Park", "Buchanan County")
_PLACE_TYPE = re.compile(r"\s(?:Park|County|Island|Islands|Airport|Province|Valley|Lake|River|Bay|Beach|Canyon|Mountains?|Forest|"
                         r"Desert|Strait|Sea|Ocean|Gulf|Peninsula|Coast|Volcano|Reservoir|Falls)$")
_DEMONYM_END = re.compile(r"(?:an|ian|ean|ese|ish|i|ic)$")


def _demonym(name: str) -> bool:
    """"Afghan", "Ukrainian", "Chinese": an adjective of a country, not a name of its own."""
    w = name.lower()
    if " " in w or len(w) < 4 or not _DEMONYM_END.search(w) or w in _places():
        return False
    return any(p.startswith(w[:4]) for p in _countries())


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


def _team(name: str) -> bool:
    """"Tampa Bay Buccaneers", "Denver Broncos": a place before a plural is a team, not a person
    (while "Sarah Huckabee Sanders" is a person)."""
    words = name.split()
    last = words[-1]
    plural = len(words) >= 2 and len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is"))
    return plural and (words[0] in ("New", "Los", "Las", "San", "Santa", "St.", "Golden") or is_place(words[0])
                       or is_place(" ".join(words[:2])) or is_place(" ".join(words[:-1])))


def _person_like(name: str, sentences: list[str]) -> bool:
    """Named again by the last word alone ("... Ayman al-Zawahiri ... killed Zawahiri"): how news
    refers to a person; an organisation is "the Broncos" or its full name."""
    words = name.split()
    if len(words) < 2:
        return False
    last = re.sub(r"^(?:al|el|bin|ibn|abu)-", "", words[-1])
    if is_place(last) or _not_name(last) or _ORG_SUFFIX.search(name):
        return False  # "Bank of America" ... "in America": no surname
    alone = re.compile(r"(?<![\w’'-])(?<!the )(?<!The )" + re.escape(last) + r"(?![\w’'-]|\s+[A-Z])")
    for sent in sentences:
        for m in alone.finditer(sent):
            before = sent[max(0, m.start() - len(words[-2]) - 2): m.start()]
            if words[-2] not in before:
                return True
    return False


def _acronyms(text: str) -> set[str]:
    """"World Health Organization" -> "WHO"; "Centers for Disease Control and Prevention" -> "CDC"."""
    out = set()
    for _, n in _cap_runs(text):
        caps = [w[0] for w in n.split() if w[:1].isupper()]
        if len(caps) >= 2:
            out.add("".join(caps))
    return out


_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "mile", "kilometer", "foot", "feet", "meter", "pound",
          "ton", "game", "time", "point", "vote", "seat", "case", "death", "people", "person"}


def _counted(question: str) -> str | None:
    """What "how many" counts: "How many hot dogs did ..." -> "dog"."""
    m = re.search(r"\bhow\s+many\s+((?:[\w-]+\s+){0,3}?)[\w-]*?(?=\s+(?:did|do|does|was|were|is|are|has|have|had|will|would|"
                  r"can|could|of|in|on|at|for|to|from|were)\b|\s*[?.]|$)", question, re.I)
    if not m:
        return None
    words = _words(m.group(0))[2:]
    if len(words) > 1 and words[-1].endswith("ed"):
        words = words[:-1]  # "how many people died": people
    return words[-1].rstrip("s") if words else None


def _opens(sent: str, pos: int) -> bool:
    """The phrase at ``pos`` opens the sentence ("(CNN) The Colorado Avalanche defeated ...")."""
    return bool(re.fullmatch(r"\W*(?:\(CNN(?: Business)?\)\s*)?(?:The\s+)?", sent[:pos]))


def _named_inside(word: str, sentences: list[str]) -> bool:
    """The word is capitalised somewhere other than at a sentence's start."""
    rx = re.compile(r"(?<=[\w,;:’'\"”)]\s)" + re.escape(word) + r"\b")
    return any(rx.search(s) for s in sentences)


def _kind_fit(asked: Asked, phrase: str, sent: str, pos: int, head: list[str], unit: str | None, person_like: dict, sentences: list[str]) -> float:
    """How well a phrase fits what is asked, beyond its kind."""
    f = 1.0
    words = phrase.split()
    if asked.kind == "number" and unit:
        after = _words(sent[pos + len(phrase): pos + len(phrase) + 40])[:4]
        stems = [w.rstrip("s") for w in after]
        if unit in stems:
            f *= 3.0  # "63 hot dogs" for "how many hot dogs"
        elif stems and stems[0] in _UNITS and unit in _UNITS:
            f *= 0.3  # "three hours" for "how many minutes"
    if head and words and words[-1].lower().rstrip("s") == head[0].rstrip("s"):
        f *= 2.0  # "Yellowstone National Park" for "which national park"
    elif head and head[0] in ("team", "club", "franchise") and _team(phrase):
        f *= 2.0  # "Denver Broncos" for "which football team", not the family that bought it
    if asked.kind in ("person", "org", "name", "any"):
        if phrase not in person_like:
            person_like[phrase] = _person_like(phrase, sentences)
        if asked.kind == "person":
            f *= 1.5 if person_like[phrase] else (0.5 if len(words) == 1 else 1.0)
        elif person_like[phrase]:
            f *= 0.4  # "which group": al Qaeda, not its leader
        # the sentence's subject ("Adele has postponed ...", "(CNN) Dartmouth College announced ...")
        if _opens(sent, pos):
            f *= 1.5
    return f


# --- choosing ----------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = set("""the a an of to in on at for from by with and or is are was were be been has have had did does do this that these
    those it its his her their they he she we you i what which who whom whose when where why how many much week weeks this
    recently new latest said says according""".split())


def _words(text: str) -> list[str]:
    return [w.lower() for w in _TOKEN.findall(text)]


_SMALL = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                                          "fifteen sixteen seventeen eighteen nineteen twenty".split())}


def _digits(phrase: str) -> str:
    """"six" -> "6", "Two" -> "2": a count reads faster, and matches how numbers are asked."""
    return _SMALL.get(phrase.lower(), phrase)


def _in_question(phrase: str, qwords: set[str]) -> bool:
    ws = [w for w in _words(phrase) if w not in _STOP]
    return bool(ws) and all(w in qwords or w.rstrip("s") in qwords for w in ws)


def short_answer(question: str, sentences: list[str], kind: Asked | None = None) -> str | None:
    """The few words that answer the question, from the sentences (best first), or None."""
    found = best_candidates(question, sentences, kind)
    return found[0][0] if found else None


def best_candidates(question: str, sentences: list[str], kind: Asked | None = None,
                    weights: list[float] | None = None) -> list[tuple[str, float, int]]:
    """(phrase, score, index of the sentence it came from), best first. ``weights``: how well each
    sentence matches the question (default: by position, the first best)."""
    asked = kind or answer_kind(question)
    if asked.kind is None:
        return []
    qwords = set(_words(question))
    qcontent = {w for w in qwords if w not in _STOP and len(w) > 2}
    pairs = bool(re.search(r"\b(?:which|what)\s+two\b|\bwho\s+are\s+the\s+two\b", question, re.I))
    named = _acronyms(question)  # "WHO" is the question's "World Health Organization"
    unit = _counted(question) if asked.kind == "number" else None
    head = (asked.noun or "").split()[-1:]
    noun_words = set((asked.noun or "").split())
    person_like: dict[str, bool] = {}
    votes: dict[str, list] = {}
    for si, sent in enumerate(sentences):
        toks = [(m.start(), m.group(0).lower()) for m in _TOKEN.finditer(sent)]
        anchors = [pos for pos, w in toks if w in qcontent or w.rstrip("s") in qcontent]
        found = _phrase_candidates(question, sent) if asked.kind == "phrase" else candidates(sent, asked.kind, asked.sub)
        for pos, phrase in found:
            phrase = _digits(phrase.strip(" ,.;:"))
            if not phrase or len(phrase.split()) > MAX_WORDS or _in_question(phrase, qwords):
                continue
            if asked.kind == "person" and any(w in qwords for w in _words(phrase) if w not in _STOP and len(w) > 2):
                continue  # "Who became governor after Rosselló resigned?" is not answered by Rosselló
            if phrase in named or (phrase.isupper() and phrase.lower() in qwords) or _acronyms(phrase) & {w.upper() for w in qwords}:
                continue
            if asked.kind in ("person", "org", "name", "any", "place") and " " not in phrase and re.match(r"\s+\d", sent[pos + len(phrase):]):
                continue  # "Game 6", "Phase 2": a label, not a name
            if (asked.kind in ("name", "any") and " " not in phrase and _opens(sent, pos) and sent[pos - 1: pos] not in ("“", '"')
                    and not _named_inside(phrase, sentences)):
                continue  # "Coming soon to your Netflix account": capitalised only as the sentence's first word
            # nearer the words the sentence shares with the question, earlier sentences first
            dist = min((abs(pos - a) for a in anchors), default=200)
            sw = weights[si] if weights is not None else 1.0 / (1 + si)
            s = sw * (1.0 / (1 + dist / 60)) * (1.0 if anchors else 0.3)
            # a phrase that shares words with the question is more likely its subject than its answer
            # (the asked noun itself is no such sign: "Yellowstone National Park" for "which national park")
            pw = [w for w in _words(phrase) if w not in _STOP and w not in noun_words]
            s *= 1.0 - 0.8 * (sum(1 for w in pw if w in qwords) / len(pw) if pw else 0.0)
            s *= 1.0 - min(pos, 400) / 4000  # ties: the earlier phrase
            if asked.kind == "place" and phrase.lower() in _GENERAL_PLACES:
                s *= 0.3
            s *= _kind_fit(asked, phrase, sent, pos, head, unit, person_like, sentences)
            key = phrase.lower()
            v = votes.setdefault(key, [phrase, 0.0, si])
            v[1] += s
    if re.search(r"\bhow\s+old\b|\bwhat\s+age\b", question, re.I):
        # an age: "the 67-year-old", "aged 67", "67 years old", "at the age of 91"
        ages = {k for k, v in votes.items() for sent in [sentences[v[2]]]
                if re.search(r"(?:aged|age\s+of)\s+" + re.escape(v[0]) + r"\b|\b" + re.escape(v[0]) + r"[\s-]years?[\s-]old", sent, re.I)}
        votes = {k: v for k, v in votes.items() if k in ages} if ages else votes
    ranked = sorted(votes.values(), key=lambda v: (-v[1], v[2], v[0]))
    out = [(p, s, i) for p, s, i in ranked]
    if pairs and len(out) >= 2 and out[0][2] == out[1][2]:
        # "Which two supermarkets ...?": the two best from one sentence, in the sentence's order
        sent = sentences[out[0][2]]
        a, b = sorted(out[:2], key=lambda x: sent.find(x[0]))
        out = [(f"{a[0]} and {b[0]}", a[1] + b[1], a[2])] + out
    return out
