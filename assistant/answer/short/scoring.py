"""Choosing the short answer: every candidate phrase of the asked kind is scored by how near it
stands to the words the sentence shares with the question, how good the sentence is and how well
it fits what is asked; phrases the question already names are left out; the best wins."""

from __future__ import annotations

import re

from .kinds import Asked, answer_kind
from .names import _acronyms, _cap_runs, _person_like, _team
from .phrases import _after_context, _beside_noun, _phrase_candidates, _verb_objects, candidates
from .places import _GENERAL_PLACES, _place_sub
from .words import _STOP, _TOKEN, _words

MAX_WORDS = 8


# what these nouns name is written with capitals ("Squid Game", "the Tony Awards"): no lower-case answer
_CAPITALISED_TITLES = re.compile(r"\b(?:show|series|movie|film|song|album|book|game|award|awards|tournament|festival|holiday|"
                                 r"character|program|programme|mission|hurricane|storm|typhoon|rocket|spacecraft|telescope|app|name)$")

_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "mile", "kilometer", "foot", "feet", "meter", "pound",
          "ton", "game", "time", "point", "vote", "seat", "case", "death", "people", "person"}


# a name right after these words reports the news rather than being in it
_ATTRIBUTED = re.compile(r"(?:\baccording\s+to|\b(?:report|survey|study|analysis|poll|data|figures|note|statement)\s+(?:from|by)|"
                         r"\b(?:analysts?|economists?|researchers?|experts?|strategists?)\s+(?:at|from|with))\s+(?:the\s+)?$", re.I)
# ... unless the question asks who said or found it
_ASKS_SOURCE = re.compile(r"\b(?:say|says|said|report|reports|reported|according|claim|claims|claimed|found|find|finds|survey|study|"
                          r"poll|warn|warns|warned|estimate|estimates|estimated|predict|predicts|predicted|analy[sz]\w*)\b", re.I)


_ASKS_AGE = re.compile(r"\bhow\s+old\b|\bwhat\s+age\b|\byears?[\s-]old\b", re.I)
_AGED = re.compile(r"[\s-]years?[\s-]old\b", re.I)


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
    if head and words and words[-1].lower().rstrip("s") == head[0].rstrip("s") and (words[-1].lower().endswith("s") <= head[0].endswith("s")):
        # (the plural of a singular noun names a group: "Conservative MPs" for "which MP")
        f *= 2.0  # "Yellowstone National Park" for "which national park"
    elif head and head[0] in ("team", "club", "franchise") and _team(phrase):
        f *= 2.0  # "Denver Broncos" for "which football team", not the family that bought it
    if asked.kind == "place" and asked.sub == "country" and _place_sub(phrase) != "country":
        f *= 0.4  # "which country": Japan before the island of Kyushu in the same sentence
    if asked.kind in ("person", "org", "name", "any"):
        if phrase not in person_like:
            person_like[phrase] = _person_like(phrase, sentences)
        if asked.kind == "person":
            f *= 1.5 if person_like[phrase] else (0.5 if len(words) == 1 else 1.0)
        elif person_like[phrase] and not (head and head[0] in ("role", "character", "part", "persona")):
            f *= 0.4  # "which group": al Qaeda, not its leader (but "which role": Lt. Nyota Uhura)
        # the sentence's subject ("Adele has postponed ...", "(CNN) Dartmouth College announced ...")
        if _opens(sent, pos):
            f *= 1.5
    return f



_SMALL = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                                          "fifteen sixteen seventeen eighteen nineteen twenty".split())}


