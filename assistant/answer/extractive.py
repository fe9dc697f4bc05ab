"""The extractive engine: no model, deterministic. It quotes at most two source sentences
(about 60 words) that answer the question, each cited, or refuses when none does.

Sentences from the retrieved passages are scored by how much of the question they cover
(content-word recall with light stemming, weighted by rarity within the candidates), by
embedding similarity to the question, and by retrieval rank. The refusal threshold is a
setting of this module, chosen on the tuning weeks of realtimeqa (docs/answers.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..text import ANSWER_SUFFIXES, SEARCH_STOP_WORDS, suffix_stem
from ..text import cosine as _cos

MAX_WORDS = 60
# Below these scores the engine refuses. The score mixes lexical coverage with embedding
# similarity, whose scale depends on the embedder, so a threshold belongs to one embedder:
# 0.35 for the local MiniLM was chosen on the realtimeqa tuning weeks by the answers eval's rule
# (docs/answers.md: 0.55, then 0.45 with the answer-kind check, then 0.35 once time words weigh
# sentences by date and the short answers improved; the two refusal figures trade one for one).
# Other embedders (hash, remote models) answer on lexical coverage alone, with 0.35 (untuned).
TUNED_MIN_SCORE = {"minilm-l6-int8": 0.35}
LEXICAL_MIN_SCORE = 0.35
MIN_SCORE = TUNED_MIN_SCORE["minilm-l6-int8"]


def settings_for(embedder) -> tuple[object, float]:
    """(embedder to score with, or None for lexical only; refusal threshold)."""
    name = getattr(embedder, "name", None)
    if name in TUNED_MIN_SCORE:
        return embedder, TUNED_MIN_SCORE[name]
    return None, LEXICAL_MIN_SCORE
_WORD = re.compile(r"[^\W_]+(?:&[^\W_]+)*", re.UNICODE)  # "M&M", "AT&T" stay one word
QUESTION_WORDS = {"who", "what", "when", "where", "why", "how", "which", "whom", "whose", "did", "does", "do", "is", "are", "was", "were"}


# irregular past forms news uses in answers to present-tense questions ("How much did he win?" / "he won")
_IRREGULAR = {"won": "win", "paid": "pay", "bought": "buy", "sold": "sell", "said": "say", "made": "make", "took": "take",
              "went": "go", "ran": "run", "led": "lead", "died": "die", "killed": "kill", "left": "leave", "met": "meet",
              "hit": "hit", "began": "begin", "became": "become", "chose": "choose", "fell": "fall", "rose": "rise",
              "spent": "spend", "lost": "lose", "held": "hold", "wrote": "write", "sank": "sink", "struck": "strike",
              "brought": "bring", "found": "find", "gave": "give", "got": "get", "told": "tell", "kept": "keep", "chose": "choose"}


def _stem(w: str) -> str:
    return _IRREGULAR.get(w) or suffix_stem(w, ANSWER_SUFFIXES)


def content(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in SEARCH_STOP_WORDS and w not in QUESTION_WORDS and len(w) > 1]


@dataclass
class Scored:
    index: int
    score: float
    coverage: float
    similarity: float


def score(question: str, sentences: list[str], ranks: list[int], embedder=None) -> list[Scored]:
    q = set(content(question))
    if not q or not sentences:
        return [Scored(i, 0.0, 0.0, 0.0) for i in range(len(sentences))]
    bags = [set(content(s)) for s in sentences]
    # rarer question words (within the candidates) count more: "Novichok" over "said"
    df = {w: sum(1 for b in bags if w in b) for w in q}
    weight = {w: math.log(1 + len(bags) / (1 + df[w])) + 0.1 for w in q}
    total = sum(weight.values())
    sims = [0.0] * len(sentences)
    if embedder is not None:
        vecs = embedder.embed_documents([question] + list(sentences))
        sims = [max(0.0, _cos(vecs[0], v)) for v in vecs[1:]]
    out = []
    for i, bag in enumerate(bags):
        coverage = sum(weight[w] for w in q if w in bag) / total
        rank_prior = 1.0 / (1 + 0.15 * ranks[i])
        s = (0.55 * coverage + 0.45 * sims[i]) if embedder is not None else coverage
        out.append(Scored(i, s * (0.85 + 0.15 * rank_prior), coverage, sims[i]))
    return out


# a sentence's score keeps this share whatever its date, the rest scales with the recency weight
# (1 inside the question's time window, halved per further window; assistant/retrieve/recency.py).
# 0.5 chosen on the realtimeqa tuning weeks among 0.3/0.5/0.7/0.85 (docs/answers.md)
RECENCY_FLOOR = 0.5


def prefer_recent(scored: list[Scored], published: list[float | None], anchor: float, window_days: float) -> None:
    """Scale the scores of a question with time words ("this week") by how recent each sentence's report is."""
    from ..retrieve.recency import weight

    for s in scored:
        s.score *= RECENCY_FLOOR + (1 - RECENCY_FLOOR) * weight(published[s.index], anchor, window_days)


