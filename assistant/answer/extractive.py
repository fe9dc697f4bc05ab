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
# 0.55 for the local MiniLM was chosen on the realtimeqa tuning weeks (docs/answers.md).
# Other embedders (hash, remote models) answer on lexical coverage alone, with 0.35 (untuned).
TUNED_MIN_SCORE = {"minilm-l6-int8": 0.55}
LEXICAL_MIN_SCORE = 0.35
MIN_SCORE = TUNED_MIN_SCORE["minilm-l6-int8"]


def settings_for(embedder) -> tuple[object, float]:
    """(embedder to score with, or None for lexical only; refusal threshold)."""
    name = getattr(embedder, "name", None)
    if name in TUNED_MIN_SCORE:
        return embedder, TUNED_MIN_SCORE[name]
    return None, LEXICAL_MIN_SCORE
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
QUESTION_WORDS = {"who", "what", "when", "where", "why", "how", "which", "whom", "whose", "did", "does", "do", "is", "are", "was", "were"}


def content(text: str) -> list[str]:
    return [suffix_stem(w, ANSWER_SUFFIXES) for w in _WORD.findall(text.lower()) if w not in SEARCH_STOP_WORDS and w not in QUESTION_WORDS and len(w) > 1]


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


def choose(question: str, sentences: list[str], ranks: list[int], embedder=None, min_score: float | None = None) -> list[int]:
    """Indices of at most two sentences that answer the question (best first), [] to refuse."""
    embedder, default_min = settings_for(embedder)
    min_score = default_min if min_score is None else min_score
    scored = sorted(score(question, sentences, ranks, embedder), key=lambda s: (-s.score, s.index))
    if not scored or scored[0].score < min_score or scored[0].coverage == 0:
        return []
    best = scored[0]
    chosen = [best.index]
    words = len(sentences[best.index].split())
    covered = set(content(sentences[best.index]))
    q = set(content(question))
    for s in scored[1:4]:
        w = len(sentences[s.index].split())
        adds = (q & set(content(sentences[s.index]))) - covered
        if words + w <= MAX_WORDS and s.score >= 0.8 * best.score and adds:
            chosen.append(s.index)
            break
    return chosen
