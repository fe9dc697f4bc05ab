"""Single-article ROUGE of the extractive selector against Lead-k at the same length in words.

    python -m assistant.evaluation.summaries --data /work/shared/data \
        [--sets realsumm_cnndm,llm_news_summ_writers] [--embedder both|local|none] [--json out.json]

For each article: sentences from ``assistant.ingest.sentences.split`` (per paragraph / line),
Lead-k (k=3 on realsumm_cnndm against the cased highlights ``bart_ref``, k=2 on
llm_news_summ_writers averaged over the writers' summaries), and the extractive selection with
``n_words`` = the words of Lead-k (it never exceeds that budget, except that the first sentence
is always allowed). ROUGE-1/2/Lsum F1 x100 (rouge-score, Porter stemming, Lsum over
newline-separated sentences) and a paired bootstrap (1,000 resamples, seed 0) of the
difference to Lead-k with a 95% percentile interval.

Rows are reported for three article subsets: ``tune`` (even-indexed: the weights in
``assistant.brief.extractive`` were chosen there, see ``--tune``), ``test`` (odd-indexed, held
out) and ``all``.

realsumm_cnndm's text is lower-cased and PTB-tokenised. ``split`` merges a split before a
lower-case word (it is right for '?" she asked'), which on lower-cased text merges whole
articles into one sentence; so for text without capitals we upper-case the first letter after
each sentence-final token *in a copy of the same length* before splitting and take the
sentences from the original text by offset (``_split_sentences``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from assistant.brief.extractive import DEFAULT_LAMBDA, DEFAULT_WEIGHTS, Candidate, Weights, order_for_briefing, select
from assistant.ingest.sentences import split

SETS = {
    # name: (file, k, orientation figures from ENVIRONMENT.md: R1, R2, RLsum)
    "realsumm_cnndm": ("realsumm_cnndm_100.jsonl", 3, (34.7, 15.4, 26.1)),
    "llm_news_summ_writers": ("writer_summaries.jsonl", 2, (37.2, 14.7, 27.1)),
}
METRICS = ("rouge1", "rouge2", "rougeLsum")
SUBSETS = ("tune", "test", "all")
BOOTSTRAP = 1000
SEED = 0

_AFTER_END = re.compile(r"(^|[.!?]\s+(?:(?:''|``|['\"])\s+)?)([a-z])")


def _split_sentences(text: str) -> list[str]:
    """Sentences of an article: lines (paragraphs) first, then ``split`` on each."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        probe = line
        if not any(ch.isupper() for ch in line):
            # same length, so offsets into probe are offsets into line
            probe = _AFTER_END.sub(lambda m: m.group(1) + m.group(2).upper(), line)
        for start, end, _ in split(probe):
            out.append(line[start:end])
    return out


def _strip_t(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("<t>", " ").replace("</t>", " ")).strip()


def load_set(data: Path, name: str, limit: int | None = None) -> list[dict]:
    """[{id, sentences, refs: [[ref sentence, ...], ...]}] in file order (first ``limit`` articles)."""
    fname, _, _ = SETS[name]
    records = [json.loads(line) for line in (data / name / fname).read_text(encoding="utf-8").splitlines() if line.strip()]
    if name == "realsumm_cnndm":
        return [
            {
                "id": str(r["line"]),
                "sentences": _split_sentences(_strip_t(r["src"])),
                "refs": [[_strip_t(t) for t in re.findall(r"<t>(.*?)</t>", r["bart_ref"], flags=re.S) if t.strip()]],
            }
            for r in records[:limit]
        ]
    grouped: dict[str, list[dict]] = {}
    for r in records:
        grouped.setdefault(r["article_id"], []).append(r)
    return [
        {
            "id": article_id,
            "sentences": _split_sentences(recs[0]["article"]),
            "refs": [[s for _, _, s in split(" ".join(r["summary"].split()))] for r in recs],
        }
        for article_id, recs in list(grouped.items())[:limit]
    ]


def _candidates(article: dict, vectors: list | None) -> list[Candidate]:
    sents = article["sentences"]
    return [
        Candidate(
            id=f"{article['id']}#{i}",
            text=s,
            article_id=article["id"],
            position=i,
            article_sentences=len(sents),
            vector=vectors[i] if vectors is not None else None,
        )
        for i, s in enumerate(sents)
    ]


class _Scorer:
    def __init__(self):
        from rouge_score import rouge_scorer

        self.scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
        self.cache: dict = {}

    def __call__(self, article: dict, sentences: list[str], joiner: str = "\n") -> np.ndarray:
        """Mean over references of F1 x100; joiner " " gives Lsum without sentence breaks (= RL)."""
        key = (article["id"], tuple(sentences), joiner)
        if key not in self.cache:
            pred = joiner.join(sentences)
            per_ref = []
            for ref in article["refs"]:
                sc = self.scorer.score(joiner.join(ref), pred)
                per_ref.append([sc[m].fmeasure * 100 for m in METRICS])
            self.cache[key] = np.mean(per_ref, axis=0)
        return self.cache[key]


