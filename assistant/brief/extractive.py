"""Extractive sentence selection for briefings: salient, non-redundant, budgeted.

Salience of a candidate sentence is a weighted sum of

* **lead position**: ``(1 + position) ** -lead_power``; news puts the point first;
* **centrality**: cosine to the centroid of its own article (and, with several articles,
  averaged with the cosine to the centroid of all candidates), min-max scaled over the
  candidates; sentence vectors when every candidate has one, otherwise TF-IDF over the
  candidates themselves (sparse, computed here);
* **query relevance** (optional): cosine to ``query_vector`` or TF-IDF cosine to ``query``.

Selection is greedy MMR: ``lambda_ * salience - (1 - lambda_) * max similarity to what is
already chosen``; a sentence whose content words are mostly contained in a chosen one (or
whose vector cosine to one is very high) is skipped outright. Junk (bylines, "Read more",
photo credits, share/subscribe lines) is dropped; fragments (fewer than ``min_words``
words, no final punctuation) are dropped whenever other candidates remain.

Several articles: the first pass takes at most one sentence per story (``story`` or, when
None, the article), the second a soft per-article cap, the third anything; a pass is used
only when the earlier ones have no eligible candidate left, so a small budget gives one
point per story and a large one fills up.

Budgets: ``n_sentences`` and/or ``n_words`` (whitespace words). A sentence that would exceed
the word budget is skipped and shorter ones are still tried; when no sentence fits at all,
the best one is taken alone even though it exceeds the budget. Pure Python + numpy, deterministic.

Weights were tuned on the even-indexed articles of two single-article sets; see
docs/briefing-eval.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..text import BRIEF_STOP_WORDS, BRIEF_SUFFIXES, suffix_stem

DEFAULT_SENTENCES = 6
# MMR trade-off; 0.9 was best on the tuning half among values < 1 (1.0, no soft penalty, was
# marginally better there but the multi-article briefing needs the soft penalty)
DEFAULT_LAMBDA = 0.9


@dataclass
class Candidate:
    id: str
    text: str
    article_id: str
    position: int  # index of the sentence within its article, 0 = first
    article_sentences: int
    published_ts: float | None = None
    story: str | None = None
    vector: list[float] | None = None

    @property
    def story_key(self) -> str:
        return self.story if self.story is not None else f"article:{self.article_id}"


@dataclass(frozen=True)
class Weights:
    # defaults: tuned on the even-indexed half of two single-article sets (docs/briefing-eval.md);
    # query and redundancy_cos were not tuned
    lead: float = 1.0
    central: float = 0.35
    query: float = 2.0
    lead_power: float = 0.25
    # a sentence is redundant when this share of its content words occurs in a chosen one
    redundancy_overlap: float = 0.5
    # ... or when its vector cosine to a chosen one reaches this (vectors only)
    redundancy_cos: float = 0.9
    min_words: int = 6


DEFAULT_WEIGHTS = Weights()

# --- junk ------------------------------------------------------------------------------

_FINAL = re.compile(r"""[.!?\u2026](?:\s*(?:''|["'\u201d\u2019)\]]))*\s*$""")


def is_junk(text: str) -> bool:
    """Boilerplate (bylines, ads, "Read more", credits, social and newsletter lines) and the
    article's own questions: never briefing points (one filter with answers: assistant.news.boilerplate)."""
    from ..news.boilerplate import not_evidence

    return not_evidence(text)


def is_fragment(text: str, min_words: int = DEFAULT_WEIGHTS.min_words) -> bool:
    """Too short or without final punctuation (headline, caption, list item)."""
    t = text.strip()
    return len(t.split()) < min_words or not _FINAL.search(t)


# --- words and TF-IDF -------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def content_words(text: str) -> list[str]:
    return [suffix_stem(w, BRIEF_SUFFIXES) for w in _WORD.findall(text.lower()) if w not in BRIEF_STOP_WORDS]


def n_words(text: str) -> int:
    return len(text.split())


class _Rows:
    """Unit-length row vectors, dense (embeddings) or sparse (TF-IDF), behind one interface."""

    def __init__(self, dense: np.ndarray | None = None, sparse=None):
        self.dense = dense
        if sparse is not None:
            self.rows, self.cols, self.vals, self.n, self.dim = sparse

    def dots(self, v: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return self.dense @ v
        return np.bincount(self.rows, weights=self.vals * v[self.cols], minlength=self.n)

    def row(self, i: int) -> np.ndarray:
        if self.dense is not None:
            return self.dense[i]
        out = np.zeros(self.dim)
        m = self.rows == i
        out[self.cols[m]] = self.vals[m]
        return out

    def centroid(self, idx: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            c = self.dense[idx].sum(axis=0)
        else:
            m = np.isin(self.rows, idx)
            c = np.bincount(self.cols[m], weights=self.vals[m], minlength=self.dim)
        norm = np.linalg.norm(c)
        return c / norm if norm > 0 else c


def _tfidf(docs: list[list[str]], extra: list[list[str]] = ()) -> tuple[_Rows, list[np.ndarray]]:
    """TF-IDF rows for docs (idf from docs) and dense vectors for the extra texts."""
    vocab: dict[str, int] = {}
    df: dict[int, int] = {}
    counted = []
    for words in docs:
        counts: dict[int, int] = {}
        for w in words:
            j = vocab.setdefault(w, len(vocab))
            counts[j] = counts.get(j, 0) + 1
        for j in counts:
            df[j] = df.get(j, 0) + 1
        counted.append(counts)
    n = len(docs)
    dim = max(1, len(vocab))
    idf = np.ones(dim)
    for j, d in df.items():
        idf[j] = math.log((1 + n) / (1 + d)) + 1.0
    rows, cols, vals = [], [], []
    for i, counts in enumerate(counted):
        items = sorted(counts.items())
        weights = np.array([(1 + math.log(c)) * idf[j] for j, c in items])
        norm = float(np.linalg.norm(weights)) if items else 0.0
        for (j, _), wv in zip(items, weights):
            rows.append(i)
            cols.append(j)
            vals.append(wv / norm if norm else 0.0)
    rep = _Rows(sparse=(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), np.array(vals, dtype=float), n, dim))
    dense_extra = []
    for words in extra:
        v = np.zeros(dim)
        for w in words:
            j = vocab.get(w)
            if j is not None:
                v[j] += 1.0
        nz = v > 0
        v[nz] = (1 + np.log(v[nz])) * idf[nz]
        norm = np.linalg.norm(v)
        dense_extra.append(v / norm if norm else v)
    return rep, dense_extra


def _minmax(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


# --- selection --------------------------------------------------------------------------


def _filter(cands: list[Candidate], w: Weights) -> list[Candidate]:
    kept = [c for c in cands if not is_junk(c.text)]
    good = [c for c in kept if not is_fragment(c.text, w.min_words)]
    if good:
        return good
    # only fragments left: keep the ones with a few words at least
    longer = [c for c in kept if n_words(c.text) >= 3]
    return longer or kept


def salience(
    candidates: Sequence[Candidate],
    query: str | None = None,
    query_vector: Sequence[float] | None = None,
    weights: Weights | None = None,
) -> list[float]:
    """Salience of each candidate (in the given order), without junk filtering or redundancy."""
    if not candidates:
        return []
    s, _, _ = _score(list(candidates), query, query_vector, weights or DEFAULT_WEIGHTS)
    return [float(x) for x in s]


def _score(cands: list[Candidate], query, query_vector, w: Weights):
    n = len(cands)
    words = [content_words(c.text) for c in cands]
    use_vectors = all(c.vector is not None and len(c.vector) > 0 for c in cands) and len({len(c.vector) for c in cands}) == 1
    tfidf_query = None
    if use_vectors:
        x = np.asarray([c.vector for c in cands], dtype=float)
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        rep = _Rows(dense=x / np.where(norms > 0, norms, 1.0))
    else:
        rep, extra = _tfidf(words, [content_words(query)] if query else [])
        tfidf_query = extra[0] if extra else None

    positions = np.array([max(0, c.position) for c in cands], dtype=float)
    lead = (1.0 + positions) ** -w.lead_power

    by_article: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        by_article.setdefault(c.article_id, []).append(i)
    central = np.zeros(n)
    for idx in by_article.values():
        ia = np.array(idx)
        central[ia] = rep.dots(rep.centroid(ia))[ia]
    if len(by_article) > 1:
        central = 0.5 * central + 0.5 * rep.dots(rep.centroid(np.arange(n)))
    score = w.lead * lead + w.central * _minmax(np.clip(central, 0, None))

    if query_vector is not None and use_vectors and len(query_vector) == rep.dense.shape[1]:
        q = np.asarray(query_vector, dtype=float)
        q = q / (np.linalg.norm(q) or 1.0)
        score = score + w.query * _minmax(np.clip(rep.dots(q), 0, None))
    elif query:
        if tfidf_query is None:  # vectors for sentences but none for the query
            trep, extra = _tfidf(words, [content_words(query)])
            rel = trep.dots(extra[0])
        else:
            rel = rep.dots(tfidf_query)
        score = score + w.query * _minmax(np.clip(rel, 0, None))
    return score, rep, use_vectors


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def select(
    candidates: Sequence[Candidate],
    n_sentences: int | None = None,
    n_words: int | None = None,
    query: str | None = None,
    query_vector: Sequence[float] | None = None,
    lambda_: float = DEFAULT_LAMBDA,
    weights: Weights | None = None,
) -> list[Candidate]:
    """Salient, non-redundant sentences within the budget, in selection order (best first)."""
    w = weights or DEFAULT_WEIGHTS
    if n_sentences is None and n_words is None:
        n_sentences = DEFAULT_SENTENCES
    if (n_sentences is not None and n_sentences <= 0) or (n_words is not None and n_words <= 0):
        return []
    # deterministic whatever the input order; exact duplicate texts kept once
    ordered = sorted(candidates, key=lambda c: (c.article_id, c.position, c.id))
    seen: set[str] = set()
    unique = []
    for c in ordered:
        key = " ".join(c.text.split()).lower()
        if key not in seen:
            seen.add(key)
            unique.append(c)
    cands = _filter(unique, w)
    if not cands:
        return []
    n = len(cands)
    sal, rep, use_vectors = _score(cands, query, query_vector, w)
    wordsets = [set(content_words(c.text)) for c in cands]
    lengths = np.array([len(c.text.split()) for c in cands])

    articles = sorted({c.article_id for c in cands})
    multi = len(articles) > 1
    if n_sentences is not None:
        est = n_sentences
    else:
        est = max(1, round(n_words / max(1.0, float(lengths.mean()))))
    cap = max(1, math.ceil(est / len(articles)))
    art = np.array([articles.index(c.article_id) for c in cands])
    stories = sorted({c.story_key for c in cands})
    sto = np.array([stories.index(c.story_key) for c in cands])

    alive = np.ones(n, dtype=bool)
    maxsim = np.zeros(n)
    per_article = np.zeros(len(articles), dtype=int)
    covered = np.zeros(len(stories), dtype=bool)
    chosen: list[int] = []
    total = 0
    while alive.any():
        if n_sentences is not None and len(chosen) >= n_sentences:
            break
        if n_words is not None:
            fits = alive & (total + lengths <= n_words)
            if chosen or fits.any():
                alive = fits
            if not alive.any():  # nothing fits; with nothing chosen yet the best one is allowed
                break
        eligible = alive
        if multi:
            for mask in (alive & ~covered[sto], alive & (per_article[art] < cap)):
                if mask.any():
                    eligible = mask
                    break
        mmr = lambda_ * sal - (1.0 - lambda_) * maxsim
        i = int(np.flatnonzero(eligible)[np.argmax(mmr[eligible])])
        chosen.append(i)
        alive[i] = False
        total += int(lengths[i])
        per_article[art[i]] += 1
        covered[sto[i]] = True
        sims = np.clip(rep.dots(rep.row(i)), 0, None)
        maxsim = np.maximum(maxsim, sims)
        for j in np.flatnonzero(alive):
            if _overlap(wordsets[j], wordsets[i]) >= w.redundancy_overlap or (
                use_vectors and sims[j] >= w.redundancy_cos
            ):
                alive[j] = False
    return [cands[i] for i in chosen]


def order_for_briefing(selected: Sequence[Candidate]) -> list[Candidate]:
    """Group by story (stories in the order their first sentence was selected), then by
    publication time (undated last), then article and position within the article."""
    first: dict[str, int] = {}
    for k, c in enumerate(selected):
        first.setdefault(c.story_key, k)
    return sorted(
        selected,
        key=lambda c: (
            first[c.story_key],
            c.published_ts is None,
            c.published_ts if c.published_ts is not None else 0.0,
            c.article_id,
            c.position,
        ),
    )
