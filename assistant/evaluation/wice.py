"""The citation-support checker on WiCE dev (docs/citation-check.md).

    python -m assistant.evaluation.wice --data /work/shared/data/wice [--embedder local|hash|none]
        [--k 3] [--limit N] [--json out.json]

Protocol. For each claim the checker picks its own evidence (``best_support`` over all the
evidence sentences, up to k) and scores the claim against it; the lexical baseline takes
the k evidence sentences with the largest plain content-word overlap and scores the share
of the claim's content words found in them. Each score becomes a label with a threshold
chosen on the tuning half (even record indices) to maximise balanced accuracy; figures are
reported on the other half (odd indices), never tuned on. partially_supported is mapped
both ways: as supported ("partial=yes") and as not supported ("partial=no").
Sentence selection is scored on claims with a non-empty gold set, against the gold set
that gives the best F1.
"""

from __future__ import annotations

from assistant.embed import embedder_named

import argparse
import json
import random
import sys
import time
from pathlib import Path

MAPPINGS = {"partial=yes": {"supported", "partially_supported"}, "partial=no": {"supported"}}


def load(data: str | Path, limit: int | None = None) -> list[dict]:
    path = Path(data)
    if path.is_dir():
        path = path / "claim_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[:limit] if limit else rows


# -- metrics ----------------------------------------------------------------------------
def balanced_accuracy(scores: list[float], gold: list[bool], t: float) -> float:
    pos = [s for s, g in zip(scores, gold) if g]
    neg = [s for s, g in zip(scores, gold) if not g]
    if not pos or not neg:
        return float("nan")
    tpr = sum(s >= t for s in pos) / len(pos)
    tnr = sum(s < t for s in neg) / len(neg)
    return (tpr + tnr) / 2


def best_threshold(scores: list[float], gold: list[bool]) -> float:
    cands = sorted(set(scores))
    cuts = [cands[0] - 1e-9] + [(a + b) / 2 for a, b in zip(cands, cands[1:])] + [cands[-1] + 1e-9]
    return max(cuts, key=lambda t: (balanced_accuracy(scores, gold, t), -abs(t - 0.5)))


def auc(scores: list[float], gold: list[bool]) -> float:
    pos = [s for s, g in zip(scores, gold) if g]
    neg = [s for s, g in zip(scores, gold) if not g]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def paired_bootstrap(a: list[float], b: list[float], gold: list[bool], ta: float, tb: float, n: int = 1000, seed: int = 7):
    """95% interval of BA(a) - BA(b) over resampled claims, thresholds fixed."""
    rng = random.Random(seed)
    idx = list(range(len(gold)))
    diffs = []
    for _ in range(n):
        s = [rng.choice(idx) for _ in idx]
        g = [gold[i] for i in s]
        d = balanced_accuracy([a[i] for i in s], g, ta) - balanced_accuracy([b[i] for i in s], g, tb)
        if d == d:
            diffs.append(d)
    diffs.sort()
    return diffs[int(0.025 * len(diffs))], diffs[int(0.975 * len(diffs)) - 1]


def prf(selected: list[int], gold_sets: list[list[int]]) -> tuple[float, float, float]:
    best = (0.0, 0.0, 0.0)
    sel = set(selected)
    for g in gold_sets:
        g = set(g)
        if not g:
            continue
        tp = len(sel & g)
        p = tp / len(sel) if sel else 0.0
        r = tp / len(g)
        f = 2 * p * r / (p + r) if tp else 0.0
        if f > best[2] or (f == best[2] and r > best[1]):
            best = (p, r, f)
    return best


def recall_at(ranked: list[int], gold_sets: list[list[int]], k: int) -> float:
    top = set(ranked[:k])
    return max((len(top & set(g)) / len(g) for g in gold_sets if g), default=0.0)


# -- scoring one claim ----------------------------------------------------------------
def baseline_rank(claim: str, evidence: list[str]) -> tuple[list[int], list[float]]:
    from assistant.support.text import plain_content

    want = plain_content(claim)
    ov = [len(want & plain_content(e)) / max(1, len(want)) for e in evidence]
    return sorted(range(len(evidence)), key=lambda i: (-ov[i], i)), ov


