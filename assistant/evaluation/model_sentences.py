"""The citation check on sentences real models wrote (outside the test suite).

    # 1. collect: ask a model the tuning-week questions of realtimeqa through the llm engine
    python -m assistant.evaluation.model_sentences collect --base-url http://127.0.0.1:8081/v1 --model qwen15 \
        --data ../shared/data/realtimeqa --work-dir .eval-work --questions 40 --out /tmp/qwen15.jsonl
    # 2. label each sentence by reading its sources ("label": true / false) and keep the set
    #    (evals/model_sentences.jsonl: sentences, keys, short excerpts of the cited text, labels)
    # 3. score: the checker's verdict against the labels, threshold chosen on one half, reported on the other
    python -m assistant.evaluation.model_sentences score --labels evals/model_sentences.jsonl --work-dir .eval-work

Each record holds what the pipeline needs to check the sentence again: the question, its as-of
date, the keys the model wrote and the context's keys mapped to stable sentence ids (the
sentences themselves are read from the realtimeqa library the retrieval eval builds).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path


def _library(data: Path, work_dir: Path):
    from .retrieval import prepare

    cfg, questions, gold_key, _, _ = prepare("realtimeqa", data, work_dir, "local", 256, print)
    return cfg, questions, gold_key


def collect(args) -> None:
    os.environ.setdefault("OPENAI_API_KEY", "not-needed")
    from ..api import Assistant
    from ..answer.citing import segments
    from . import realtimeqa

    cfg, questions, gold_key = _library(args.data, args.work_dir)
    cfg = replace(cfg, model=args.model, base_url=args.base_url, response_format=args.response_format,
                  prompts_dir=str(args.prompts_dir or ""), max_answer_tokens=args.max_tokens)
    info = {q.qid: q for q in realtimeqa.load(args.data).questions}
    qs = [q for q in questions if q.split == args.split][args.skip: args.skip + args.questions]
    # --gold-removed: the question asked with its gold articles left out of retrieval, as the
    # answers eval does; a model then has only off-topic passages, which is where inventions show
    suffix = "-nogold" if args.gold_removed else ""
    done = set()
    if args.out.exists():
        done = {json.loads(l)["qid"] for l in args.out.open() if l.strip()}
    with Assistant(settings=cfg) as a, args.out.open("a", encoding="utf-8") as out:
        ans = a.answerer()
        for q in qs:
            qid = q.qid + suffix
            if qid in done:
                continue
            f = a.filters(as_of=q.date)
            if args.gold_removed:
                f = replace(f, exclude_ids=sorted(aid for aid, key in gold_key.items() if key in q.gold))
            t0 = time.perf_counter()
            try:
                res = ans.ask(q.text, f, engine="llm", k=args.k or None)
            except Exception as exc:  # one failed question is recorded, the run goes on
                out.write(json.dumps({"qid": qid, "error": str(exc)}) + "\n")
                out.flush()
                continue
            took = time.perf_counter() - t0
            # the context the model saw: keys -> stable ids (rebuilt the same way)
            plan = ans.plan(q.text, f, k=args.k or None, mode="text")
            plan_ctx = {key: k.sentence.id for key, k in plan.context.items.items()}
            form = res.usage.get("reply_form", "text")
            segs = segments(res.raw_reply or "", form if form in ("json_schema", "json_object") else "text", final=True)
            rec = {
                "qid": qid, "model": args.model, "question": q.text, "as_of": q.date, "choices": info[q.qid].choices,
                "answer": info[q.qid].answer_text, "raw": res.raw_reply, "refused": res.refused, "short_answer": res.short_answer,
                "shown": [{"text": s.text, "supported": s.supported} for s in res.sentences], "rejected": res.rejected,
                "seconds": round(took, 1), "first_token_seconds": res.usage.get("first_token_seconds"),
                "prompt_tokens": res.usage.get("prompt_tokens"), "reply_form": form, "context": plan_ctx,
                "sentences": [{"text": s.text, "keys": s.keys,
                               "cited": [{"key": k, "text": plan.context.items[k].sentence.text[:300],
                                          "source": plan.context.items[k].source, "published": plan.context.items[k].published}
                                         for k in s.keys if k in plan.context.items]} for s in segs],
            }
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out.flush()
            print(f"{qid}: {took:.0f} s, first token {rec['first_token_seconds']} s, {len(segs)} sentence(s), refused={res.refused}", flush=True)


def collect_notes(args) -> None:
    """Cited notes on the tuning weeks' articles, as a briefing with a local model writes them
    (each article's lead, a few articles per call): many sentences per model call."""
    os.environ.setdefault("OPENAI_API_KEY", "not-needed")
    from collections import defaultdict

    from ..answer.citing import segments
    from ..api import Assistant
    from ..brief.pipeline import LOCAL_LEAD, Doc
    from ..retrieve import Filters
    from ..types import Answer
    from . import realtimeqa
    from .retrieval import prepare

    cfg, questions, gold_key, _, _ = prepare("realtimeqa", args.data, args.work_dir, "local", 256, print)
    cfg = replace(cfg, model=args.model, base_url=args.base_url, response_format=args.response_format, max_answer_tokens=args.max_tokens)
    ds = realtimeqa.load(args.data)
    by_week = defaultdict(list)
    for q in ds.split(args.split):
        by_week[q.week].append(q)
    calls = 0
    done = {json.loads(l).get("qid") for l in args.out.open()} if args.out.exists() else set()
    with Assistant(settings=cfg) as a, args.out.open("a", encoding="utf-8") as out:
        br = a.briefer()
        for week, qs in sorted(by_week.items()):
            if args.from_week and week < args.from_week:
                continue
            urls = set().union(*(q.gold_urls for q in qs))
            ids = sorted({aid for aid, key in gold_key.items() if key in urls})
            docs = br.scope(None, Filters(article_ids=ids))
            docs = [Doc(d.article_id, d.revision, d.title, d.source, d.url, d.published, d.published_ts, d.sentences[:LOCAL_LEAD], d.story)
                    for d in docs]
            for i in range(0, len(docs), args.per_call):
                if calls >= args.calls:
                    return
                if f"notes-{week}-{i}" in done:
                    continue
                group = docs[i: i + args.per_call]
                ctx = br.keyed_context(group)
                ans = Answer(question=None, answer="", refused=False, engine="llm", model=args.model, as_of=week)
                ans.usage = {}
                t0 = time.perf_counter()
                try:
                    reply = br.complete(ans, br.messages(br.t_notes, ctx.text, None, 8, week))
                except Exception as exc:
                    out.write(json.dumps({"week": week, "error": str(exc)}) + "\n")
                    continue
                calls += 1
                mode = br.mode or "text"
                segs = segments(reply, mode, final=True)
                rec = {"qid": f"notes-{week}-{i}", "model": args.model, "question": "", "as_of": week, "raw": reply, "reply_form": mode,
                       "seconds": round(time.perf_counter() - t0, 1), "context": {k: v.sentence.id for k, v in ctx.items.items()},
                       "sentences": [{"text": s.text, "keys": s.keys,
                                      "cited": [{"key": k, "text": ctx.items[k].sentence.text[:300], "source": ctx.items[k].source,
                                                 "published": ctx.items[k].published} for k in s.keys if k in ctx.items]} for s in segs]}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
                out.flush()
                print(f"{rec['qid']}: {rec['seconds']} s, {len(segs)} sentence(s)", flush=True)


def score(args) -> dict:
    """The pipeline's verdict (check against the cited sentences, or citations attached from
    the context) for every labelled sentence; the embedding threshold chosen on the even
    records, precision and recall of 'supported' reported on the odd ones."""
    from ..answer import citing as ctxmod
    from ..answer.citing import Plan
    from ..answer.pipeline import Answerer
    from ..api import Assistant
    from ..support.keys import Segment
    from ..types import Answer

    cfg, _, _ = _library(args.data, args.work_dir)
    rows = [json.loads(l) for l in args.labels.open() if l.strip()]
    rows = [r for r in rows if r.get("label") is not None]
    scored = []
    with Assistant(settings=cfg) as a:
        ans: Answerer = a.answerer()
        lib = a.library
        for r in rows:
            ctx = ctxmod.Context()
            for key, sid in r["context"].items():
                s = lib.sentence(sid)
                rev = lib.revision(s.article_id, s.revision)
                ctx.items[key] = ctxmod.Keyed(key, s, rev.title, rev.source, rev.published, rev.url)
            plan = Plan(r["question"], [], ctx, [], r.get("as_of") or "", "json_object")
            answer = Answer(question=r["question"], answer="", refused=False, engine="llm", model=r["model"], as_of=r.get("as_of"))
            verdicts = {}
            for thr in args.grid:
                ans.checker.threshold = thr
                sent = ans.check_segment(answer, plan, Segment(r["text"], list(r["keys"])))
                verdicts[thr] = bool(sent is not None and sent.supported)
            scored.append((r, verdicts))

    def pr(items, thr):
        tp = sum(1 for r, v in items if v[thr] and r["label"])
        fp = sum(1 for r, v in items if v[thr] and not r["label"])
        fn = sum(1 for r, v in items if not v[thr] and r["label"])
        tn = sum(1 for r, v in items if not v[thr] and not r["label"])
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        return {"n": len(items), "supported": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": round(p, 3), "recall": round(rc, 3)}

    tune = [x for i, x in enumerate(scored) if i % 2 == 0]
    report = [x for i, x in enumerate(scored) if i % 2 == 1]
    # highest recall with precision >= 0.9 on the tuning half (else the best precision)
    ok = [t for t in args.grid if pr(tune, t)["precision"] >= 0.9]
    chosen = max(ok, key=lambda t: (pr(tune, t)["recall"], t)) if ok else max(args.grid, key=lambda t: pr(tune, t)["precision"])
    by_model = {}
    for m in sorted({r["model"] for r, _ in scored}):
        by_model[m] = pr([x for x in report if x[0]["model"] == m], chosen)
    errors = [{"text": r["text"], "label": r["label"], "model": r["model"]} for r, v in report if v[chosen] != r["label"]]
    return {"records": len(scored), "chosen_threshold": chosen, "tuning_half": pr(tune, chosen), "report_half": pr(report, chosen),
            "report_half_by_model": by_model, "report_at_default": pr(report, args.grid[0]) if args.grid else None,
            "sweep_tuning": {t: pr(tune, t) for t in args.grid}, "report_errors": errors}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--base-url", required=True)
    c.add_argument("--model", required=True)
    c.add_argument("--questions", type=int, default=40)
    c.add_argument("--skip", type=int, default=0)
    c.add_argument("--split", default="tuning")
    c.add_argument("-k", type=int, default=0)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--response-format", default="auto", help="auto, json_schema, json_object or text")
    c.add_argument("--prompts-dir", type=Path, help="templates of your own (e.g. asking for more sentences per answer)")
    c.add_argument("--max-tokens", type=int, default=300)
    c.add_argument("--gold-removed", action="store_true", help="leave each question's gold articles out of retrieval (records get qid QID-nogold)")
    n = sub.add_parser("notes")
    n.add_argument("--base-url", required=True)
    n.add_argument("--model", required=True)
    n.add_argument("--split", default="tuning")
    n.add_argument("--calls", type=int, default=20)
    n.add_argument("--per-call", type=int, default=3)
    n.add_argument("--response-format", default="auto")
    n.add_argument("--max-tokens", type=int, default=400)
    n.add_argument("--from-week", help="start at this week (YYYY-MM-DD): weeks an earlier run covered are left out")
    n.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score")
    s.add_argument("--labels", type=Path, required=True)
    s.add_argument("--json", type=Path)
    s.add_argument("--grid", type=float, nargs="*", default=[0.55, 0.35, 0.40, 0.45, 0.50, 0.60, 0.65])
    for p in (c, n, s):
        p.add_argument("--data", type=Path, default=Path("../shared/data/realtimeqa"))
        p.add_argument("--work-dir", type=Path, default=Path(".eval-work"))
    args = ap.parse_args()
    if args.cmd == "collect":
        collect(args)
    elif args.cmd == "notes":
        collect_notes(args)
    else:
        res = score(args)
        if args.json:
            from .metrics import write_json

            write_json(args.json, res)
        print(json.dumps({k: v for k, v in res.items() if k not in ("sweep_tuning", "report_errors")}, indent=1))


if __name__ == "__main__":
    main()
