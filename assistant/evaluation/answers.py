"""Answers eval on realtimeqa, per engine, on the tuning and report weeks: is the short answer the
quiz's correct choice, is the choice inside the cited sentences, how often is a wrong choice
given instead, how often does the engine refuse with the answer in the library (false refusals)
and without it (gold articles removed), how many sentences are shown unsupported, and how long
an answer takes.

Each question is asked through the real ``Answerer.ask`` twice: with the whole library, and with
every gold article (any document at a gold URL) excluded; both as of the question's date (the
user asks on the quiz day; "this week" means that week). Questions whose gold pages carry no
content (the CNN ad-feedback form "How relevant is this ad to you? ... Video player was slow to
load content", nothing else) are left out and counted.

Short answer correct: the short answer's words contain the correct choice's words, or the reverse
(whole words: "19" does not match "19,000"), it has at most 8 words, and it matches no other
choice. Correct in cited: the correct choice's words appear in the cited sentences. Wrong choice:
answered, not correct either way, and a wrong choice is the short answer (or, with no short
answer, is in the cited sentences).

For the extractive engine the refusal threshold is swept on the TUNING weeks (the score is
computed once per question, the decision replayed per threshold) and the one that maximises
(1 - false refusals) + refused with gold removed + short answer correct - 2 x wrong choice
there is chosen (ties: fewer false refusals); the figures of the report weeks are at the
engine's default threshold unless --threshold is given.

    python -m assistant.evaluation.answers --data ../shared/data/realtimeqa --work-dir .eval-work --json out.json
    python -m assistant.evaluation.answers --data ... --engine llm --base-url http://127.0.0.1:8080/v1 --model qwen15 --split report --questions 30

A slow model run can be split: ``--no-gold-removed`` asks with the whole library only,
``--only-gold-removed`` with the gold articles removed only, and ``--merge A.json B.json --json
OUT`` joins the rows of such runs (per question) and recomputes the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from dataclasses import replace
from pathlib import Path

from .. import registry
from .metrics import write_json

MAX_SHORT_WORDS = 8
_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[a-z]+")


_SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def tokens(text: str) -> list[str]:
    """Lower-case words and whole numbers ("19,000" -> "19000", "$5.02" -> "5.02", and
    "12.6 million" -> "12600000", so "$12,600,000" and "$12.6 million" are the same answer)."""
    t = (text or "").lower().replace("’", "'")
    out: list[str] = []
    for w in _TOKEN.findall(t):
        w = w.replace(",", "")
        if w in _SCALES and out and re.fullmatch(r"\d+(?:\.\d+)?", out[-1]):
            v = float(out[-1]) * _SCALES[w]
            out[-1] = str(int(v)) if v == int(v) else str(v)
            continue
        out.append(w)
    return out


def _contains(hay: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(hay[i:i + n] == needle for i in range(len(hay) - n + 1))


def _match(short: list[str], choice: list[str]) -> bool:
    return bool(short) and bool(choice) and (_contains(short, choice) or _contains(choice, short))


def short_matches(short: str | None, choices: list[str]) -> list[int]:
    """Indices of the choices the short answer matches (words contain each other's, <= 8 words)."""
    s = tokens(short or "")
    if not s or len(s) > MAX_SHORT_WORDS:
        return []
    return [i for i, c in enumerate(choices) if _match(s, tokens(c))]


def in_text(choice: str, text: str) -> bool:
    return _contains(tokens(text), tokens(choice))


def content_free(text: str) -> bool:
    """A page with (almost) nothing but boilerplate: fewer than 40 words of news."""
    from ..ingest.sentences import split
    from ..news.boilerplate import not_evidence

    return sum(len(s.split()) for _, _, s in split(text) if not not_evidence(s)) < 40


def judge(ans_obj, choices: list[str], correct: set[int]) -> dict:
    refused = bool(ans_obj.refused)
    short = getattr(ans_obj, "short_answer", None)
    cited = " ".join(c.text for c in ans_obj.citations)
    m = short_matches(short, choices) if not refused else []
    short_ok = len(m) == 1 and m[0] in correct
    cited_ok = not refused and any(in_text(choices[i], cited) for i in correct)
    wrong_short = bool(m) and not (set(m) & correct)
    wrong_cited = any(in_text(c, cited) for i, c in enumerate(choices) if i not in correct)
    wrong = not refused and not short_ok and not cited_ok and (wrong_short or (not short and wrong_cited))
    usage = getattr(ans_obj, "usage", None) or {}
    # the form the model's reply was read in (json_schema, json_object, text, or "text (not the JSON
    # asked for)" when the JSON asked for did not parse); None when no reply was read (no model, or
    # the bare refusal sentinel)
    return {"refused": refused, "why": getattr(ans_obj, "refusal_reason", None), "short": short, "short_ok": short_ok, "cited_ok": cited_ok, "wrong": wrong,
            "shown": len(ans_obj.sentences), "unsupported": sum(1 for s in ans_obj.sentences if not s.supported),
            "reply_form": usage.get("reply_form")}


def rates(rows: list[dict]) -> dict:
    if not rows:
        return {"n": 0}
    a = [r["answerable"] for r in rows if r.get("answerable")]  # absent in an --only-gold-removed run
    g = [r["gold_removed"] for r in rows if r.get("gold_removed")]  # absent when the run skipped it
    n = len(a)
    shown = sum(x["shown"] for x in a + g)
    secs = [r["seconds"] for r in rows]
    forms = [x.get("reply_form") for x in a + g if x.get("reply_form")]

    def share(f):  # of the whole-library asks; None without any
        return sum(1 for x in a if f(x)) / n if n else None
    return {
        "n": n,
        "short_answer_correct": share(lambda x: x["short_ok"]),
        "correct_in_cited": share(lambda x: x["cited_ok"]),
        "short_or_cited_correct": share(lambda x: x["short_ok"] or x["cited_ok"]),
        "wrong_choice": share(lambda x: x["wrong"]),
        "false_refusals": share(lambda x: x["refused"]),
        "refused_gold_removed": sum(x["refused"] for x in g) / len(g) if g else None,
        "n_gold_removed": len(g),
        "with_short_answer": share(lambda x: x["short"]),
        "sentences_shown": shown,
        "sentences_unsupported": sum(x["unsupported"] for x in a + g),
        "seconds_per_answer_mean": round(statistics.mean(secs), 3),
        "seconds_per_answer_median": round(statistics.median(secs), 3),
        # replies read in the JSON form asked for, of the replies read (parse rate); per form
        "reply_forms": {f: forms.count(f) for f in sorted(set(forms))},
        "replies_parsed": (sum(1 for f in forms if f in ("json_schema", "json_object")) / len(forms)) if forms else None,
    }


def run(data: Path, work_dir: Path, engine: str = "extractive", base_url: str | None = None, model: str | None = None,
        splits=("tuning", "report"), limit: int | None = None, k: int = 8, threshold: float | None = None,
        chunk_tokens: int = 256, log=print, gold_removed: bool = True, on_row=None, skip: int = 0, answerable: bool = True) -> dict:
    """``on_row(rows)`` is called after each question (a slow model run keeps what it has done);
    ``gold_removed=False`` skips the second ask (half the model time), ``answerable=False`` the
    first (a second run adds the gold-removed asks: ``merge``); ``skip`` leaves out the first
    questions of each split (a second run continues where a stopped one ended). A row's
    ``seconds`` are its first ask's (the whole-library one when it is asked)."""
    from ..answer import extractive
    from ..api import Assistant
    from ..retrieve import Filters
    from . import realtimeqa
    from .retrieval import prepare

    cfg, questions, gold_key, _, _ = prepare("realtimeqa", data, work_dir, "local", chunk_tokens, log)
    uses_model = registry.ENGINES[engine].uses_model  # (engines are known by name in assistant/registry.py only)
    if uses_model:
        os.environ.setdefault("OPENAI_API_KEY", "not-needed")  # local servers take any key
        cfg = replace(cfg, model=model or cfg.model, base_url=base_url or cfg.base_url)
    else:
        cfg = replace(cfg, model="")
    ds = realtimeqa.load(data)
    info = {q.qid: q for q in ds.questions}
    free_urls = {ds.url_of[d["id"]] for d in ds.docs if content_free(d["text"])}
    assistant = Assistant(settings=cfg)  # the same answerer `assistant ask` builds (hybrid retrieval, the model client)
    ans = assistant.answerer()
    # sentence vectors are kept between the asks of one question (whole library, gold removed, the
    # threshold replay): the seconds per answer are those of the first ask, which computes them
    ans.embedder = _CachedEmbedder(ans.embedder) if ans.embedder is not None else None
    if threshold is not None and not uses_model:
        for name in list(extractive.TUNED_MIN_SCORE):
            extractive.TUNED_MIN_SCORE[name] = threshold
        extractive.LEXICAL_MIN_SCORE = threshold
    sweep = hasattr(extractive, "decide")  # (absent in versions before the short answer: no sweep)
    left_out: list[str] = []
    rows: list[dict] = []
    sweep_inputs: list[dict] = []
    for split in splits:
        qs = [q for q in questions if q.split == split]
        kept = []
        for q in qs:
            if q.gold and q.gold <= free_urls:
                left_out.append(q.qid)
                continue
            kept.append(q)
        for q in kept[skip:skip + limit] if limit else kept[skip:]:
            qi = info[q.qid]
            correct = {i for i in qi.answer if i < len(qi.choices)}
            gold_ids = [a for a, key in gold_key.items() if key in q.gold]
            rec = {"qid": q.qid, "split": split, "question": q.text, "choice": qi.answer_text}
            settings = [("answerable", Filters(as_of=q.date))] if answerable else []
            if gold_removed:
                settings.append(("gold_removed", Filters(as_of=q.date, exclude_ids=gold_ids)))
            for setting, f in settings:
                t0 = time.perf_counter()
                out = ans.ask(q.text, f, engine=engine, k=k)
                took = time.perf_counter() - t0
                rec.setdefault("seconds", took)
                rec[setting] = judge(out, qi.choices, correct)
                if not uses_model and split == "tuning" and sweep:
                    sweep_inputs.append({"qid": q.qid, "setting": setting, "choices": qi.choices, "correct": correct,
                                         **_replayable(ans, q.text, f, k)})
            rows.append(rec)
            if on_row:
                on_row(rows)
            first = rec.get("answerable") or rec["gold_removed"]
            log(f"{split} {q.qid}: short={first['short']!r} ok={first['short_ok']} "
                f"refused={rec['answerable']['refused'] if answerable else '-'}/{rec['gold_removed']['refused'] if gold_removed else '-'} "
                f"form={first['reply_form']} {rec['seconds']:.1f}s ({qi.answer_text})")
    assistant.close()
    result = {
        "engine": engine, "model": model if uses_model else None, "k": k,
        "left_out_content_free_gold": left_out,
        "by_split": {s: rates([r for r in rows if r["split"] == s]) for s in splits},
        "rows": rows,
    }
    if "tuning" in splits:
        result["tuning_halves"] = halves([r for r in rows if r["split"] == "tuning"])
    if not uses_model:
        _, default = extractive.settings_for(ans.embedder)
        result["threshold"] = default
        if sweep_inputs:
            result["sweep_tuning"] = _sweep(sweep_inputs)
            # ties go to the threshold with fewer false refusals
            result["threshold_chosen_on_tuning"] = max(result["sweep_tuning"], key=lambda t: (round(_objective(result["sweep_tuning"][t]), 6), -result["sweep_tuning"][t]["false_refusals"]))
    return result


def merge(results: list[dict]) -> dict:
    """One result from runs over the same questions that asked different settings (whole library;
    gold removed): each question's asks joined, the figures recomputed. The first run's seconds
    are kept (its first ask); the runs' engine, model and k must agree."""
    keys = {(r.get("engine"), r.get("model"), r.get("k")) for r in results}
    if len(keys) != 1:
        raise ValueError(f"runs of different engines, models or k cannot be merged: {sorted(map(str, keys))}")
    rows: dict[tuple, dict] = {}
    for res in results:
        for r in res["rows"]:
            row = rows.setdefault((r["split"], r["qid"]), {})
            row.update({k: v for k, v in r.items() if not (k == "seconds" and "seconds" in row)})
    merged = list(rows.values())
    splits = list(dict.fromkeys(r["split"] for r in merged))
    engine, model, k = keys.pop()
    return {"engine": engine, "model": model, "k": k, "merged_from": len(results),
            "partial": any(r.get("partial") for r in results),
            "by_split": {s: rates([r for r in merged if r["split"] == s]) for s in splits}, "rows": merged}


def halves(rows: list[dict]) -> dict:
    """The tuning weeks in two halves by week (A: the 1st, 3rd, 5th ... week, B: the others): a rule
    is developed on one half and checked on the other (docs/answers.md)."""
    weeks = sorted({r["qid"].split("_")[0] for r in rows})
    half = {w: "AB"[i % 2] for i, w in enumerate(weeks)}
    return {h: rates([r for r in rows if half[r["qid"].split("_")[0]] == h]) for h in "AB"}


class _CachedEmbedder:
    def __init__(self, inner):
        self.inner = inner
        self.cache: dict[str, list[float]] = {}

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_documents(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed_documents(missing)))
        return [self.cache[t] for t in texts]


