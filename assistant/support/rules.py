"""Rule-based fact checks: numbers, dates, names and negation in a claim must agree with
the cited text. Each check returns (facts in claim, facts missing, reasons)."""

from __future__ import annotations

import re

from ..text import SUPPORT_STOP_WORDS as STOP
from ..text import stem

_SMALL = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
WRITTEN = {w: float(i) for i, w in enumerate(_SMALL)}
WRITTEN.update({"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "seventy": 70.0, "eighty": 80.0, "ninety": 90.0, "hundred": 100.0, "dozen": 12.0, "twice": 2.0, "half": 0.5})
SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12}
NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s*(thousand|million|billion|trillion|bn|mn|tn|k|m|b)\b)?"
    r"|\b(" + "|".join(sorted(WRITTEN, key=len, reverse=True)) + r")\b(?:[\s-]+(thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTH_ABBR = {m[:3]: m for m in MONTHS} | {"sept": "september"}
_DATE_WORD = re.compile(r"\b(" + "|".join(MONTHS + WEEKDAYS + list(_MONTH_ABBR)) + r")\b\.?", re.IGNORECASE)
NEGATION = re.compile(
    r"\b(not|no|never|none|nobody|nothing|neither|nor|without|denied|deny|denies|denying|refused|refuses|cannot)\b|n['\u2019]t\b",
    re.IGNORECASE,
)


def numbers(text: str) -> list[tuple[str, float, float]]:
    """(literal, value, tolerance) for each number; tolerance is half a unit of the last
    written digit for scaled numbers ('1.2 million' +- 50,000), else 0 (exact)."""
    out = []
    for m in NUMBER.finditer(text):
        if m.group(1):
            digits, dec, scale = m.group(1).replace(",", ""), m.group(2) or "", (m.group(3) or "").lower()
            if scale in ("m", "b", "k") and m.group(3) != m.group(3).lower():
                scale = ""  # "5 M" as a unit/letter, not a scale; keep simple
            value = float(digits + dec)
            mult = SCALE.get(scale, 1.0)
            tol = 0.0
            if mult > 1:
                places = len(dec) - 1 if dec else 0
                tol = 0.5 * (10 ** -places) * mult
            out.append((m.group(0).strip(), value * mult, tol))
        else:
            word = m.group(4).lower()
            if word in ("one", "half") and not m.group(5):
                continue  # 'one of the', 'half' as a word: too ambiguous to check
            mult = SCALE.get((m.group(5) or "").lower(), 1.0)
            out.append((m.group(0).strip(), WRITTEN[word] * mult, 0.0))
    return out


def check_numbers(claim: str, cited: str) -> tuple[int, list[str], list[str]]:
    have = numbers(cited)
    facts = numbers(claim)
    missing = []
    for lit, val, tol in facts:
        ok = any(abs(val - v) <= max(tol, t if t and tol else 0.0) + 1e-9 for _, v, t in have)
        if not ok and tol == 0.0 and val >= 1e3:  # "1,200" vs "1.2 thousand"-like forms
            ok = any(t and abs(val - v) <= t for _, v, t in have)
        if not ok:
            missing.append(lit)
    return len(facts), missing, [f"number {x} not in cited text" for x in missing]


def date_words(text: str) -> set[str]:
    out = set()
    for m in _DATE_WORD.finditer(text):
        w = m.group(1).lower()
        if w == "may" and m.group(1) == "may":
            continue  # the verb
        if w in ("mar", "jun", "jul", "sept", "sep", "oct", "nov", "dec", "jan", "feb", "apr", "aug") and m.group(1).islower():
            continue
        out.add(_MONTH_ABBR.get(w, w))
    return out


def check_dates(claim: str, cited: str) -> tuple[int, list[str], list[str]]:
    facts = date_words(claim)
    have = date_words(cited)
    missing = sorted(facts - have)
    return len(facts), missing, [f"date word '{x.capitalize()}' not in cited text" for x in missing]


_CAP = re.compile(r"\b[A-Z][\w\u00C0-\u024F'\u2019.-]*")
_NOT_NAMES = set(STOP) | {"the", "a", "an", "in", "on", "at", "of", "and", "it", "he", "she", "they", "we", "i", "this", "that", "these", "those", "his", "her", "their", "its"}


def names(text: str) -> list[list[str]]:
    """Runs of capitalised words that look like names; the sentence-initial word counts
    only when the next word is capitalised too ('Media Play News said')."""
    runs: list[list[str]] = []
    tokens = list(re.finditer(r"\S+", text))
    run: list[str] = []
    for i, t in enumerate(tokens):
        word = re.sub(r"^[\"'(\u201c\u2018]+|[\"')\u201d\u2019,.;:!?]+$", "", t.group(0))
        word = re.sub(r"['\u2019]s$", "", word)
        is_cap = bool(word) and word[0].isupper() and word.lower() not in _NOT_NAMES and word.lower() not in MONTHS + WEEKDAYS
        prev = tokens[i - 1].group(0) if i else ""
        sentence_start = i == 0 or (re.search(r"[.!?:][\"'\u201d]?$", prev) and not re.fullmatch(r"[A-Z]\.", prev))
        if is_cap and sentence_start and not run:
            nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
            is_cap = bool(nxt) and nxt[0].isupper()
        if is_cap and not word.isdigit():
            run.append(word)
        else:
            if run:
                runs.append(run)
            run = []
        initial = re.fullmatch(r"[A-Z]\.", t.group(0))
        if t.group(0)[-1:] in ",;:.!?)\"" and run and not initial:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


