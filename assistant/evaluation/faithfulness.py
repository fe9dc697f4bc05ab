"""The citation-support checker as a detector of unfaithful summaries (docs/faithfulness-eval.md).

    python -m assistant.evaluation.faithfulness --data /work/shared/data
        [--embedder none|local] [--k 3] [--sets summedits_news,qags_cnndm,qags_xsum]
        [--limit N] [--json out.json]

Protocol. A summary is judged consistent iff every summary sentence is supported by the
article. The article is split with ``assistant.ingest.sentences.split``; so is the summary
(SummEdits), while QAGS keeps its own summary sentences because its human labels are per
sentence. For each summary sentence the checker picks up to k article sentences with
``best_support`` and scores the sentence against them with ``check`` (no sentence picked:
score 0); the summary's score is the minimum over its sentences. The lexical baseline takes,
for each summary sentence, the k article sentences with the largest plain content-word
overlap and scores the share of the sentence's content words found in them (the WiCE
baseline, ``assistant.evaluation.wice.baseline_score``); same minimum. A threshold per score
is chosen to maximise balanced accuracy on a tuning part and applied unchanged to a report
part:

* summedits_news: tune on ``split == "evaluation"`` (133 summaries, 4 articles), report on
  ``split == "test"`` (686 summaries, 21 articles), overall and by edit type (each type's
  inconsistent summaries against all consistent test summaries; a summary with two edit
  types counts under both);
* qags (mturk_cnndm, mturk_xsum, each on its own): a sentence is supported when the majority
  of its three workers said "yes"; a summary is consistent when all its sentences are. Tune
  on even record indices, report on odd ones. A sentence-level table (tune on the sentences
  of even records, report on those of odd records) is printed as well.
"""

from __future__ import annotations

from assistant.embed import embedder_named

import argparse
import json
import sys
import time
from pathlib import Path

from assistant.evaluation.wice import auc, balanced_accuracy, baseline_score, best_threshold, paired_bootstrap

SETS = ("summedits_news", "qags_cnndm", "qags_xsum")
EDIT_TYPES = ("entity_modification", "antonym_swap", "negation_insertion_removal", "hallucinated_fact_insertion")
HEADLINE = ("lexical baseline", "checker")


# -- loading ------------------------------------------------------------------------------
def _jsonl(path: Path, limit: int | None = None) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
                if limit and len(rows) >= limit:
                    break
    return rows


def summary_sentences(text: str) -> list[str]:
    from assistant.ingest.sentences import split

    return [s for _, _, s in split(text)] or ([text.strip()] if text.strip() else [])


def load_summedits(data: str | Path, limit: int | None = None) -> list[dict]:
    """[{index, id, article, units, label, edit_types, part}] where part is tune|report."""
    path = Path(data)
    if path.is_dir():
        path = path / "summedits_news.jsonl"
    out = []
    for n, r in enumerate(_jsonl(path, limit)):
        out.append({"index": n, "id": r["id"], "article": r["doc"], "units": summary_sentences(r["summary"]),
                    "unit_labels": None, "label": r["label"] == 1, "edit_types": list(r.get("edit_types") or []),
                    "part": "tune" if r["split"] == "evaluation" else "report"})
    return out


def majority_yes(responses: list[dict]) -> bool:
    yes = sum(str(x.get("response", "")).strip().lower() == "yes" for x in responses)
    return yes * 2 > len(responses)


def load_qags(data: str | Path, name: str = "cnndm", limit: int | None = None) -> list[dict]:
    """[{index, id, article, units, unit_labels, label, part}]; part: even index tune, odd report."""
    path = Path(data)
    if path.is_dir():
        path = path / f"mturk_{name}.jsonl"
    out = []
    for n, r in enumerate(_jsonl(path, limit)):
        sents = r["summary_sentences"]
        labels = [majority_yes(s["responses"]) for s in sents]
        out.append({"index": n, "id": f"{name}-{n}", "article": r["article"], "units": [s["sentence"] for s in sents],
                    "unit_labels": labels, "label": all(labels), "edit_types": [],
                    "part": "tune" if n % 2 == 0 else "report"})
    return out