def _replayable(ans, question: str, f, k: int) -> dict:
    """The extractive engine's inputs for one question, so a threshold can be replayed cheaply."""
    plan = ans.plan(question, f, k)
    q, _, texts, scored, where, stale = ans.extractive_inputs(plan)  # the scores the engine decides on
    return {"question": q, "texts": texts, "where": where, "scored": scored if texts else [], "stale": stale}


def _objective(r: dict) -> float:
    """Answering when the answer is there, refusing when it is not, right short answers; wrong ones count double."""
    return (1 - r["false_refusals"]) + r["refused_gold_removed"] + r["short_answer_correct"] - 2 * r["wrong_choice"]


def _sweep(inputs: list[dict]) -> dict:
    from ..answer import extractive

    grid = [round(0.30 + 0.025 * i, 3) for i in range(15)]
    out = {}
    for t in grid:
        by_q: dict[str, dict] = {}
        for x in inputs:
            d = extractive.decide(x["question"], x["texts"], x["scored"], t, x["where"], stale=x["stale"]) if x["texts"] else extractive.Decision([])
            refused = not d.chosen
            m = short_matches(d.short, x["choices"]) if not refused else []
            cited = " ".join(x["texts"][i] for i in d.chosen)
            short_ok = len(m) == 1 and m[0] in x["correct"]
            cited_ok = not refused and any(in_text(x["choices"][i], cited) for i in x["correct"])
            wrong = (not refused and not short_ok and not cited_ok
                     and ((bool(m) and not set(m) & x["correct"]) or (not d.short and any(in_text(c, cited) for i, c in enumerate(x["choices"]) if i not in x["correct"]))))
            by_q.setdefault(x["qid"], {})[x["setting"]] = {"refused": refused, "short_ok": short_ok, "wrong": wrong}
        n = len(by_q)
        out[str(t)] = {
            "short_answer_correct": sum(v["answerable"]["short_ok"] for v in by_q.values()) / n,
            "wrong_choice": sum(v["answerable"]["wrong"] for v in by_q.values()) / n,
            "false_refusals": sum(v["answerable"]["refused"] for v in by_q.values()) / n,
            "refused_gold_removed": sum(v["gold_removed"]["refused"] for v in by_q.values()) / n,
        }
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--work-dir", type=Path, default=Path(".eval-work"))
    ap.add_argument("--chunk-tokens", type=int, default=256)
    ap.add_argument("--engine", choices=registry.engine_names(), default="extractive")
    ap.add_argument("--base-url", help="OpenAI-compatible server for the llm engine")
    ap.add_argument("--model", help="model name for the llm engine")
    ap.add_argument("--split", choices=("tuning", "report", "both"), default="both")
    ap.add_argument("--questions", type=int, help="at most this many questions per split")
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N questions of each split (continue a stopped run)")
    ap.add_argument("-k", type=int, default=8)
    ap.add_argument("--threshold", type=float, help="extractive refusal threshold (default: the engine's)")
    ap.add_argument("--json", type=Path, help="result file; rewritten after each question, so a stopped run keeps what it did")
    ap.add_argument("--no-gold-removed", action="store_true", help="skip the ask with the gold articles removed (halves a slow model run)")
    ap.add_argument("--only-gold-removed", action="store_true", help="only the ask with the gold articles removed (to --merge with a --no-gold-removed run)")
    ap.add_argument("--merge", type=Path, nargs="+", metavar="RESULT", help="join the rows of earlier runs (per question) into --json and print the figures; asks nothing")
    args = ap.parse_args()
    if args.merge:
        import json

        try:
            res = merge([json.loads(p.read_text(encoding="utf-8")) for p in args.merge])
        except (OSError, ValueError, KeyError) as e:
            ap.error(f"cannot merge: {e}")
        if args.json:
            write_json(args.json, res)
        _summary(res)
        return
    if not args.data:
        ap.error("--data is required (unless --merge)")
    if args.no_gold_removed and args.only_gold_removed:
        ap.error("--no-gold-removed and --only-gold-removed leave nothing to ask")
    if registry.ENGINES[args.engine].uses_model and not args.model:
        ap.error("--engine llm needs --model (and --base-url)")
    splits = ("tuning", "report") if args.split == "both" else (args.split,)
    def save(res):  # per question: ids and verdicts only; the data's own text stays in ../shared/data
        if args.json:
            write_json(args.json, {**res, "rows": [{k: v for k, v in r.items() if k not in ("question", "choice")} for r in res["rows"]]})

    def partial(rows):
        save({"engine": args.engine, "model": args.model, "k": args.k, "partial": True,
              "by_split": {s: rates([r for r in rows if r["split"] == s]) for s in splits}, "rows": rows})

    res = run(args.data, args.work_dir, args.engine, args.base_url, args.model, splits, args.questions, args.k, args.threshold,
              args.chunk_tokens, log=lambda m: print(m, flush=True), gold_removed=not args.no_gold_removed, on_row=partial, skip=args.skip,
              answerable=not args.only_gold_removed)
    save(res)
    print(f"left out (content-free gold pages): {len(res['left_out_content_free_gold'])} question(s)")
    if "threshold" in res:
        print(f"threshold used {res['threshold']}; best on tuning weeks {res.get('threshold_chosen_on_tuning')}")
    _summary(res)


def _summary(res: dict) -> None:
    for s, r in [*res["by_split"].items(), *((f"tuning half {h}", r) for h, r in res.get("tuning_halves", {}).items())]:
        if not r.get("n") and not r.get("n_gold_removed"):
            continue
        print(f"{s}: n={r['n']} short answer correct {_fmt(r['short_answer_correct'])}, correct in cited {_fmt(r['correct_in_cited'])}, "
              f"wrong choice {_fmt(r['wrong_choice'])}, false refusals {_fmt(r['false_refusals'])}, refused with gold removed "
              f"{_fmt(r['refused_gold_removed'])} (n={r['n_gold_removed']}), unsupported shown {r['sentences_unsupported']}/{r['sentences_shown']}, "
              f"replies parsed {_fmt(r['replies_parsed'])} {r['reply_forms']}, "
              f"{r['seconds_per_answer_mean']:.2f} s per answer (median {r['seconds_per_answer_median']:.2f})")


def _fmt(x) -> str:
    return "-" if x is None else f"{x:.3f}"


if __name__ == "__main__":
    main()
