"""Multi-article briefing eval on realtimeqa: brief each week's gold articles and count how many
of that week's quiz answers the briefing states, against a lead-sentences baseline of the same
length in words (the first sentence of each article, then the second, round robin).

    python -m assistant.evaluation.briefings --data ../shared/data/realtimeqa --work-dir .eval-work [--length 10]
    # with a model (side by side with the extractive briefing of the same weeks):
    python -m assistant.evaluation.briefings ... --base-url http://127.0.0.1:8081/v1 --model qwen15 --split tuning --weeks 2

Uses the library the retrieval eval builds (local embedder, 256 word pieces). A quiz answer is
"stated" when the correct choice's text appears in the briefing (normalised).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

from .metrics import write_json
from .realtimeqa import normalise_answer


def run(data: Path, work_dir: Path, length: int = 10, log=print, base_url: str | None = None, model: str | None = None,
        split: str | None = None, weeks: int | None = None, response_format: str = "auto") -> dict:
    from ..library.access import open_library
    from ..api import Assistant
    from ..retrieve import Filters
    from . import realtimeqa
    from .retrieval import prepare

    import os
    import time
    from dataclasses import replace

    cfg, questions, gold_key, _, _ = prepare("realtimeqa", data, work_dir, "local", 256, log)
    if model:
        os.environ.setdefault("OPENAI_API_KEY", "not-needed")
        cfg = replace(cfg, model=model, base_url=base_url or "", response_format=response_format)
    ds = realtimeqa.load(data)
    by_week = defaultdict(list)
    for q in (ds.split(split) if split else ds.questions):
        by_week[q.week].append(q)
    rows = []
    with Assistant(settings=cfg) as a:
        briefer = a.briefer()
        for week, qs in sorted(by_week.items())[:weeks]:
            urls = set().union(*(q.gold_urls for q in qs))
            ids = sorted({aid for aid, key in gold_key.items() if key in urls})
            engines = {}
            for engine in (["extractive", "llm"] if model else ["extractive"]):
                t0 = time.perf_counter()
                try:
                    b = briefer.brief(None, Filters(article_ids=ids), length=length, engine=engine)
                except Exception as exc:  # a briefing that failed is counted, the run goes on
                    engines[engine] = {"error": str(exc), "seconds": round(time.perf_counter() - t0, 1)}
                    continue
                took = time.perf_counter() - t0
                said = normalise_answer(" ".join(s.text for s in b.sentences if s.supported))
                engines[engine] = {
                    "seconds": round(took, 1), "kept": sum(s.supported for s in b.sentences),
                    "flagged": sum(not s.supported for s in b.sentences), "dropped": len(b.rejected),
                    "removed_keys": sum(1 for n in b.notes if n.startswith("removed key")),
                    "calls": b.usage.get("calls", 0), "prompt_tokens": b.usage.get("prompt_tokens", 0),
                    "states": sum(1 for q in qs if q.answer_text and normalise_answer(q.answer_text) in said),
                    "text": [s.text for s in b.sentences],
                }
                if b.usage.get("calls"):  # a model wrote it: why points were kept or not (notes, what the check rejected, the reply)
                    engines[engine].update({"notes": list(b.notes), "rejected": list(b.rejected),
                                            "flagged_reasons": [s.reasons for s in b.sentences if not s.supported],
                                            "raw_reply": b.raw_reply})
                log(f"{week} {engine}: {engines[engine]['kept']} kept, {engines[engine]['flagged']} flagged, "
                    f"{engines[engine]['states']} quiz answers stated, {took:.0f} s")
            if model:
                rows.append({"week": week, "questions": len(qs), "articles": len(ids), **{e: v for e, v in engines.items()}})
                continue
            b_sents = engines["extractive"]["text"]
            text = normalise_answer(" ".join(b_sents))
            words = len(" ".join(b_sents).split())
            # lead baseline of the same length in words: round robin over the articles' sentences
            with open_library(cfg) as lib:
                sents = [[s.text for s in lib.sentences(aid, lib.latest_revision(aid))] for aid in ids]
            lead, i = [], 0
            while sum(len(x.split()) for x in lead) < words and any(i < len(s) for s in sents):
                for s in sents:
                    if i < len(s) and sum(len(x.split()) for x in lead) < words:
                        lead.append(s[i])
                i += 1
            lead_text = normalise_answer(" ".join(lead))
            answers = [normalise_answer(q.answer_text) for q in qs if q.answer_text]
            rows.append({
                "week": week, "questions": len(answers), "articles": len(ids), "briefing_words": words,
                "lead_words": len(" ".join(lead).split()),
                "briefing_states": sum(1 for x in answers if x and x in text),
                "lead_states": sum(1 for x in answers if x and x in lead_text),
            })
    if model:
        return {"length": length, "model": model, "response_format": response_format, "weeks": rows}
    total = {k: sum(r[k] for r in rows) for k in ("questions", "briefing_states", "lead_states")}
    return {"length": length, "weeks": rows, "total": total}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--work-dir", type=Path, default=Path(".eval-work"))
    ap.add_argument("--length", type=int, default=10)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--base-url")
    ap.add_argument("--model")
    ap.add_argument("--split", choices=["tuning", "report"])
    ap.add_argument("--weeks", type=int)
    ap.add_argument("--response-format", default="auto", help="with --model: auto, json_schema, json_object or text")
    args = ap.parse_args()
    res = run(args.data, args.work_dir, args.length, base_url=args.base_url, model=args.model, split=args.split, weeks=args.weeks,
              response_format=args.response_format)
    if args.json:
        write_json(args.json, res)
    if args.model:
        return
    print(f"{'week':10} {'qs':>3} {'arts':>4} {'words':>5} {'brief':>5} {'lead':>5}")
    for r in res["weeks"]:
        print(f"{r['week']:10} {r['questions']:>3} {r['articles']:>4} {r['briefing_words']:>5} {r['briefing_states']:>5} {r['lead_states']:>5}")
    t = res["total"]
    print(f"total: {t['questions']} quiz answers; briefing states {t['briefing_states']}, lead baseline states {t['lead_states']}")


if __name__ == "__main__":
    main()
