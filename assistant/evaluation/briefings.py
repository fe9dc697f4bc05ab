"""Multi-article briefing eval on realtimeqa: brief each week's gold articles and count how many
of that week's quiz answers the briefing states, against a lead-sentences baseline of the same
length in words (the first sentence of each article, then the second, round robin).

    python -m assistant.evaluation.briefings --data ../shared/data/realtimeqa --work-dir .eval-work [--length 10]

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


def run(data: Path, work_dir: Path, length: int = 10, log=print) -> dict:
    from ..library.access import open_library
    from ..api import Assistant
    from ..retrieve import Filters
    from . import realtimeqa
    from .retrieval import prepare

    cfg, questions, gold_key, _, _ = prepare("realtimeqa", data, work_dir, "local", 256, log)
    ds = realtimeqa.load(data)
    by_week = defaultdict(list)
    for q in ds.questions:
        by_week[q.week].append(q)
    rows = []
    with Assistant(settings=cfg) as a:
        briefer = a.briefer()
        for week, qs in sorted(by_week.items()):
            urls = set().union(*(q.gold_urls for q in qs))
            ids = sorted({aid for aid, key in gold_key.items() if key in urls})
            b = briefer.brief(None, Filters(article_ids=ids), length=length)
            text = normalise_answer(" ".join(s.text for s in b.sentences))
            words = len(" ".join(s.text for s in b.sentences).split())
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
    total = {k: sum(r[k] for r in rows) for k in ("questions", "briefing_states", "lead_states")}
    return {"length": length, "weeks": rows, "total": total}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--work-dir", type=Path, default=Path(".eval-work"))
    ap.add_argument("--length", type=int, default=10)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    res = run(args.data, args.work_dir, args.length)
    if args.json:
        write_json(args.json, res)
    print(f"{'week':10} {'qs':>3} {'arts':>4} {'words':>5} {'brief':>5} {'lead':>5}")
    for r in res["weeks"]:
        print(f"{r['week']:10} {r['questions']:>3} {r['articles']:>4} {r['briefing_words']:>5} {r['briefing_states']:>5} {r['lead_states']:>5}")
    t = res["total"]
    print(f"total: {t['questions']} quiz answers; briefing states {t['briefing_states']}, lead baseline states {t['lead_states']}")


if __name__ == "__main__":
    main()