@dataclass
class Decision:
    """What the extractive engine answers: the sentences to quote (best first), the answer in a
    few words, or why it refuses and which sentences it turned down."""

    chosen: list[int]
    short: str | None = None
    short_index: int | None = None
    refusal: str | None = None
    rejected: list[tuple[int, str]] = None

    def __post_init__(self):
        if self.rejected is None:
            self.rejected = []


# refuse, whatever is asked, when the question names its subject and no good sentence nor its
# article names it
SUBJECT_REQUIRED = True

# sentences this close to the best one are searched for an answer of the asked kind
SEARCH_RATIO = 0.4
SEARCH_MAX = 8


def subject_names(question: str, sentences: list[str] | None = None) -> list[str]:
    """The names the question is about ("M&M", "Dustin Johnson"), lower-cased; [] when it names none.
    Not names of its subject: who reports it ("according to a survey by Ofcom", "a report compiled by
    The Economist"), a word capitalised only because it opens the question ("Dozens of people ...",
    "Temperatures in Britain ...") unless the sources write it as a name, a label ("Level 5"), and
    titles alone ("Tory MP")."""
    from .short import _last_question

    asked = _last_question(question)
    names = _subject_runs(asked, sentences) or _subject_runs(question, sentences)
    return [n.lower() for n in names if n.lower() not in ("covid-19", "covid")]


# a name after these words reports the story (the quiz's source), it is not what the story is about
_REPORTED_BY = re.compile(r"(?:\baccording\s+to|\b(?:report|survey|study|analysis|poll|research|data|figures|ranking|index)\s+"
                          r"(?:\w+\s+)?(?:by|from|of)|\b(?:tipped|reported|compiled|published|conducted)\s+by)\s+"
                          r"(?:(?:a|an|the|new|recent|latest)\s+){0,3}(?:[\w.-]+\s+){0,2}$", re.I)


def _subject_runs(text: str, sentences: list[str] | None) -> list[str]:
    from .short import _cap_runs
    from .short.phrases import _TITLE_WORDS
    from .short.names import _INSTITUTION, _ORG_SUFFIX
    from .short.places import _GENERAL_PLACES, is_place
    from .short.scoring import _named_inside

    out = []
    for pos, n in _cap_runs(text):
        if _REPORTED_BY.search(text[max(0, pos - 60): pos]):
            continue
        if re.match(r"\s+\d", text[pos + len(n):]) and " " not in n:
            continue  # "Level 5", "Game 6": a label
        if re.search(r"\b(?:which|what)\s+(?:[\w’'-]+\s+){0,3}$", text[:pos], re.I) and re.match(r"\s+[a-z]", text[pos + len(n):]):
            continue  # "which Ivy League school", "which London borough": the kind of thing asked for, not the story
        words = n.split()
        if all(w.rstrip(".") in _TITLE_WORDS for w in words):
            continue  # "Tory MP", "Conservative MP": a title, no one's name
        titled = [i for i, w in enumerate(words) if w.rstrip(".") in _TITLE_WORDS]
        if titled and titled[-1] < len(words) - 1 and not _ORG_SUFFIX.search(n) and not _INSTITUTION.search(n):
            n = " ".join(words[titled[-1] + 1:])  # "Sri Lankan President Gotabaya Rajapaksa": the person is "Gotabaya Rajapaksa"
        if n.lower() in _GENERAL_PLACES:
            continue  # "Britain", "the United States": too wide to tell one story from another
        if (" " not in n and not text[:pos].strip(" “\"'‘(") and not n.isupper() and not is_place(n)
                and not (sentences and _named_inside(n, sentences))):
            continue  # "Dozens of people ...": capitalised as the question's first word only
        out.append(n)
    return out


