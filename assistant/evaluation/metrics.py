"""Ranking metrics and bootstrap confidence intervals."""

from __future__ import annotations

import random
from math import comb


def first_hit(ranked_articles: list[str], is_gold) -> int | None:
    """1-based rank of the first gold article, or None."""
    for i, a in enumerate(ranked_articles, 1):
        if is_gold(a):
            return i
    return None


def recall_at(ranks: list[int | None], k: int) -> list[float]:
    return [1.0 if r is not None and r <= k else 0.0 for r in ranks]


def mrr_at(ranks: list[int | None], k: int) -> list[float]:
    return [1.0 / r if r is not None and r <= k else 0.0 for r in ranks]


def bootstrap_ci(values: list[float], n: int = 1000, seed: int = 13) -> tuple[float, float, float]:
    """Mean and percentile 95% interval of the mean over questions."""
    if not values:
        return (0.0, 0.0, 0.0)
    rng = random.Random(seed)
    m = len(values)
    means = sorted(sum(values[rng.randrange(m)] for _ in range(m)) / m for _ in range(n))
    return (sum(values) / m, means[int(0.025 * n)], means[int(0.975 * n) - 1])


def random_recall(n_candidates: int, n_gold: int, k: int) -> float:
    """Chance that k documents drawn at random from n contain at least one of g gold ones."""
    if n_gold <= 0 or n_candidates <= 0:
        return 0.0
    k = min(k, n_candidates)
    return 1.0 - comb(n_candidates - n_gold, k) / comb(n_candidates, k)


def write_json(path, doc) -> None:
    """Write an eval result where --json asked for it."""
    import json
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2))