def load_set(data_root: str | Path, name: str, limit: int | None = None) -> list[dict]:
    root = Path(data_root)
    if name == "summedits_news":
        return load_summedits(root / "summedits_news", limit)
    if name.startswith("qags_"):
        return load_qags(root / "qags", name.split("_", 1)[1], limit)
    raise ValueError(f"unknown set {name!r}; choose from {', '.join(SETS)}")


# -- scoring ------------------------------------------------------------------------------
def score_unit(checker, sentence: str, article_sents: list[str], k: int) -> dict:
    """One summary sentence: the checker on its own chosen sentences, and the baseline."""
    sel = checker.best_support(sentence, article_sents, k=k)
    sup = checker.check(sentence, [article_sents[i] for i in sel]) if sel else None
    one = checker.check(sentence, [article_sents[sel[0]]]) if sel else None  # ablation: the best sentence alone
    b_score, b_sel = baseline_score(sentence, article_sents, k)
    emb = None
    if checker.embedder is not None:
        emb = checker.scaled(sup.embedding) if sup and sup.embedding is not None else 0.0
    hard = bool(sup) and (bool(sup.facts.get("negation")) or any(sup.facts.get(x, (0, []))[1] for x in ("number", "date", "name")))
    return {
        "sentence": sentence,
        "selected": sel,
        "score": sup.score if sup else 0.0,
        "supported": bool(sup and sup.supported),
        "hard": hard,
        "lexical": sup.lexical if sup else 0.0,
        "embedding_scaled": emb,
        "rules_factor": sup.rules_factor if sup else 1.0,
        "score_best_only": one.score if one else 0.0,
        "reasons": sup.reasons if sup else ["no supporting sentence found"],
        "baseline": b_score,
        "baseline_selected": b_sel,
    }


def unit_variants(u: dict, lw: float) -> dict[str, float]:
    """The checker, its ablations and the baseline for one summary sentence (see wice._variants)."""
    v = {"lexical baseline": u["baseline"], "checker": u["score"],
         "checker, hard rules (as `supported`)": 0.0 if u["hard"] else u["score"],
         "checker, lexical only (no rules)": u["lexical"],
         "checker, lexical + rules": u["lexical"] * u["rules_factor"],
         "checker, best sentence only": u["score_best_only"]}
    if u["embedding_scaled"] is not None:
        v["checker, embedding only"] = u["embedding_scaled"]
        v["checker, lexical + embedding (no rules)"] = lw * u["lexical"] + (1 - lw) * u["embedding_scaled"]
    return v


def aggregate(units: list[dict], lw: float, how: str = "min") -> dict[str, float]:
    """A summary's score per variant: the minimum (or mean) over its sentences."""
    per = [unit_variants(u, lw) for u in units]
    if not per:
        return {}
    out = {}
    for name in per[0]:
        xs = [p[name] for p in per]
        out[name] = min(xs) if how == "min" else sum(xs) / len(xs)
    out["default `supported` flag"] = 1.0 if all(u["supported"] for u in units) else 0.0
    return out


def score_records(records: list[dict], embedder=None, k: int = 3, progress: bool = False) -> list[dict]:
    from assistant.ingest.sentences import split
    from assistant.support.checker import SupportChecker

    checker = SupportChecker(embedder)
    art_cache: dict[str, list[str]] = {}
    out = []
    for n, r in enumerate(records):
        sents = art_cache.get(r["article"])
        if sents is None:
            sents = [s for _, _, s in split(r["article"])]
            art_cache[r["article"]] = sents
        units = [score_unit(checker, s, sents, k) for s in r["units"]]
        out.append({**{x: r[x] for x in ("index", "id", "label", "unit_labels", "edit_types", "part")},
                    "n_article_sentences": len(sents), "units": units})
        if progress and (n + 1) % 100 == 0:
            print(f"  {n + 1}/{len(records)} summaries", file=sys.stderr)
    return out