def about(sentence: str, names: list[str]) -> bool:
    """The sentence mentions one of the question's names (a person by the surname is enough)."""
    if not names:
        return True
    low = sentence.lower()
    return any(n in low or (_surname(n) is not None and re.search(r"\b" + re.escape(_surname(n)) + r"\b", low)) or _most_words(n, low)
               for n in names)


def _most_words(name: str, low: str) -> bool:
    """A long name told in part: "the Stanley Cup Final" for "NHL Stanley Cup Finals"."""
    words = name.split()
    if len(words) < 3:
        return False
    found = sum(1 for w in words if re.search(r"\b" + re.escape(w.rstrip("s")) + r"s?\b", low))
    return found * 2 >= len(words)


# last words that make a name an event, a body or a place, never named by that word alone
_NOT_SURNAMES = set("""finals final cup series league championship championships awards award games open party court house
    park act bill day week festival tournament trophy prize department agency office committee council union company
    airlines group bank news times post university college school state city county""".split())


def _surname(name: str) -> str | None:
    """"dustin johnson" -> "johnson": a person is named again by the last word alone; an event or
    an organisation ("nhl stanley cup finals") is not."""
    words = name.split()
    if not 2 <= len(words) <= 3 or words[-1] in _NOT_SURNAMES or len(words[-1]) < 3:
        return None
    return words[-1]


# A report published this many days before the question's date (--as-of, or with time words their
# anchor; none otherwise) is about an earlier event: it is no evidence for a question that names no
# year (news answers go stale: "Which major change is coming to Netflix?" is not answered by
# Qwikster, 2011), and when only such reports answer, the engine refuses. A question whose time
# words span longer ("this year") allows twice its window. 30 days, and "no evidence" rather than
# "refuse when the answer comes from one", chosen on half A of the realtimeqa tuning weeks after the
# retrieval's chunks changed, checked on half B (docs/answers.md, fifth round; the fourth round chose
# 180 days and "refuse" on the older chunks); 0 turns the rule off.
STALE_DAYS = 30


def stale(question: str, published: list[float | None], anchor: float | None, window_days: float | None = None) -> set[int]:
    """Indices of the sentences whose report is too old for the question (undated ones never are)."""
    if not STALE_DAYS or anchor is None or _names_a_year(question):
        return set()
    limit = max(STALE_DAYS, 2 * (window_days or 0)) * 86400
    return {i for i, ts in enumerate(published) if ts is not None and anchor - ts > limit}


def _names_a_year(question: str) -> bool:
    """The question says when ("the 2008 Mumbai attack", "in 2019"): old reports may answer it."""
    return bool(re.search(r"(?<![\w$£€.,])(?:1[89]|20)\d{2}s?(?![\w%,.]\d)", question or ""))


def decide(question: str, sentences: list[str], scored: list[Scored], min_score: float,
           where: list[tuple[str, int]] | None = None, stale: set[int] | None = None) -> Decision:
    """Quote, answer in a few words, or refuse. ``scored`` is score() of the same sentences;
    ``where`` gives each sentence's (article, position), so the sentences right after a good
    one, which often carry its answer under a shorter name ("Johnson earned $18 million"), are
    searched too; ``stale``: sentences whose report is far older than the question's date
    (stale()): no evidence; when only they would answer, the refusal says so."""
    if not stale:
        return _decide(question, sentences, scored, min_score, where)
    fresh = [Scored(s.index, 0.0, 0.0, 0.0) if s.index in stale else s for s in scored]
    d = _decide(question, sentences, fresh, min_score, where)
    at = d.short_index if d.short_index is not None else (d.chosen[0] if d.chosen else None)
    if at is not None and at not in stale:
        d.chosen = [i for i in d.chosen if i not in stale]
        return d
    old = _decide(question, sentences, scored, min_score, where)
    if d.chosen or old.chosen:
        # (an answer found only beside a good fresh sentence, in an old report's next sentence, is no answer either)
        i = at if at is not None else (old.short_index if old.short_index is not None else old.chosen[0])
        return Decision([], refusal=f"the sources that answer it are reports of earlier events (over {STALE_DAYS} days "
                                    "before the question's date)", rejected=[(i, "its report is older than the question's time")])
    return d