def _embed_all(sets: dict[str, list[dict]]) -> dict[str, dict[str, list]]:
    from assistant.embed.local import LocalEmbedder

    texts = sorted({s for arts in sets.values() for a in arts for s in a["sentences"]})
    vecs = LocalEmbedder().embed_documents(texts)
    table = dict(zip(texts, vecs))
    return {name: {a["id"]: [table[s] for s in a["sentences"]] for a in arts} for name, arts in sets.items()}


def _summaries(arts, k, vectors, weights, lambda_):
    """Per article: (lead sentences, selected sentences, lead words, selected words)."""
    out = []
    for a in arts:
        lead = a["sentences"][:k]
        budget = sum(len(s.split()) for s in lead)
        cands = _candidates(a, vectors.get(a["id"]) if vectors else None)
        chosen = [c.text for c in order_for_briefing(select(cands, n_words=budget, weights=weights, lambda_=lambda_))]
        out.append((lead, chosen, budget, sum(len(s.split()) for s in chosen)))
    return out


def _subset_idx(n: int, subset: str) -> np.ndarray:
    idx = np.arange(n)
    return {"tune": idx[0::2], "test": idx[1::2], "all": idx}[subset]


def _bootstrap(diff: np.ndarray, seed: int = SEED) -> dict:
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), size=(BOOTSTRAP, len(diff)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return {"mean": round(float(diff.mean()), 2), "ci95": [round(float(lo), 2), round(float(hi), 2)], "p_le_0": round(float((means <= 0).mean()), 3)}


def evaluate(
    data: Path,
    set_names: list[str],
    embedders: list[str],
    weights: Weights = DEFAULT_WEIGHTS,
    lambda_: float = DEFAULT_LAMBDA,
    limit: int | None = None,
) -> dict:
    scorer = _Scorer()
    sets = {name: load_set(data, name, limit) for name in set_names}
    vectors = _embed_all(sets) if "local" in embedders else {}
    report = {
        "config": {
            "weights": asdict(weights),
            "lambda_": lambda_,
            "bootstrap": {"resamples": BOOTSTRAP, "seed": SEED, "interval": "95% percentile"},
            "rouge": "rouge-score F1 x100, use_stemmer=True, Lsum over newline-separated sentences",
            "subsets": {"tune": "even-indexed articles (weights chosen here)", "test": "odd-indexed articles (held out)", "all": "all articles"},
        },
        "sets": {},
    }
    for name, arts in sets.items():
        _, k, orient = SETS[name]
        entry = {
            "k": k,
            "articles": len(arts),
            "references": sum(len(a["refs"]) for a in arts),
            "sentences_per_article": round(float(np.mean([len(a["sentences"]) for a in arts])), 1),
            "orientation_lead": dict(zip(METRICS, orient)),
            "lead": {},
            "systems": {},
        }
        runs = {}
        for emb in embedders:
            runs[emb] = _summaries(arts, k, vectors.get(name) if emb == "local" else None, weights, lambda_)
        any_run = next(iter(runs.values()))
        lead_scores = np.array([scorer(a, r[0]) for a, r in zip(arts, any_run)])
        lead_flat = np.array([scorer(a, r[0], " ")[2] for a, r in zip(arts, any_run)])
        for subset in SUBSETS:
            idx = _subset_idx(len(arts), subset)
            entry["lead"][subset] = {
                "n": len(idx),
                "words": round(float(np.mean([any_run[i][2] for i in idx])), 1),
                **{m: round(float(v), 2) for m, v in zip(METRICS, lead_scores[idx].mean(axis=0))},
                "rougeLsum_without_newlines": round(float(lead_flat[idx].mean()), 2),
            }
        for emb, run in runs.items():
            sys_scores = np.array([scorer(a, r[1]) for a, r in zip(arts, run)])
            rows = {}
            for subset in SUBSETS:
                idx = _subset_idx(len(arts), subset)
                rows[subset] = {
                    "n": len(idx),
                    "words": round(float(np.mean([run[i][3] for i in idx])), 1),
                    **{m: round(float(v), 2) for m, v in zip(METRICS, sys_scores[idx].mean(axis=0))},
                    "diff_vs_lead": {m: _bootstrap(sys_scores[idx, j] - lead_scores[idx, j]) for j, m in enumerate(METRICS)},
                }
            entry["systems"]["extractive+" + ("minilm" if emb == "local" else "tfidf")] = rows
        report["sets"][name] = entry
    return report


# --- tuning on the even-indexed half ---------------------------------------------------

GRIDS = {
    # round 1 (108 points per embedder)
    "coarse": {
        "lead_power": [0.5, 1.0, 2.0],
        "central": [0.0, 0.25, 0.5, 1.0],
        "redundancy_overlap": [0.5, 0.6, 0.8],
        "lambda_": [0.5, 0.7, 0.9],
    },
    # round 2, around the best of round 1 (which sat on two edges of the coarse grid)
    "fine": {
        "lead_power": [0.25, 0.5, 0.75],
        "central": [0.35, 0.5, 0.75],
        "redundancy_overlap": [0.4, 0.5],
        "lambda_": [0.85, 0.9, 1.0],
    },
}


def tune(data: Path, set_names: list[str], embedders: list[str], grid: str = "coarse") -> list[dict]:
    """Grid search on the even-indexed articles only; objective: mean over sets and metrics
    of (extractive - Lead-k). Returns every grid point, best first."""
    scorer = _Scorer()
    sets = {name: load_set(data, name) for name in set_names}
    vectors = _embed_all(sets) if "local" in embedders else {}
    tune_sets = {name: [arts[i] for i in _subset_idx(len(arts), "tune")] for name, arts in sets.items()}
    leads = {name: np.array([scorer(a, a["sentences"][: SETS[name][1]]) for a in arts]) for name, arts in tune_sets.items()}
    results = []
    space = GRIDS[grid]
    keys = list(space)
    for emb in embedders:
        for values in itertools.product(*(space[k] for k in keys)):
            p = dict(zip(keys, values))
            lam = p.pop("lambda_")
            w = replace(DEFAULT_WEIGHTS, **p)
            per_set = {}
            for name, arts in tune_sets.items():
                run = _summaries(arts, SETS[name][1], vectors.get(name) if emb == "local" else None, w, lam)
                scores = np.array([scorer(a, r[1]) for a, r in zip(arts, run)])
                per_set[name] = [round(float(x), 2) for x in (scores - leads[name]).mean(axis=0)]
            obj = float(np.mean([np.mean(v) for v in per_set.values()]))
            results.append({"embedder": emb, **p, "lambda_": lam, "objective": round(obj, 3), "diff_by_set": per_set})
    results.sort(key=lambda r: -r["objective"])
    return results


# --- output ----------------------------------------------------------------------------


def _fmt_ci(d: dict) -> str:
    return f"{d['mean']:+.2f} [{d['ci95'][0]:+.2f}, {d['ci95'][1]:+.2f}]"


def markdown(report: dict) -> str:
    lines = []
    for name, e in report["sets"].items():
        o = e["orientation_lead"]
        lines.append(
            f"### {name}: {e['articles']} articles, {e['references']} references, "
            f"{e['sentences_per_article']} sentences per article; Lead-{e['k']} budget in words"
        )
        lines.append("")
        lines.append(
            f"Lead-{e['k']} from ENVIRONMENT.md (pysbd split): R1 {o['rouge1']} / R2 {o['rouge2']} / RLsum {o['rougeLsum']}; "
            f"ours (all articles): R1 {e['lead']['all']['rouge1']:.2f} / R2 {e['lead']['all']['rouge2']:.2f} / "
            f"RLsum {e['lead']['all']['rougeLsum']:.2f} (RLsum without newlines between sentences: "
            f"{e['lead']['all']['rougeLsum_without_newlines']:.2f})."
        )
        lines.append("")
        lines.append("| system | subset | n | words | R1 | R2 | RLsum | ΔR1 [95% CI] | ΔR2 [95% CI] | ΔRLsum [95% CI] |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for subset in SUBSETS:
            r = e["lead"][subset]
            lines.append(f"| Lead-{e['k']} (our split) | {subset} | {r['n']} | {r['words']} | {r['rouge1']:.2f} | {r['rouge2']:.2f} | {r['rougeLsum']:.2f} | | | |")
        for sys_name, rows in e["systems"].items():
            for subset in SUBSETS:
                r = rows[subset]
                d = r["diff_vs_lead"]
                lines.append(
                    f"| {sys_name} | {subset} | {r['n']} | {r['words']} | {r['rouge1']:.2f} | {r['rouge2']:.2f} | {r['rougeLsum']:.2f} "
                    f"| {_fmt_ci(d['rouge1'])} | {_fmt_ci(d['rouge2'])} | {_fmt_ci(d['rougeLsum'])} |"
                )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation.summaries", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="folder holding realsumm_cnndm/ and llm_news_summ_writers/")
    ap.add_argument("--sets", default=",".join(SETS), help="comma-separated subset of " + ",".join(SETS))
    ap.add_argument("--embedder", choices=["both", "local", "none"], default="both", help="local: MiniLM vectors; none: TF-IDF")
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each set (smoke runs)")
    ap.add_argument("--json", type=Path, default=None, help="also write the report as JSON here")
    ap.add_argument("--tune", choices=list(GRIDS), default=None, help="grid search on the even-indexed half instead of the report")
    args = ap.parse_args(argv)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in names if s not in SETS]
    if unknown:
        ap.error(f"unknown set(s): {', '.join(unknown)}")
    embedders = {"both": ["none", "local"], "local": ["local"], "none": ["none"]}[args.embedder]
    t0 = time.time()
    if args.tune:
        results = tune(args.data, names, embedders, args.tune)
        for r in results[:15]:
            print(json.dumps(r))
        if args.json:
            args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        return 0
    report = evaluate(args.data, names, embedders, limit=args.limit)
    report["seconds"] = round(time.time() - t0, 1)
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