# -- the report ---------------------------------------------------------------------------
def _table(tune: list[tuple[dict, bool]], rep: list[tuple[dict, bool]]) -> dict:
    """Per variant: threshold chosen on tune, BA and AUC on both parts."""
    names = list(tune[0][0]) if tune else []
    gt = [g for _, g in tune]
    gr = [g for _, g in rep]
    rows = {}
    for name in names:
        st = [s[name] for s, _ in tune]
        sr = [s[name] for s, _ in rep]
        t = 0.5 if name == "default `supported` flag" else best_threshold(st, gt)
        rows[name] = {"threshold": round(t, 4), "ba_tune": balanced_accuracy(st, gt, t), "auc_tune": auc(st, gt),
                      "ba_report": balanced_accuracy(sr, gr, t), "auc_report": auc(sr, gr)}
    out = {"variants": rows, "n_tune": len(tune), "n_tune_positive": sum(gt), "n_report": len(rep), "n_report_positive": sum(gr)}
    if rows and rep:
        sc = [s["checker"] for s, _ in rep]
        sb = [s["lexical baseline"] for s, _ in rep]
        out["delta_ci95"] = list(paired_bootstrap(sc, sb, gr, rows["checker"]["threshold"], rows["lexical baseline"]["threshold"]))
    return out


def report_set(name: str, scored: list[dict], lw: float) -> dict:
    res: dict = {"set": name, "n": len(scored), "n_units": sum(len(r["units"]) for r in scored)}
    for how in ("min", "mean"):
        tune = [(aggregate(r["units"], lw, how), r["label"]) for r in scored if r["part"] == "tune" and r["units"]]
        rep = [(aggregate(r["units"], lw, how), r["label"]) for r in scored if r["part"] == "report" and r["units"]]
        block = _table(tune, rep)
        if name == "summedits_news" and how == "min":
            by_type = {}
            thr = {v: block["variants"][v]["threshold"] for v in block["variants"]}
            consistent = [s for s, g in rep if g]
            recs = [r for r in scored if r["part"] == "report" and r["units"]]
            for et in EDIT_TYPES:
                bad = [aggregate(r["units"], lw, how) for r in recs if not r["label"] and et in r["edit_types"]]
                if not bad:
                    continue
                row = {"n_inconsistent": len(bad), "n_consistent": len(consistent)}
                for v in block["variants"]:
                    scores = [s[v] for s in consistent] + [s[v] for s in bad]
                    gold = [True] * len(consistent) + [False] * len(bad)
                    row[v] = {"ba": balanced_accuracy(scores, gold, thr[v]), "auc": auc(scores, gold),
                              "detected": sum(s[v] < thr[v] for s in bad) / len(bad)}
                by_type[et] = row
            block["by_edit_type"] = by_type
        res[how] = block
    if scored and scored[0]["unit_labels"] is not None and res["n_units"] > res["n"]:
        # sentence level: each summary sentence against its majority label
        tune = [(unit_variants(u, lw) | {"default `supported` flag": float(u["supported"])}, g)
                for r in scored if r["part"] == "tune" for u, g in zip(r["units"], r["unit_labels"])]
        rep = [(unit_variants(u, lw) | {"default `supported` flag": float(u["supported"])}, g)
               for r in scored if r["part"] == "report" for u, g in zip(r["units"], r["unit_labels"])]
        res["sentence_level"] = _table(tune, rep)
    return res