def _digits(phrase: str) -> str:
    """"six" -> "6", "Two" -> "2": a count reads faster, and matches how numbers are asked."""
    m = re.fullmatch(r"(\w+)[\s-](second|minute|hour|day|week|month|year|decade)s?", phrase, re.I)
    if m and (m.group(1).isdigit() or m.group(1).lower() in _SMALL):
        n = _SMALL.get(m.group(1).lower(), m.group(1))  # "three-month" (a holiday) -> "3 months"
        return f"{n} {m.group(2).lower()}{'' if n == '1' else 's'}"
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
    from ..extractive import _stem

    qstems = {_stem(w).rstrip("e") for w in qcontent}  # "accuse" in the sentence is the question's "accused"
    pairs = bool(re.search(r"\b(?:which|what)\s+two\b|\bwho\s+are\s+the\s+two\b", question, re.I))
    named = _acronyms(question)  # "WHO" is the question's "World Health Organization"
    qnames = [n for _, n in _cap_runs(question) if len(n) > 3]
    unit = _counted(question) if asked.kind == "number" else None
    head = (asked.noun or "").split()[-1:]
    noun_words = set((asked.noun or "").split())
    person_like: dict[str, bool] = {}
    asks_source = bool(_ASKS_SOURCE.search(question))
    asks_age = bool(_ASKS_AGE.search(question))
    votes: dict[str, list] = {}
    for si, sent in enumerate(sentences):
        toks = [(m.start(), m.group(0).lower()) for m in _TOKEN.finditer(sent)]
        anchors = [pos for pos, w in toks if w in qcontent or w.rstrip("s") in qcontent or _stem(w).rstrip("e") in qstems]
        found = _phrase_candidates(question, sent) if asked.kind == "phrase" else candidates(sent, asked.kind, asked.sub)
        beside = {}
        # quoted titles that hold a name the question gives ("“Star Trek: The Original Series”" for "“Star Trek” actress")
        given_titles = [(m.start(1), m.end(1)) for m in re.finditer(r"[“\"]([^”\"]{2,80})[”\"]", sent)
                        if any(n.lower() in m.group(1).lower() for n in qnames)]
        # a sentence that uses the asked noun itself talks about what it names (weak kinds: a guess needs the help)
        names_noun = asked.kind in ("any", "name") and bool(head) and bool(re.search(r"\b" + re.escape(head[0].rstrip("s")) + r"s?\b", sent, re.I))
        if asked.kind == "any" or (asked.kind == "name" and not _CAPITALISED_TITLES.search(asked.noun or "")):
            # lower-case answers ("the monkeypox virus", "the baby formula shortage"): beside the asked noun
            # they fit best, beside another noun of the question like a name
            for pos, phrase, at_noun in _beside_noun(question, sent, asked.noun):
                found.append((pos, phrase))
                beside[(pos, phrase)] = max(beside.get((pos, phrase), 0.0), 3.0 if at_noun else 1.0)
            for pos, phrase in _verb_objects(question, sent):  # "KFC rolled out chicken nuggets"
                found.append((pos, phrase))
                beside[(pos, phrase)] = max(beside.get((pos, phrase), 0.0), 1.5)
        after = _after_context(question, sent)  # "a ban on which skill" / "... to ban heading in ..."
        starts = {pos for pos, _ in after}
        if asked.kind in ("any", "name"):
            for pos, phrase in after:
                if phrase:
                    found.append((pos, phrase))
                    beside[(pos, phrase)] = max(beside.get((pos, phrase), 0.0), 1.5)
        for pos, phrase in found:
            lower_fit = beside.get((pos, phrase))
            phrase = _digits(phrase.strip(" ,.;:"))
            if not phrase or len(phrase.split()) > MAX_WORDS or _in_question(phrase, qwords):
                continue
            if asked.kind == "person" and any(w in qwords for w in _words(phrase) if w not in _STOP and len(w) > 2):
                continue  # "Who became governor after Rosselló resigned?" is not answered by Rosselló
            if phrase in named or (phrase.isupper() and phrase.lower() in qwords) or _acronyms(phrase) & {w.upper() for w in qwords}:
                continue
            if any(a < pos and pos + len(phrase) <= b for a, b in given_titles):
                continue  # "Original Series" inside "Star Trek: The Original Series", a title the question names
            if asked.kind in ("person", "org", "name", "any", "place") and " " not in phrase and re.match(r"\s+\d", sent[pos + len(phrase):]):
                continue  # "Game 6", "Phase 2": a label, not a name
            if (asked.kind in ("name", "any") and " " not in phrase and _opens(sent, pos) and sent[pos - 1: pos] not in ("“", '"')
                    and not _named_inside(phrase, sentences)):
                continue  # "Coming soon to your Netflix account": capitalised only as the sentence's first word
            if (asked.kind == "person" and " " not in phrase and phrase.endswith("ing") and len(phrase) > 5
                    and _opens(sent, pos) and not _named_inside(phrase, sentences)):
                continue  # "Speaking at a conference, the former PM said": a verb opening the sentence
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
            s *= lower_fit if lower_fit is not None else _kind_fit(asked, phrase, sent, pos, head, unit, person_like, sentences)
            if asked.kind == "number" and not asks_age and _AGED.match(sent[pos + len(phrase):]):
                s *= 0.3  # "Harris, who is 22 years old, was sentenced to 12 years": an age answers "how old" only
            if not asks_source and _ATTRIBUTED.search(sent[max(0, pos - 40): pos]):
                s *= 0.3  # "a new report from Bank of America claims that the company ...": who reports, not who is reported on
            if pos in starts and lower_fit is None:
                s *= 2.0  # the question's words before "which" stand right before it ("an affair with Nicole Shanahan")
            if names_noun:
                s *= 1.5  # "... a federal ban on assault weapons, another measure Democrats pushed": about the asked noun
            key = phrase.lower()
            v = votes.setdefault(key, [phrase, 0.0, si])
            v[1] += s
    if asks_age:
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