def _decide(question: str, sentences: list[str], scored: list[Scored], min_score: float,
            where: list[tuple[str, int]] | None = None) -> Decision:
    from .short import answer_kind, best_candidates

    order = sorted(scored, key=lambda s: (-s.score, s.index))
    if not order or order[0].score < min_score or order[0].coverage == 0:
        top = order[0] if order else None
        rej = [(top.index, f"covers too little of the question: score {top.score:.2f}, needs {min_score:.2f}")] if top and sentences else []
        return Decision([], refusal="no source sentence covers the question well enough", rejected=rej)
    best = order[0]
    asked = answer_kind(question)
    # the answer may sit in a sentence that names the subject only in part ("Johnson earned $18 million")
    pool = [s for s in order[:SEARCH_MAX] if s.score >= SEARCH_RATIO * best.score and s.coverage > 0]
    if where is not None:
        at = {w: i for i, w in enumerate(where)}
        by_index = {x.index: x for x in scored}
        extra = []
        for s0 in pool[:2]:
            art, pos = where[s0.index]
            for d in (1, 2):
                j = at.get((art, pos + d))
                if j is not None and j in by_index and all(j != x.index for x in pool + extra):
                    # weighted as a fraction of the sentence it follows
                    extra.append(Scored(j, min(by_index[j].score, s0.score) * (0.6 / d) + 1e-9, max(by_index[j].coverage, 1e-9), 0.0))
        pool = sorted(pool + extra, key=lambda s: (-s.score, s.index))
    short, short_index = None, None
    names = subject_names(question, sentences)
    # a sentence is about the subject when it names it, or when its article does elsewhere
    # ("It is the 67-year-old's first visit" in an article about Jim Mattis)
    articles_about = {where[i][0] for i in range(len(sentences)) if about(sentences[i], names)} if where is not None else set()
    on_subject = [s for s in pool if about(sentences[s.index], names) or (where is not None and where[s.index][0] in articles_about)]
    if SUBJECT_REQUIRED and names and not on_subject and not asked.strong:  # (a strong kind says what it missed, below)
        return Decision([], refusal=f"no source sentence is about {names[0]}", rejected=[(s.index, "not about the question's subject") for s in pool[:2]])
    if asked.kind is not None:
        found = best_candidates(question, [sentences[s.index] for s in on_subject], asked,
                                weights=[(s.score / best.score) ** 2 for s in on_subject])
        if found:
            short, _, k = found[0]
            short_index = on_subject[k].index
        elif asked.strong:
            what = {"person": "person's name", "org": "organisation's name", "place": "place", "number": "number",
                    "amount": "amount", "percent": "percentage", "measure": "measurement", "date": "date or time", "duration": "length of time", "color": "colour"}[asked.kind]
            subject = f" about {names[0]}" if names and not on_subject else ""
            why = f"no source sentence{subject} holds a{'n' if what[0] in 'aeiou' else ''} {what}, which the question asks for"
            return Decision([], refusal=why, rejected=[(s.index, f"holds no {what}" if s in on_subject else "not about the question's subject") for s in pool[:2]])
    first = short_index if short_index is not None else best.index
    chosen = [first]
    if short_index is not None and not asked.strong and short_index != best.index:
        # a guessed name (no kind the question requires): the best sentence is quoted too, first
        chosen = [best.index, short_index] if len(sentences[best.index].split()) + len(sentences[short_index].split()) <= 2 * MAX_WORDS else [best.index]
        return Decision(chosen, short=short, short_index=short_index)
    words = len(sentences[first].split())
    covered = set(content(sentences[first]))
    q = set(content(question))
    for s in order[:4]:
        if s.index == first:
            continue
        w = len(sentences[s.index].split())
        adds = (q & set(content(sentences[s.index]))) - covered
        if words + w <= MAX_WORDS and s.score >= 0.8 * best.score and adds:
            chosen.append(s.index)
            break
    return Decision(chosen, short=short, short_index=short_index)


def choose(question: str, sentences: list[str], ranks: list[int], embedder=None, min_score: float | None = None) -> list[int]:
    """Indices of at most two sentences that answer the question (best first), [] to refuse."""
    embedder, default_min = settings_for(embedder)
    min_score = default_min if min_score is None else min_score
    return decide(question, sentences, score(question, sentences, ranks, embedder), min_score).chosen