def _fmt_block(title: str, block: dict, tune_name: str, report_name: str) -> list[str]:
    lines = [f"{title} (tune: {tune_name}, {block['n_tune']} with {block['n_tune_positive']} consistent;"
             f" report: {report_name}, {block['n_report']} with {block['n_report_positive']} consistent)",
             f"  {'method':42s} {'thr':>6s} {'BA tune':>8s} {'AUC tune':>9s} {'BA report':>10s} {'AUC report':>11s}"]
    for name, v in block["variants"].items():
        lines.append(f"  {name:42s} {v['threshold']:6.3f} {v['ba_tune']:8.3f} {v['auc_tune']:9.3f} {v['ba_report']:10.3f} {v['auc_report']:11.3f}")
    if "delta_ci95" in block:
        d = block["variants"]["checker"]["ba_report"] - block["variants"]["lexical baseline"]["ba_report"]
        lo, hi = block["delta_ci95"]
        lines.append(f"  checker - baseline (report): {100 * d:+.1f} BA points (paired bootstrap 95% CI {100 * lo:+.1f} .. {100 * hi:+.1f})")
    return lines


def format_report(rep: dict) -> str:
    lines = [f"Faithfulness detection, embedder={rep['embedder']}, k={rep['k']}; summary score = min over its sentences", ""]
    for name, res in rep["sets"].items():
        if name == "summedits_news":
            tn, rn = "split=evaluation", "split=test"
        else:
            tn, rn = "even records", "odd records"
        lines.append(f"== {name}: {res['n']} summaries, {res['n_units']} summary sentences")
        lines += _fmt_block("summary level, min", res["min"], tn, rn)
        if "by_edit_type" in res["min"]:
            lines.append("  by edit type (report part; each type's inconsistent summaries vs all consistent ones; thresholds as above)")
            lines.append(f"  {'edit type':28s} {'n':>4s}  " + "  ".join(f"{h + ' BA':>20s} {'AUC':>6s} {'det':>6s}" for h in HEADLINE))
            for et, row in res["min"]["by_edit_type"].items():
                cells = "  ".join(f"{row[h]['ba']:20.3f} {row[h]['auc']:6.3f} {row[h]['detected']:6.3f}" for h in HEADLINE)
                lines.append(f"  {et:28s} {row['n_inconsistent']:4d}  {cells}")
        if res["n_units"] > res["n"]:  # one sentence per summary: mean == min
            lines += _fmt_block("summary level, mean (aggregation ablation)", res["mean"], tn, rn)
        if "sentence_level" in res:
            lines += _fmt_block("sentence level (majority label)", res["sentence_level"], "sentences of " + tn, "sentences of " + rn)
        lines.append("")
    return "\n".join(lines)


def run(data_root, embedder: str = "none", k: int = 3, sets=SETS, limit: int | None = None, progress: bool = False) -> dict:
    from assistant.support.checker import LEXICAL_WEIGHT

    emb = embedder_named(embedder)
    out: dict = {"embedder": embedder, "k": k, "sets": {}, "records": {}, "seconds": {}}
    for name in sets:
        t0 = time.time()
        recs = load_set(data_root, name, limit)
        if progress:
            print(f"{name}: {len(recs)} summaries", file=sys.stderr)
        scored = score_records(recs, emb, k=k, progress=progress)
        out["sets"][name] = report_set(name, scored, LEXICAL_WEIGHT)
        out["records"][name] = scored
        out["seconds"][name] = round(time.time() - t0, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation.faithfulness", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder holding summedits_news/ and qags/")
    ap.add_argument("--embedder", choices=["none", "local", "hash"], default="none")
    ap.add_argument("--k", type=int, default=3, help="article sentences each method may pick per summary sentence (default 3)")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, from {','.join(SETS)}")
    ap.add_argument("--limit", type=int, default=None, help="only the first N records of each file")
    ap.add_argument("--json", default=None, help="write the full report, per-summary rows included, here")
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    bad = [s for s in sets if s not in SETS]
    if bad:
        ap.error(f"unknown set(s): {', '.join(bad)}")
    rep = run(args.data, args.embedder, args.k, sets, args.limit, progress=True)
    print(format_report(rep))
    print(f"embedder={args.embedder}, k={args.k}, seconds " + ", ".join(f"{n} {s}" for n, s in rep["seconds"].items()))
    if args.json:
        Path(args.json).write_text(json.dumps(rep, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