_HYPHEN = re.compile(r"[-\u2010\u2011\u2013]")


def name_parts(token: str) -> list[str]:
    """The parts of a hyphenated name word that must each be found: those that start with a
    capital ("British-Belgian" -> British, Belgian; "Texas-Mexico" -> Texas, Mexico;
    "Belgian-born" -> Belgian). Lower-case and digit parts describe ("-born", "-era") or are
    numbers (the number rule checks "Covid-19"'s 19). [] for a word without a hyphen."""
    parts = [p for p in _HYPHEN.split(token.strip(".-\u2013")) if p]
    if len(parts) < 2:
        return []
    return [p for p in parts if p[0].isupper()]


def name_word_found(token: str, text_lower: str, prefixes: set[str] | None = None) -> bool:
    """Is a name word in the (lower-cased) text? As written, whole word; else, for a word of 6+
    letters, a word of the text with its first 5 letters (America / American, Russia / Russian;
    only when ``prefixes`` is given). A hyphenated compound is found when each of its capitalised
    parts is ("British-Belgian" in "the Belgian British teen"): the sources write the two names
    apart, in the other order, or in another compound ("US-Mexico border" for "Texas-Mexico"
    needs Texas too)."""
    tl = token.lower().strip(".-")
    if len(tl) < 2:
        return True  # initials ("K.") prove nothing either way
    if re.search(r"(?<!\w)" + re.escape(tl) + r"(?!\w)", text_lower):
        return True
    parts = name_parts(token)
    if parts:
        return all(name_word_found(p, text_lower, prefixes) for p in parts)
    return prefixes is not None and len(tl) >= 6 and tl[:5] in prefixes


def check_names(claim: str, cited: str, article: str = "", squashed: str = "") -> tuple[int, list[str], list[str]]:
    """A name is found when its last word, or at least half its words, occur in the cited
    text (case-insensitive): 'Thomas K. Arnold' is found through 'Arnold'. With ``article``
    (the title and earlier sentences of the cited sentences' articles), a name the article
    gives is found too: the cited sentence refers back to it ("he", "the 67-year-old").
    ``squashed`` is heading text without spaces or dots ("Daily Mail" in "dailymail.co.uk")."""
    cited_lower = cited.lower()
    prefixes = {w[:5] for w in re.findall(r"\w{6,}", cited_lower)}
    art_lower = article.lower()
    art_prefixes = {w[:5] for w in re.findall(r"\w{6,}", art_lower)} if article else set()
    facts = names(claim)
    missing = []
    for run in facts:
        hits = [name_word_found(t, cited_lower, prefixes) for t in run]
        if not (hits[-1] or sum(hits) * 2 >= len(hits)) and squashed:
            hits = [h or (len(t) >= 4 and re.sub(r"[^a-z0-9]", "", t.lower()) in squashed) for h, t in zip(hits, run)]
        if not (hits[-1] or sum(hits) * 2 >= len(hits)) and article:
            hits = [name_word_found(t, art_lower, art_prefixes) for t in run]
            if all(hits):  # the whole name, as the article gives it
                continue
        if not (hits[-1] or sum(hits) * 2 >= len(hits)):
            missing.append(" ".join(run))
    return len(facts), missing, [f"name '{x}' not in cited text" for x in missing]


def negations(text: str, given: str = "") -> list[str]:
    """The negation cues of ``text``; with ``given`` (the question), a cue that the given text
    states with the same next word ("... were not included" asked, "not included" answered)
    is the question's premise repeated, not the claim's own polarity."""
    cues = [(m.group(0).lower(), text[m.end():]) for m in NEGATION.finditer(text)]
    if not given:
        return [c for c, _ in cues]
    said = " " + " ".join(re.findall(r"[a-z0-9]+", given.lower())) + " "
    out = []
    for cue, rest in cues:
        nxt = re.findall(r"[a-z0-9]+", rest.lower())[:1]
        word = "t" if cue.endswith("t") and not cue.isalpha() else cue  # "n't" is "... t" once punctuation goes
        if nxt and f" {word} {nxt[0]} " in said:
            continue
        out.append(cue)
    return out


def check_negation(claim: str, cited_best: str, given: str = "") -> tuple[bool, list[str]]:
    """A mismatch when the claim and the best-matching cited sentence differ in polarity:
    an odd number of negation cues on one side and an even number on the other ('did not
    deny' is two cues, so it agrees with a text that says nothing negative, and disagrees
    with 'denied'). Cues the ``given`` question states are left out of the claim's count."""
    a, b = negations(claim, given), negations(cited_best)
    if len(a) % 2 == len(b) % 2:
        return False, []
    if len(a) % 2:
        return True, [f"negation mismatch: claim says '{a[0]}', cited text does not"]
    if a:
        return True, [f"negation mismatch: cited text says '{b[0]}', claim says '{' '.join(a)}'"]
    return True, [f"negation mismatch: cited text says '{b[0]}', claim does not"]


__all__ = ["name_parts", "name_word_found", "date_words", "check_numbers", "check_dates", "check_names", "check_negation", "numbers", "names", "negations", "stem"]