def baseline_score(claim: str, evidence: list[str], k: int) -> tuple[float, list[int]]:
    from assistant.support.text import plain_content

    order, _ = baseline_rank(claim, evidence)
    top = order[:k]
    want = plain_content(claim)
    have = set().union(*(plain_content(evidence[i]) for i in top)) if top else set()
    return (len(want & have) / len(want) if want else 0.0), top


def score_claims(rows: list[dict], embedder=None, k: int = 2, progress: bool = False) -> list[dict]:
    from assistant.support.checker import SupportChecker

    checker = SupportChecker(embedder)
    out = []
    for n, r in enumerate(rows):
        claim, ev = r["claim"], r["evidence"]
        rel = checker.relevance(claim, ev)
        ranked = sorted(range(len(ev)), key=lambda i: (-rel[i], i))
        sel = checker.best_support(claim, ev, k=k)
        sup = checker.check(claim, [ev[i] for i in sel]) if sel else None
        b_score, b_sel = baseline_score(claim, ev, k)
        scaled = checker.scaled(sup.embedding) if sup and sup.embedding is not None else (None if embedder is None else 0.0)
        out.append(
            {
                "index": n,
                "label": r["label"],
                "gold_sets": [g for g in r["supporting_sentences"] if g],
                "selected": sel,
                "ranked": ranked[:10],
                "baseline_ranked": baseline_rank(claim, ev)[0][:10],
                "score": sup.score if sup else 0.0,
                "supported": bool(sup and sup.supported),
                "lexical": sup.lexical if sup else 0.0,
                "embedding_scaled": scaled,
                "rules_factor": sup.rules_factor if sup else 1.0,
                "reasons": sup.reasons if sup else ["no supporting sentence found"],
                "baseline": b_score,
                "baseline_selected": b_sel,
            }
        )
        if progress and (n + 1) % 50 == 0:
            print(f"  {n + 1}/{len(rows)} claims", file=sys.stderr)
    return out


# -- the report -----------------------------------------------------------------------
def _variants(c: dict, lw: float) -> dict[str, float]:
    """The full checker and its ablations, all on the checker's own selected sentences.

    "checker" is ``Support.score`` (rules as multiplicative penalties); "hard rules" is the
    decision rule of ``Support.supported``: any missing number, date word or name, or a
    negation mismatch, makes the claim unsupported (score 0 here). The score variant is the
    headline because it was better on the tuning half under both mappings."""
    hard = any(r.startswith(("number", "date", "name", "negation")) for r in c["reasons"])
    v = {"lexical baseline": c["baseline"], "checker": c["score"], "checker, hard rules (as `supported`)": 0.0 if hard else c["score"],
         "checker, lexical only (no rules)": c["lexical"],
         "checker, lexical + rules": c["lexical"] * c["rules_factor"]}
    if c["embedding_scaled"] is not None:
        v["checker, embedding only"] = c["embedding_scaled"]
        v["checker, lexical + embedding (no rules)"] = lw * c["lexical"] + (1 - lw) * c["embedding_scaled"]
    return v


def report(claims: list[dict], k: int) -> dict:
    from assistant.support.checker import LEXICAL_WEIGHT

    tune = [c for c in claims if c["index"] % 2 == 0]
    test = [c for c in claims if c["index"] % 2 == 1]
    names = list(_variants(claims[0], LEXICAL_WEIGHT)) if claims else []
    cls: dict = {}
    for mname, pos in MAPPINGS.items():
        gt = [c["label"] in pos for c in tune]
        gr = [c["label"] in pos for c in test]
        rows = {}
        for name in names:
            st = [_variants(c, LEXICAL_WEIGHT)[name] for c in tune]
            sr = [_variants(c, LEXICAL_WEIGHT)[name] for c in test]
            t = best_threshold(st, gt) if st else 0.5
            rows[name] = {"threshold": round(t, 4), "ba_tune": balanced_accuracy(st, gt, t),
                          "ba_report": balanced_accuracy(sr, gr, t), "auc_tune": auc(st, gt), "auc_report": auc(sr, gr)}
        base_t = rows["lexical baseline"]["threshold"]
        chk_t = rows["checker"]["threshold"]
        sr_c = [c["score"] for c in test]
        sr_b = [c["baseline"] for c in test]
        lo, hi = paired_bootstrap(sr_c, sr_b, gr, chk_t, base_t) if test else (float("nan"),) * 2
        default_ba = balanced_accuracy([1.0 if c["supported"] else 0.0 for c in test], gr, 0.5)
        cls[mname] = {"variants": rows, "delta_ci95": [lo, hi], "default_supported_ba_report": default_ba,
                      "n_report": len(test), "n_report_positive": sum(gr)}
    sel: dict = {}
    with_gold = [c for c in claims if c["gold_sets"]]
    for name, key, rank in (("checker best_support", "selected", "ranked"), ("lexical baseline top-k", "baseline_selected", "baseline_ranked")):
        m = [prf(c[key], c["gold_sets"]) for c in with_gold]
        n = max(1, len(m))
        sel[name] = {"precision": sum(x[0] for x in m) / n, "recall": sum(x[1] for x in m) / n, "f1": sum(x[2] for x in m) / n,
                     "mean_selected": sum(len(c[key]) for c in with_gold) / n}
        for kk in (1, 3, 5):
            sel[name][f"recall@{kk}"] = sum(recall_at(c[rank], c["gold_sets"], kk) for c in with_gold) / n
    return {"k": k, "n_claims": len(claims), "n_tune": len(tune), "n_report": len(test), "n_with_gold": len(with_gold),
            "classification": cls, "selection": sel}


