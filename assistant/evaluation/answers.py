"""Extractive-engine eval on realtimeqa: does the cited evidence contain the quiz answer, and
does the engine refuse when the gold articles are gone?

For each question: retrieve (hybrid, k=8) from the realtimeqa library built by the retrieval
eval, score the context sentences as the extractive engine does, and quote what it would quote.
  - answerable: the correct choice appears in the cited sentences (normalised text match);
    a wrong choice appears instead;
  - gold removed: the same question with every gold article (any document at a gold URL)
    excluded from the library: the share refused;
  - false refusals: refusals on answerable questions.
The refusal threshold (extractive.MIN_SCORE) is chosen on the tuning weeks (Youden's J over the
answerable / gold-removed pairs) and reported on the report weeks.

    python -m assistant.evaluation.answers --data ../shared/data/realtimeqa --work-dir .eval-work
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from .metrics import write_json
from .realtimeqa import normalise_answer


def run(data: Path, work_dir: Path, chunk_tokens: int = 256, log=print) -> dict:
    from ..library.access import open_library
    from ..vectors.access import vector_index
    from ..answer import extractive
    from ..answer.pipeline import Answerer
    from ..embed import build_embedder
    from ..retrieve import Filters, Retriever
    from .retrieval import prepare

    cfg, questions, gold_key, _, _ = prepare("realtimeqa", data, work_dir, "local", chunk_tokens, log)
    from . import realtimeqa

    ds = realtimeqa.load(data)
    qinfo = {q.qid: q for q in ds.questions}
    lib = open_library(cfg)
    emb = build_embedder(cfg)
    ans = Answerer(lib, Retriever(lib, emb, vector_index(cfg, lib)), emb, cfg)
    rows = []
    t0 = time.perf_counter()
    for q in questions:
        info = qinfo[q.qid]
        gold_ids = [a for a, key in gold_key.items() if key in q.gold]
        rec = {"qid": q.qid, "split": q.split}
        for setting, f in (("answerable", Filters()), ("gold_removed", Filters(exclude_ids=gold_ids))):
            plan = ans.plan(q.text, f, k=8)
            items = list(plan.context.evidence.values())
            if not items:
                rec[setting] = {"score": 0.0, "correct": False, "wrong": False}
                continue
            ranks = [next((i for i, p in enumerate(plan.passages) if k.sentence.id in p.sentence_ids), 0) for k in items]
            chosen = extractive.choose(q.text, [k.sentence.text for k in items], ranks, emb, min_score=-1.0)
            scored = extractive.score(q.text, [k.sentence.text for k in items], ranks, emb)
            best = max(s.score for s in scored)
            cited = normalise_answer(" ".join(items[i].sentence.text for i in chosen))
            choices = [normalise_answer(c) for c in info.choices]
            correct = {choices[i] for i in info.answer if i < len(choices)}
            rec[setting] = {
                "score": best,
                "correct": any(c and c in cited for c in correct),
                "wrong": any(c and c in cited for i, c in enumerate(choices) if c not in correct),
            }
        rows.append(rec)
    seconds = time.perf_counter() - t0

    def rates(rs, thr):
        n = len(rs)
        answered = [r for r in rs if r["answerable"]["score"] >= thr]
        refused_removed = [r for r in rs if r["gold_removed"]["score"] < thr]
        return {
            "n": n,
            "answered": len(answered) / n if n else 0,
            "correct_in_cited": sum(r["answerable"]["correct"] for r in answered) / n if n else 0,
            "correct_in_cited_when_answered": sum(r["answerable"]["correct"] for r in answered) / len(answered) if answered else 0,
            "wrong_choice_instead": sum(r["answerable"]["wrong"] and not r["answerable"]["correct"] for r in answered) / n if n else 0,
            "false_refusal": 1 - len(answered) / n if n else 0,
            "refused_gold_removed": len(refused_removed) / n if n else 0,
        }

    tuning = [r for r in rows if r["split"] == "tuning"]
    report = [r for r in rows if r["split"] == "report"]
    grid = [round(0.20 + 0.025 * i, 3) for i in range(17)]
    best_thr = max(grid, key=lambda t: (rates(tuning, t)["answered"] + rates(tuning, t)["refused_gold_removed"], -abs(t - extractive.MIN_SCORE)))
    lib.close()
    return {
        "questions": {"tuning": len(tuning), "report": len(report)},
        "threshold": {"chosen_on_tuning": best_thr, "current_default": extractive.MIN_SCORE},
        "report_at_chosen": rates(report, best_thr),
        "report_at_default": rates(report, extractive.MIN_SCORE),
        "tuning_at_chosen": rates(tuning, best_thr),
        "sweep_tuning": {t: rates(tuning, t) for t in grid},
        "seconds": round(seconds, 1),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--work-dir", type=Path, default=Path(".eval-work"))
    ap.add_argument("--chunk-tokens", type=int, default=256)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    res = run(args.data, args.work_dir, args.chunk_tokens)
    if args.json:
        write_json(args.json, res)
    print(f"threshold chosen on tuning weeks: {res['threshold']['chosen_on_tuning']} (default {res['threshold']['current_default']})")
    for name in ("report_at_chosen", "report_at_default"):
        r = res[name]
        print(f"{name}: n={r['n']} answered {r['answered']:.3f}, correct choice in cited {r['correct_in_cited']:.3f} "
              f"({r['correct_in_cited_when_answered']:.3f} of answered), wrong choice instead {r['wrong_choice_instead']:.3f}, "
              f"false refusals {r['false_refusal']:.3f}, refused with gold removed {r['refused_gold_removed']:.3f}")


if __name__ == "__main__":
    main()
