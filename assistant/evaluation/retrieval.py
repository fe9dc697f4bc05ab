"""The retrieval eval: article-level recall@1/5/10 and MRR@10 for dense, lexical and hybrid,
without a date filter and as of each question's date, with bootstrap 95% intervals.

    assistant eval retrieval --dataset realtimeqa --data ../shared/data/realtimeqa
    assistant eval retrieval --dataset seeds          # small built-in set, runs in seconds

Fusion settings are tuned on the tuning weeks only (grid below) and reported on the report
weeks. The ingested corpus is kept in --work-dir per (embedder, chunk budget), so later runs
reuse it; ingest time is reported when it happens.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..retrieve import Filters, Retriever
from ..retrieve.fusion import rrf
from ..retrieve.retriever import Tuning
from ..settings import Settings
from .metrics import bootstrap_ci, first_hit, mrr_at, random_recall, recall_at

RRF_K_GRID = (5, 20, 60)
DENSE_WEIGHT_GRID = (0.5, 0.75, 1.0, 1.5, 2.0)
CANDIDATES = 100


@dataclass
class EvalQuestion:
    qid: str
    text: str
    date: str | None
    split: str  # "tuning" | "report" | "all"
    gold: set  # gold keys


def _articles_in_order(chunk_ids: list[str], limit: int = 10) -> list[str]:
    out: list[str] = []
    for cid in chunk_ids:
        a = cid.split("@", 1)[0]
        if a not in out:
            out.append(a)
            if len(out) == limit:
                break
    return out


def prepare(dataset: str, data: Path | None, work_dir: Path, embedder: str, chunk_tokens: int, log=print):
    """Ingest the corpus once into work_dir; return (settings, questions, gold_key_of_article, ingest_seconds)."""
    from ..api import Assistant
    from ..library.access import open_library

    home = Path(work_dir) / f"{dataset}-{embedder}-{chunk_tokens}"
    cfg = Settings.load(home, embedder=embedder, chunk_tokens=chunk_tokens, chroma_url="")
    questions: list[EvalQuestion] = []
    if dataset == "realtimeqa":
        from . import realtimeqa

        ds = realtimeqa.load(data)
        corpus = Path(work_dir) / "realtimeqa-corpus.jsonl"
        corpus.parent.mkdir(parents=True, exist_ok=True)
        corpus.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in ds.docs) + "\n", encoding="utf-8")
        paths, expected = [str(corpus)], len(ds.docs)
        tuning = {q.qid for q in ds.split("tuning")}
        report = {q.qid for q in ds.split("report")}
        for q in ds.questions:
            questions.append(EvalQuestion(q.qid, q.text, q.date, "tuning" if q.qid in tuning else "report" if q.qid in report else "other", q.gold_urls))

        def gold_key(identity: str, origin: str) -> str:
            return ds.url_of.get(identity.removeprefix("id:"), "")
    elif dataset == "seeds":
        from ..resources import seeds_dir

        spec = json.loads((Path(__file__).parent / "seeds_questions.json").read_text())
        paths, expected = [str(seeds_dir())], 12
        for i, q in enumerate(spec["questions"]):
            questions.append(EvalQuestion(f"seeds-{i}", q["q"], q["date"], "all", set(q["gold"])))

        def gold_key(identity: str, origin: str) -> str:
            return Path(origin).name
    else:
        from ..errors import UsageError

        raise UsageError(f"unknown dataset {dataset!r}", "use realtimeqa or seeds")
    ingest_seconds = None
    with open_library(cfg) as lib:
        have = lib.counts()["articles"]
    if have != expected:
        log(f"ingesting {expected} documents into {home} (embedder {embedder}, {chunk_tokens} word pieces) ...")
        t0 = time.perf_counter()
        Assistant(settings=cfg).ingest(paths)
        ingest_seconds = time.perf_counter() - t0
        log(f"ingested in {ingest_seconds:.0f} s")
    with open_library(cfg) as lib:
        from ..library.search import identities

        keys = {r[0]: gold_key(r[1], r[2] or "") for r in identities(lib.conn)}
        chunks = lib.counts()["chunks"]
    return cfg, questions, keys, ingest_seconds, chunks


def run(dataset: str = "seeds", data: Path | None = None, work_dir: Path = Path(".eval-work"), embedder: str = "local",
        chunk_tokens: int = 256, tune: bool = True, log=print) -> dict:
    from ..library.access import open_library
    from ..vectors.access import vector_index
    from ..embed import build_embedder

    cfg, questions, gold_key, ingest_seconds, n_chunks = prepare(dataset, data, work_dir, embedder, chunk_tokens, log)
    emb = build_embedder(cfg)
    lib = open_library(cfg)
    retriever = Retriever(lib, emb, vector_index(cfg, lib), Tuning(candidates=CANDIDATES))
    # candidates per question, computed once: (dense chunk ids, lexical chunk ids) per date setting
    runs: dict[str, dict[str, tuple[list[str], list[str]]]] = {"none": {}, "as_of": {}}
    candidates_n: dict[str, tuple[int, int]] = {}
    t0 = time.perf_counter()
    for q in questions:
        vec = emb.embed_query(q.text)
        for setting in ("none", "as_of"):
            if setting == "as_of" and not q.date:
                continue
            f = Filters(as_of=q.date) if setting == "as_of" else Filters()
            den = [c for c, _ in retriever.dense_candidates(q.text, f, CANDIDATES, vec)]
            lex = [c for c, _ in retriever.lexical_candidates(q.text, f, CANDIDATES)]
            runs[setting][q.qid] = (den, lex)
            if setting == "as_of":
                candidates_n[q.qid] = _candidate_counts(lib, f, q, gold_key)
    query_seconds = time.perf_counter() - t0

    def ranks(setting: str, qs: list[EvalQuestion], mode: str, k_rrf=60, w_dense=1.0, level="chunk") -> list[int | None]:
        out = []
        for q in qs:
            if q.qid not in runs[setting]:
                continue
            den, lex = runs[setting][q.qid]
            if mode == "dense":
                articles = _articles_in_order(den)
            elif mode == "lexical":
                articles = _articles_in_order(lex)
            elif level == "article":  # fuse article rankings (each article ranked by its best chunk)
                fused = rrf([_articles_in_order(den, 100), _articles_in_order(lex, 100)], [w_dense, 1.0], k_rrf)
                articles = [a for a, _ in fused][:10]
            else:
                articles = _articles_in_order([c for c, _ in rrf([den, lex], [w_dense, 1.0], k_rrf)])
            out.append(first_hit(articles, lambda a: gold_key.get(a, "") in q.gold))
        return out

    tuning_qs = [q for q in questions if q.split in ("tuning", "all")]
    report_qs = [q for q in questions if q.split in ("report", "all")]
    best = {"level": "chunk", "rrf_k": 60, "dense_weight": 1.0, "chosen_on": "default (no tuning)"}
    grid = []
    if tune and tuning_qs:
        for level in ("chunk", "article"):
            for k_rrf in RRF_K_GRID:
                for w in DENSE_WEIGHT_GRID:
                    rk = ranks("none", tuning_qs, "hybrid", k_rrf, w, level)
                    r5, mrr = _mean(recall_at(rk, 5)), _mean(mrr_at(rk, 10))
                    grid.append({"level": level, "rrf_k": k_rrf, "dense_weight": w, "recall@5": r5, "mrr@10": mrr})
        top = max(grid, key=lambda g: (g["recall@5"], g["mrr@10"], g["level"] == "chunk", g["rrf_k"] == 60, -abs(g["dense_weight"] - 1)))
        best = {"level": top["level"], "rrf_k": top["rrf_k"], "dense_weight": top["dense_weight"],
                "chosen_on": "tuning weeks" if dataset == "realtimeqa" else "all questions (no separate tuning split)"}

    def table(qs, setting):
        rows = {}
        for mode in ("dense", "lexical", "hybrid"):
            rk = ranks(setting, qs, mode, best["rrf_k"], best["dense_weight"], best["level"])
            rows[mode] = {
                "n": len(rk),
                **{f"recall@{k}": bootstrap_ci(recall_at(rk, k)) for k in (1, 5, 10)},
                "mrr@10": bootstrap_ci(mrr_at(rk, 10)),
            }
        if setting == "as_of":
            counts = [candidates_n[q.qid] for q in qs if q.qid in candidates_n]
            rows["random"] = {
                "n": len(counts),
                **{f"recall@{k}": (_mean([random_recall(n, g, k) for n, g in counts]),) * 3 for k in (1, 5, 10)},
                "mrr@10": (float("nan"),) * 3,
                "mean_candidates": _mean([n for n, _ in counts]),
            }
        return rows

    result = {
        "dataset": dataset, "embedder": emb.name, "chunk_tokens": chunk_tokens, "chunks": n_chunks,
        "questions": {"total": len(questions), "tuning": len(tuning_qs), "report": len(report_qs)},
        "ingest_seconds": ingest_seconds, "query_seconds": round(query_seconds, 1), "fusion": best, "grid": grid,
        "report": {"no_date_filter": table(report_qs, "none"), "as_of": table(report_qs, "as_of")},
        "tuning": {"no_date_filter": table(tuning_qs, "none")} if dataset == "realtimeqa" else None,
    }
    lib.close()
    return result


def _candidate_counts(lib, f: Filters, q: EvalQuestion, gold_key) -> tuple[int, int]:
    from ..library.search import searchable_revisions

    ids = [r["article_id"] for r in searchable_revisions(lib.conn, f)]
    return len(ids), sum(1 for a in ids if gold_key.get(a, "") in q.gold)


def _mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else 0.0


def format_table(result: dict) -> str:
    lines = [f"dataset {result['dataset']}, embedder {result['embedder']}, chunk budget {result['chunk_tokens']} word pieces, "
             f"{result['chunks']} chunks; fusion: {result['fusion']['level']}-level RRF k={result['fusion']['rrf_k']}, dense weight {result['fusion']['dense_weight']} "
             f"(chosen on {result['fusion']['chosen_on']})"]
    for title, key in (("report questions, no date filter", "no_date_filter"), ("report questions, --as-of question date", "as_of")):
        rows = result["report"][key]
        lines.append(f"\n{title}")
        lines.append(f"{'mode':8} {'n':>4}  {'R@1':>19}  {'R@5':>19}  {'R@10':>19}  {'MRR@10':>19}")
        for mode, m in rows.items():
            def fmt(v):
                mean, lo, hi = v
                return f"{mean:.3f}" + (f" [{lo:.3f},{hi:.3f}]" if lo == lo and (lo, hi) != (mean, mean) else " " * 14) if mean == mean else f"{'-':>19}"
            extra = f"   mean candidates {m['mean_candidates']:.0f}" if "mean_candidates" in m else ""
            lines.append(f"{mode:8} {m['n']:>4}  {fmt(m['recall@1']):>19}  {fmt(m['recall@5']):>19}  {fmt(m['recall@10']):>19}  {fmt(m['mrr@10']):>19}{extra}")
    return "\n".join(lines)
