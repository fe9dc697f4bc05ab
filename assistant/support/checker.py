"""Does the cited text support a claim? Lexical recall, an optional embedding cosine, and
rule-based checks of numbers, dates, names and negation (see docs/citation-check.md).

Real models write "According to DailyMail.co.uk, ..." (the outlet the context heading gave),
repeat what the question states ("in the 2008 Mumbai attack") and name a person whom the cited
sentence calls "he" or "the 67-year-old". A ``Given`` carries what is known besides the cited
sentences: the headings of their articles (outlet, date, title, author), the question, and the
article around them (title and earlier sentences). Heading and question words are given, not
claims; a name is supported when the article names it. Numbers, negations and names the
article never mentions still fail."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ..text import cosine as _cos
from . import rules
from .text import content_stems, stem_match

# Defaults set a priori (not fitted); WiCE tuning-half thresholds: docs/citation-check.md.
THRESHOLD_LEXICAL = 0.55
THRESHOLD_EMBEDDING = 0.55
LEXICAL_WEIGHT = 0.5  # share of the lexical score when an embedder is given
COS_FLOOR, COS_CEIL = 0.15, 0.80  # cosine mapped linearly onto 0..1 between these
PENALTY = {"number": 0.6, "date": 0.4, "name": 0.5, "negation": 0.3}
PREFILTER = 30  # best_support embeds at most this many lexically best candidates


@dataclass
class Given:
    """What the claim may take without citing it."""

    header: str = ""  # outlet, date, title, author of the cited sentences' articles
    question: str = ""
    article: str = ""  # title and earlier sentences of the cited sentences' articles
    dates: tuple = ()  # ISO dates from the headings (month and weekday names follow from them)
    as_of: str = ""  # the date the answer is given as of: given only where the claim says "as of"

    def facts_text(self, claim: str = "") -> str:
        """Text whose numbers, date words and names count as given."""
        dates = list(self.dates) + ([self.as_of] if self.as_of and re.search(r"\bas (?:of|at)\b", claim, re.IGNORECASE) else [])
        return " ".join([self.header, self.question, *(_date_words_of(d) for d in dates)])


def _date_words_of(iso: str) -> str:
    import datetime as _dt

    try:
        d = _dt.date.fromisoformat((iso or "")[:10])
    except ValueError:
        return ""
    return f"{iso[:10]} {d:%A %B} {d.day} {d.year}"


_ATTRIBUTION = re.compile(r"^\s*(?:according to|as reported by|as of|as at|on|in)\s+[^,]{1,80},\s*", re.IGNORECASE)
_SAYS = re.compile(r"^\s*((?:the\s+)?[\w.\-\u2019' ]{1,40}?)\s+(?:also\s+)?(?:reported|reports|said|says|wrote|writes)\s+(?:that\s+)?", re.IGNORECASE)


_TRAILING = re.compile(r",\s*(?:according to|as reported by)\s+[^,;]{1,60}?[.!]?\s*$", re.IGNORECASE)


def split_attribution(claim: str, header: str = "") -> tuple[str, str]:
    """(attribution, body): a leading "According to X," / "As of DATE," / "X reported that"
    (X an outlet or author of the ``header``) and a trailing ", according to X." apart from
    what the claim states."""
    parts, body = [], claim
    while True:
        m = _ATTRIBUTION.match(body)
        if not m or len(body) - m.end() <= 15:
            break
        parts.append(body[:m.end()])
        body = body[m.end():]
    m = _SAYS.match(body)
    if m and header and len(body) - m.end() > 15:
        who = _squash(re.sub(r"^the\s+", "", m.group(1), flags=re.IGNORECASE))
        if len(who) >= 3 and who in _squash(header):
            parts.append(body[:m.end()])
            body = body[m.end():]
    m = _TRAILING.search(body)
    if m and m.start() > 15:
        parts.append(body[m.start():])
        body = body[:m.start()] + "."
    return " ".join(parts), body


def strip_attribution(claim: str, header: str = "") -> str:
    """The claim without its attribution (see split_attribution)."""
    body = split_attribution(claim, header)[1]
    return body[:1].upper() + body[1:]


@dataclass
class Support:
    supported: bool
    score: float
    reasons: list[str] = field(default_factory=list)
    lexical: float = 0.0
    embedding: float | None = None  # raw cosine, None without an embedder
    facts: dict = field(default_factory=dict)  # {"number": (n, missing), ...}, "negation": bool
    rules_factor: float = 1.0  # product of the rule penalties applied to the base score


def lexical_recall(claim_stems: list[str], cited_text: str, weights: dict | None = None, given: set[str] | None = None) -> float:
    """Share of the claim's distinct content stems found in the cited text (weighted); stems
    that are not in the cited text but are ``given`` (heading, question) are left out."""
    want = list(dict.fromkeys(claim_stems))
    pool = set(content_stems(cited_text))
    prefixes = {s[:5] for s in pool if len(s) >= 6}
    if given:
        want = [s for s in want if stem_match(s, pool, prefixes) or s not in given]
    if not want:
        return 0.0
    w = weights or {}
    total = sum(w.get(s, 1.0) for s in want)
    got = sum(w.get(s, 1.0) for s in want if stem_match(s, pool, prefixes))
    return got / total if total else 0.0


class SupportChecker:
    def __init__(self, embedder=None, threshold: float | None = None, lexical_weight: float = LEXICAL_WEIGHT):
        self.embedder = embedder
        self.threshold = threshold if threshold is not None else (THRESHOLD_EMBEDDING if embedder else THRESHOLD_LEXICAL)
        self.lexical_weight = lexical_weight
        self._cache: dict[str, list[float]] = {}

    # -- embeddings -------------------------------------------------------------------
    def _vectors(self, texts: list[str]) -> list[list[float]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            if len(self._cache) > 20000:
                self._cache.clear()
            for t, v in zip(todo, self.embedder.embed_documents(todo)):
                self._cache[t] = list(v)
        return [self._cache[t] for t in texts]

    def cosine(self, a: str, b: str) -> float:
        va, vb = self._vectors([a, b])
        return _cos(va, vb)

    def scaled(self, cos: float) -> float:
        """A cosine put on the 0..1 scale the lexical score uses (COS_FLOOR -> 0, COS_CEIL -> 1)."""
        return min(1.0, max(0.0, (cos - COS_FLOOR) / (COS_CEIL - COS_FLOOR)))

    # -- the check --------------------------------------------------------------------
    def check(self, claim: str, cited: list[str], given: Given | None = None) -> Support:
        from .keys import strip_keys

        claim = strip_keys(claim)
        cited = [c for c in cited if c and c.strip()]
        if not cited:
            return Support(False, 0.0, ["no cited text"])
        text = " ".join(cited)
        stems = content_stems(claim)
        given_stems = set(content_stems(given.header + " " + given.question)) if given else None
        lex = lexical_recall(stems, text, given=given_stems)
        cos = None
        base = lex
        if self.embedder is not None:
            cos = self.cosine(strip_attribution(claim, given.header) if given else claim, text)
            base = self.lexical_weight * lex + (1 - self.lexical_weight) * self.scaled(cos)
        reasons: list[str] = []
        facts: dict = {}
        factor = 1.0
        extra = given.facts_text(claim) if given else ""
        for kind, fn in (("number", rules.check_numbers), ("date", rules.check_dates), ("name", rules.check_names)):
            if kind == "name" and given:
                # a heading's outlet or author is given where the claim attributes ("According to
                # X," / "X reported"), not as the one who did what the sources say someone else did
                attribution, body = split_attribution(claim, given.header)
                n, missing, why = rules.check_names(body, text + " " + given.question, article=given.article)
                if attribution:
                    n2, m2, w2 = rules.check_names(attribution, text + " " + extra, article=given.article, squashed=_squash(given.header))
                    n, missing, why = n + n2, missing + m2, why + w2
            else:
                n, missing, why = fn(claim, text + (" " + extra if extra else ""))
            facts[kind] = (n, missing)
            reasons += why
            if n:
                factor *= 1 - PENALTY[kind] * len(missing) / n
        if given and given.question:
            missing_premise = unstated_premise(claim, text, given)
            facts["premise"] = missing_premise
            if missing_premise:
                reasons.append("restates the question's premise, which the cited text does not state ("
                               + ", ".join(missing_premise[:4]) + ")")
        best = max(cited, key=lambda c: lexical_recall(stems, c)) if len(cited) > 1 else cited[0]
        neg, why = rules.check_negation(claim, best, given.question if given else "")
        facts["negation"] = neg
        reasons += why
        if neg:
            factor *= 1 - PENALTY["negation"]
        score = max(0.0, min(1.0, base * factor))
        if lex < 0.5:
            reasons.append(f"only {lex:.0%} of the claim's content words are in the cited text")
        hard = neg or any(facts[k][1] for k in ("number", "date", "name")) or bool(facts.get("premise"))
        return Support(score >= self.threshold and not hard, score, reasons, lex, cos, facts, factor)

    # -- choosing citations afterwards ------------------------------------------------
    def _idf(self, claim: str, candidates: list[str]) -> dict[str, float]:
        cand_stems = [set(content_stems(c)) for c in candidates]
        n = len(candidates)
        return {s: math.log(1 + n / (1 + sum(s in cs for cs in cand_stems))) + 0.5 for s in set(content_stems(claim))}

    def relevance(self, claim: str, candidates: list[str]) -> list[float]:
        """A per-candidate support score (lexical recall with IDF weights over the
        candidates, plus the scaled cosine when an embedder is given)."""
        stems = content_stems(claim)
        weights = self._idf(claim, candidates)
        lex = [lexical_recall(stems, c, weights) for c in candidates]
        if self.embedder is None or not candidates:
            return lex
        order = sorted(range(len(candidates)), key=lambda i: -lex[i])[:PREFILTER]
        vecs = self._vectors([claim] + [candidates[i] for i in order])
        out = [x * self.lexical_weight for x in lex]
        for j, i in enumerate(order):
            out[i] += (1 - self.lexical_weight) * self.scaled(_cos(vecs[0], vecs[j + 1]))
        return out

    def _atoms(self, claim: str, candidates: list[str], pool: list[int]) -> tuple[dict, dict[int, set]]:
        """What a citation should cover: the claim's content stems (IDF-weighted) and its
        numbers, date words and names (weighted double); and which pooled candidate covers which."""
        weights = self._idf(claim, candidates)
        mean_w = sum(weights.values()) / len(weights) if weights else 1.0
        atoms = {("w", s): w for s, w in weights.items()}
        nums = rules.numbers(claim)
        dates = rules.date_words(claim)
        names = rules.names(claim)
        atoms.update({("n", i): 2 * mean_w for i in range(len(nums))})
        atoms.update({("d", d): 2 * mean_w for d in dates})
        atoms.update({("p", i): 2 * mean_w for i in range(len(names))})
        cover: dict[int, set] = {}
        for i in pool:
            c = candidates[i]
            pool_stems = set(content_stems(c))
            prefixes = {s[:5] for s in pool_stems if len(s) >= 6}
            got = {("w", s) for s in weights if stem_match(s, pool_stems, prefixes)}
            have = rules.numbers(c)
            got |= {("n", j) for j, (_, v, t) in enumerate(nums) if any(abs(v - x) <= t + 1e-9 for _, x, _ in have)}
            got |= {("d", d) for d in dates & rules.date_words(c)}
            got |= {("p", j) for j, run in enumerate(names) if not rules.check_names(" ".join(run), c)[1]}
            cover[i] = got
        return atoms, cover

    def best_support(self, claim: str, candidates: list[str], k: int = 2, min_score: float = 0.2) -> list[int]:
        """Indices of up to ``k`` candidates that best support ``claim``, best first.

        A greedy cover: each step takes the candidate that adds the most still-uncovered
        claim content (IDF-weighted words; numbers, date words and names count double),
        with the candidate's relevance as a tie-breaker; it stops when nothing new is
        covered. [] when even the most relevant candidate scores below ``min_score``."""
        if not candidates or k <= 0:
            return []
        rel = self.relevance(claim, candidates)
        if max(rel) < min_score:
            return []
        pool = sorted(range(len(candidates)), key=lambda i: (-rel[i], i))[:PREFILTER]
        if rules.numbers(claim) or rules.date_words(claim):  # fact-bearing lines such as a dateline
            pool += [i for i in range(len(candidates)) if i not in pool and (rules.numbers(candidates[i]) or rules.date_words(candidates[i]))]
        atoms, cover = self._atoms(claim, candidates, pool)
        total = sum(atoms.values()) or 1.0
        chosen: list[int] = []
        covered: set = set()
        while len(chosen) < k:
            best, gain = None, 0.0
            for i in pool:
                if i in chosen:
                    continue
                new = sum(atoms[a] for a in cover[i] - covered) / total
                g = new + 0.5 * rel[i] if new > 0 else 0.0
                if not chosen:
                    g = new + rel[i]
                if g > gain:
                    best, gain = i, g
            if best is None or (chosen and gain - 0.5 * rel[best] < 0.05):
                break
            chosen.append(best)
            covered |= cover[best]
        return chosen


# what a question's premise may leave unstated: time words and the words of attribution
_PREMISE_FREE = {"week", "today", "yesterday", "recent", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                 "sunday", "year", "month", "day", "time", "new", "first", "last", "many", "much", "accord", "report", "said"}
PREMISE_SHARE = 0.5  # share of the question's words in the claim that the sources must not leave unstated


def unstated_premise(claim: str, cited_text: str, given: Given) -> list[str]:
    """The question's words the claim repeats that neither the cited sentences nor their
    headings state, when they are at least half of what the claim takes from the question: the
    question's premise with its slot filled ("Zaxby's launched a redesigned menu in roughly
    21,000 of its restaurants", citing a sentence that only names Zaxby's) is not an answer the
    sources give. Names are left to the name rule (the article may give them: "Jim Mattis is 67",
    citing "the 67-year-old")."""
    from .text import words

    body = split_attribution(claim, given.header)[1]
    capitalised = {stem_of for w in words(given.question + " " + body) if w[:1].isupper() for stem_of in content_stems(w)}
    q = {x for x in content_stems(given.question) if x not in _PREMISE_FREE and x not in capitalised}
    from_question = [x for x in dict.fromkeys(content_stems(body)) if x in q]
    pool = set(content_stems(cited_text + " " + given.header))
    prefixes = {x[:5] for x in pool if len(x) >= 6}
    missing = [x for x in from_question if not stem_match(x, pool, prefixes)]
    if len(missing) >= 2 and len(missing) >= PREMISE_SHARE * len(from_question):
        return missing
    return []


def _squash(text: str) -> str:
    """Lower-case letters only: "Daily Mail" is found in "dailymail.co.uk"."""
    return re.sub(r"[^a-z0-9]+", "", text.lower())
