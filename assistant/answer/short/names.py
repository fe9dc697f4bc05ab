"""Names in a sentence: capitalised runs trimmed of function words and sentence starters, and
the rules that tell a person from an organisation, an institution or a team, and a name from its
acronym."""

from __future__ import annotations

import re

from .places import is_place

# a capitalised word, or one behind an Arabic particle ("al-Qaida", "Ayman al-Zawahiri")
_CAP_WORD = r"(?:(?:al|el|bin|ibn|abu)-)?[A-Z][\w’'&.-]*"
# runs start at a word start: the "al" ending "dysfunctional Roy" is no particle
_CAPS = re.compile(r"(?<![\w’'-])(?:(?:" + _CAP_WORD + r"|&|of|de|the|and|du|la|von|van|al|bin)\s+)*" + _CAP_WORD)
_NOT_NAME = set("""A An The And Or But If In On At To For From By With About As Of Is Are Was Were It He She They We You I His Her
    Their Its Our This That These Those There Here Then So Also Any Some All No Not Yes Than More Most Mr Mrs Ms Dr According
    However Meanwhile While When Where What Who Which Why How After Before During Since Until Under Over Now Still Even
    Last Next Earlier Later Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December Sept Jan Feb Aug Oct Nov Dec""".split())
_ORG_SUFFIX = re.compile(r"\b(?:Inc|Corp|Corporation|Company|Co|Group|Holdings|Airlines?|Airways|Motors?|Bank|University|College|"
                         r"Institute|Association|Party|Agency|Administration|Department|Ministry|Council|Foundation|League|Club|"
                         r"Network|Studios?|Media|Technologies|Systems|Foods?|Stores?|Markets?|Pharmaceuticals?|Energy|Sky|Storm|Aces|Sun)\b\.?$")
_INSTITUTION = re.compile(r"\b(?:Court|House|Senate|Congress|Parliament|Department|Ministry|Office|Police|Army|Navy|Force|Guard|Service|"
                          r"Committee|Commission|Government|Administration|Agency|Bureau|Center|Centre|Hospital|Museum|Church|Palace|"
                          r"Street|Avenue|Square|Park|Airport|Station|Bridge|River|Lake|Mountain|Island|Day|Week|Awards?|Cup|Games|Series|Open)\b\.?$")

# "Bank of England", "University of Texas": a body named after a place, never a person
_BODY_OF = re.compile(r"^(?:The\s+)?(?:Bank|University|Church|Department|Ministry|Museum|Council|Court|House|Office|Board|Bureau|"
                      r"Commission|Institute|Federation|Association|Union|Republic|Kingdom|State|City|Port|Gulf|Sea|Bay|Isle|"
                      r"Government|Parliament|Assembly|Chamber)\s+(?:of|for)\s")
# a capitalised word joined to a lower-case one describes ("American-style", "Russian-backed", "US-based"): no name
_DESCRIBING_COMPOUND = re.compile(r"^[A-Z][\w.]*-(?:style|based|backed|led|made|born|owned|run|related|era|like|linked|funded|"
                                  r"bound|themed|inspired|focused|friendly|specific|wide|only|centric)$")

_ABBREV = re.compile(r"^(?:[A-Z]|Rep|Sen|Gov|Gen|Col|Sgt|Lt|Capt|Pres|Prof|Dr|Mr|Mrs|Ms|St|Jr|Sr|Inc|Corp|Co|U\.S|U\.K|Mt|Ft)\.$")
_SENTENCE_START = set("""Approximately Nearly Around Almost Roughly About Some Several Many Most Few Legendary Famous Former Police
    Officials Authorities Scientists Experts Residents Critics Analysts Lawmakers Voters Americans Despite Amid Following Thanks
    Both Each Every Either Neither Only Just Once Instead Although Because Though Unlike Like Yet Still Between Among Across
    Through Within Without Against Along Amid Beyond Behind Inside Outside Except Per Via Unless Whether Besides Regardless
    Currently Recently Previously Initially Eventually Ultimately Overall Additionally Separately Together""".split())


def _not_name(word: str) -> bool:
    base = re.split(r"[’']", word)[0]  # "We’re", "It's"
    return word in _NOT_NAME or base in _NOT_NAME or word in _SENTENCE_START


def _never_name(word: str) -> bool:
    return word in _NOT_NAME or re.split(r"[’']", word)[0] in _NOT_NAME


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
    # (at the end only words that are never names: "Bed Bath & Beyond" keeps "Beyond", a sentence opener)
    while words and (_never_name(words[-1].rstrip(".,")) or words[-1].lower() in ("of", "de", "the", "and", "&")):
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