def format_report(rep: dict) -> str:
    lines = [f"WiCE dev: {rep['n_claims']} claims (tune on {rep['n_tune']} even, report on {rep['n_report']} odd), k={rep['k']}", ""]
    for mname, block in rep["classification"].items():
        lines.append(f"support classification, {mname} (report half: {block['n_report_positive']} positive of {block['n_report']})")
        lines.append(f"  {'method':42s} {'thr':>6s} {'BA tune':>8s} {'AUC tune':>9s} {'BA report':>10s} {'AUC report':>11s}")
        for name, v in block["variants"].items():
            lines.append(f"  {name:42s} {v['threshold']:6.3f} {v['ba_tune']:8.3f} {v['auc_tune']:9.3f} {v['ba_report']:10.3f} {v['auc_report']:11.3f}")
        d = block["variants"]["checker"]["ba_report"] - block["variants"]["lexical baseline"]["ba_report"]
        lo, hi = block["delta_ci95"]
        lines.append(f"  checker - baseline: {100 * d:+.1f} BA points (paired bootstrap 95% CI {100 * lo:+.1f} .. {100 * hi:+.1f});"
                     f" default `supported` flag BA {block['default_supported_ba_report']:.3f}")
        lines.append("")
    lines.append(f"sentence selection ({rep['n_with_gold']} claims with a gold set; best-matching gold set)")
    lines.append(f"  {'method':26s} {'P':>6s} {'R':>6s} {'F1':>6s} {'#sel':>5s} {'R@1':>6s} {'R@3':>6s} {'R@5':>6s}")
    for name, v in rep["selection"].items():
        lines.append(f"  {name:26s} {v['precision']:6.3f} {v['recall']:6.3f} {v['f1']:6.3f} {v['mean_selected']:5.2f}"
                     f" {v['recall@1']:6.3f} {v['recall@3']:6.3f} {v['recall@5']:6.3f}")
    return "\n".join(lines)


def run(data, embedder: str = "none", k: int = 3, limit: int | None = None, progress: bool = False) -> dict:
    rows = load(data, limit)
    t0 = time.time()
    claims = score_claims(rows, embedder_named(embedder), k=k, progress=progress)
    rep = report(claims, k)
    rep["embedder"] = embedder
    rep["seconds"] = round(time.time() - t0, 1)
    rep["claims"] = claims
    return rep


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation.wice", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder holding claim_dev.jsonl, or the file")
    ap.add_argument("--embedder", choices=["local", "hash", "none"], default="none")
    ap.add_argument("--k", type=int, default=3, help="evidence sentences each method may select (default 3)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N claims")
    ap.add_argument("--json", default=None, help="write the full report, per-claim rows included, here")
    args = ap.parse_args(argv)
    rep = run(args.data, args.embedder, args.k, args.limit, progress=True)
    print(format_report(rep))
    print(f"\nembedder={args.embedder}, {rep['seconds']} s")
    if args.json:
        Path(args.json).write_text(json.dumps(rep, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
