"""The retrieval eval: article-level recall@1/5/10 and MRR@10 for dense, lexical and hybrid,
without a date filter and as of each question's date, with bootstrap 95% intervals.

    assistant eval retrieval --dataset realtimeqa --data ../shared/data/realtimeqa [--split tuning]
    assistant eval retrieval --dataset seeds          # small built-in set, runs in seconds

Fusion settings are tuned on the tuning weeks only (grid below; --split tuning never ranks a
report-week question) and reported on the report weeks. Hybrid rows weigh time words as search
does (retriever.prefer_recent), anchored at the question date as of it, else at the newest date
in the library; "hybrid, no time words" is the same search without that weighting. The ingested
corpus is kept in --work-dir per (embedder, chunk budget), so later runs reuse it; ingest time is
reported when it happens.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..retrieve import Filters, Retriever
from ..retrieve.retriever import Tuning
from ..settings import Settings
from .metrics import bootstrap_ci, first_hit, mrr_at, random_recall, recall_at

RRF_K_GRID = (2, 5, 10, 20, 60)
DENSE_WEIGHT_GRID = (0.5, 0.75, 1.0, 1.5, 2.0)
CANDIDATES = 100


@dataclass
class EvalQuestion:
    qid: str
    text: str
    date: str | None
    split: str  # "tuning" | "report" | "all"
    gold: set  # gold keys
    content_free: bool = False  # every gold page is content-free (an ad-feedback form): left out of "content"


def prepare(dataset: str, data: Path | None, work_dir: Path, embedder: str, chunk_tokens: int, log=print):
    """Ingest the corpus once into work_dir; return (settings, questions, gold_key_of_article, ingest_seconds)."""
    from ..api import Assistant
    from ..library.access import open_library
    from ..vectors.access import vector_index

    from ..ingest.chunking import CHUNK_FORMAT

    # one corpus per chunk text format and chunk settings too (ASSISTANT_CHUNK_OVERLAP and
    # ASSISTANT_CHUNK_OPENING_TOKENS set them), so a change to what a chunk carries is never scored on
    # old chunks; the values corpora had before a setting existed keep the names they had
    probe = Settings.load(work_dir, embedder=embedder, chunk_tokens=chunk_tokens)
    overlap, opening = probe.chunk_overlap, probe.chunk_opening_tokens
    home = Path(work_dir) / (f"{dataset}-{embedder}-{chunk_tokens}" + (f"-f{CHUNK_FORMAT}" if CHUNK_FORMAT > 1 else "")
                             + (f"-o{overlap}" if overlap != 1 else "") + (f"-u{opening}" if opening else ""))
    cfg = Settings.load(home, embedder=embedder, chunk_tokens=chunk_tokens, chunk_overlap=overlap, chunk_opening_tokens=opening,
                        chroma_url="")
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
            questions.append(EvalQuestion(q.qid, q.text, q.date, "tuning" if q.qid in tuning else "report" if q.qid in report else "other", q.gold_urls,
                                          q.content_free))

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
        built = lib.manifest()
    from ..library.writer import LEGACY_MANIFEST

    settled = {k: built.get(k, LEGACY_MANIFEST.get(k)) for k in ("chunk_tokens", "chunk_overlap", "chunk_opening_tokens")}
    stale = [f"{key}={settled[key]}" for key, want in (("chunk_tokens", chunk_tokens), ("chunk_overlap", overlap),
                                                       ("chunk_opening_tokens", opening))
             if "embedder" in built and settled[key] != str(want)]
    if stale:  # a corpus kept from a run with other chunk settings must not be scored as this one
        from ..errors import UsageError

        raise UsageError(f"the eval corpus in {home} was built with {', '.join(stale)}", f"delete {home} and run again")
    if have != expected:
        log(f"ingesting {expected} documents into {home} (embedder {embedder}, {chunk_tokens} word pieces) ...")
        t0 = time.perf_counter()
        Assistant(settings=cfg).ingest(paths)
        ingest_seconds = time.perf_counter() - t0
        log(f"ingested in {ingest_seconds:.0f} s")
        # kept beside the corpus, so later runs that reuse it can still report the build time
        (home / "ingest-seconds.json").write_text(json.dumps({"seconds": ingest_seconds}))
    with open_library(cfg) as lib:
        from ..library.search import identities

        keys = {r[0]: gold_key(r[1], r[2] or "") for r in identities(lib.conn)}
        chunks = lib.counts()["chunks"]
    return cfg, questions, keys, ingest_seconds, chunks


def recorded_ingest_seconds(cfg) -> float | None:
    """The ingest time recorded when the eval corpus in cfg.home was built, if it was."""
    path = Path(cfg.home) / "ingest-seconds.json"
    try:
        return float(json.loads(path.read_text())["seconds"])
    except (OSError, ValueError, KeyError):
        return None


def article_groups(ranked_chunks: list[str], copies: dict[str, list[str]], limit: int = 10) -> list[list[str]]:
    """Results as search lists them: one per article, each standing for the article (first) and the
    copies folded into it; a copy of an article already listed is not listed again."""
    out: list[list[str]] = []
    covered: set[str] = set()
    for cid in ranked_chunks:
        a = cid.split("@", 1)[0]
        if a in covered:
            continue
        group = [a, *copies.get(a, [])]
        covered.update(group)
        out.append(group)
        if len(out) == limit:
            break
    return out


SPLITS = ("both", "tuning", "report")


def run(dataset: str = "seeds", data: Path | None = None, work_dir: Path = Path(".eval-work"), embedder: str = "local",
        chunk_tokens: int = 256, tune: bool = True, log=print, split: str = "both") -> dict:
    """split="tuning" ranks the tuning-week questions only (what choices are made on), "report" the
    report weeks only, "both" every question. Datasets without weeks (seeds) ignore it."""
    from dataclasses import replace

    from ..api import Assistant
    from ..library.access import open_library
    from ..library.search import newest_published_ts, published_of_chunks
    from ..vectors.access import vector_index
    from ..embed import build_embedder
    from ..retrieve import recency
    from ..retrieve.retriever import fuse, prefer_recent, restrict

    if split not in SPLITS:
        from ..errors import UsageError

        raise UsageError(f"unknown split {split!r}", "use " + ", ".join(SPLITS))
    cfg, questions, gold_key, ingest_seconds, n_chunks = prepare(dataset, data, work_dir, embedder, chunk_tokens, log)
    if split != "both":  # the other weeks' questions are never ranked
        questions = [q for q in questions if q.split in (split, "all")]
    emb = build_embedder(cfg)
    lib = open_library(cfg)
    default = Tuning()
    retriever = Retriever(lib, emb, vector_index(cfg, lib), Tuning(candidates=CANDIDATES))
    copies = {a: list(c) for a, (c, _) in retriever.groups(lib.conn, list(gold_key)).items()}
    # candidates per question, computed once: (dense, lexical) (chunk id, score) lists per date setting
    runs: dict[str, dict[str, tuple[list, list]]] = {"none": {}, "as_of": {}}
    candidates_n: dict[str, tuple[int, int]] = {}
    admitted: dict[str, set[str]] = {}
    t0 = time.perf_counter()
    for q in questions:
        vec = emb.embed_query(q.text)
        for setting in ("none", "as_of"):
            if setting == "as_of" and not q.date:
                continue
            f = Filters(as_of=q.date) if setting == "as_of" else Filters()
            runs[setting][q.qid] = (retriever.dense_candidates(q.text, f, CANDIDATES, vec),
                                    retriever.lexical_candidates(q.text, f, CANDIDATES))
            if setting == "as_of":
                candidates_n[q.qid] = _candidate_counts(lib, f, q, gold_key)
                # which of the unfiltered candidates the filter admits: hybrid search ranks as without it (retriever.restrict)
                den0, lex0 = runs["none"][q.qid]
                admitted[q.qid] = retriever.visible_chunks(list({c for c, _ in den0 + lex0}), f)
    query_seconds = time.perf_counter() - t0
    # time words, as search weighs them (retriever.prefer_recent): anchored at the question date when
    # asked as of it, else at the newest date in the library
    published = published_of_chunks(lib.conn, list({c for r in runs.values() for den, lex in r.values() for c, _ in den + lex}))
    newest = newest_published_ts(lib.conn, Filters())
    windows = {q.qid: recency.split(q.text).window_days for q in questions}

    def hybrid(q: EvalQuestion, setting: str, den, lex, tuning: Tuning):
        ranked = fuse(den, lex, tuning)
        if tuning.time_words and windows[q.qid] is not None:
            anchor = Filters(as_of=q.date).as_of_ts if setting == "as_of" else newest
            if anchor is not None:
                ranked = prefer_recent(ranked, published, anchor, windows[q.qid])
        return ranked

    def ranks(setting: str, qs: list[EvalQuestion], mode: str, tuning: Tuning, credit: str = "copies") -> list[int | None]:
        """Rank of the first gold result; credit="copies": a result counts for its copies too, "own": its own url only."""
        out = []
        for q in qs:
            if q.qid not in runs[setting]:
                continue
            den, lex = runs[setting][q.qid]
            ranked = den if mode == "dense" else lex if mode == "lexical" else hybrid(q, setting, den, lex, tuning)
            if mode == "hybrid" and setting == "as_of":
                ranked = restrict(hybrid(q, "as_of", *runs["none"][q.qid], tuning), admitted[q.qid], ranked)
            groups = article_groups([c for c, _ in ranked], copies)
            if credit == "own":
                groups = [g[:1] for g in groups]
            out.append(first_hit(groups, lambda g: any(gold_key.get(a, "") in q.gold for a in g)))
        return out

    tuning_qs = [q for q in questions if q.split in ("tuning", "all")]
    report_qs = [q for q in questions if q.split in ("report", "all")]
    grid = []
    if tune and tuning_qs:  # informational: the default is fixed in Tuning, chosen on the tuning weeks (docs/retrieval.md)
        content = [q for q in tuning_qs if not q.content_free]
        for level, m in (("chunk", 1), ("article", 1), ("article", 2), ("article", 3)):
            for k_rrf in RRF_K_GRID:
                for w in DENSE_WEIGHT_GRID:
                    rk = ranks("none", content, "hybrid", Tuning(level=level, rrf_k=k_rrf, dense_weight=w, article_chunks=m, time_words=False))
                    grid.append({"level": level, "article_chunks": m, "rrf_k": k_rrf, "dense_weight": w,
                                 "recall@1": _mean(recall_at(rk, 1)), "recall@5": _mean(recall_at(rk, 5)),
                                 "recall@10": _mean(recall_at(rk, 10)), "mrr@10": _mean(mrr_at(rk, 10))})

    def stats(rk):
        return {"n": len(rk), **{f"recall@{k}": bootstrap_ci(recall_at(rk, k)) for k in (1, 5, 10)}, "mrr@10": bootstrap_ci(mrr_at(rk, 10))}

    def table(qs, setting):
        rows = {mode: stats(ranks(setting, qs, mode, default)) for mode in ("dense", "lexical", "hybrid")}
        rows["hybrid, own url"] = stats(ranks(setting, qs, "hybrid", default, credit="own"))
        rows["hybrid, no time words"] = stats(ranks(setting, qs, "hybrid", replace(default, time_words=False)))
        if setting == "as_of":
            counts = [candidates_n[q.qid] for q in qs if q.qid in candidates_n]
            rows["random"] = {
                "n": len(counts),
                **{f"recall@{k}": (_mean([random_recall(n, g, k) for n, g in counts]),) * 3 for k in (1, 5, 10)},
                "mrr@10": (float("nan"),) * 3,
                "mean_candidates": _mean([n for n, _ in counts]),
            }
        return rows

    tables = {}
    for name, qs in (("report", report_qs), ("tuning", tuning_qs)):
        if (name == "tuning" and dataset != "realtimeqa") or not qs:
            continue
        for subset in ("content", "all"):
            sub = [q for q in qs if subset == "all" or not q.content_free]
            for setting in ("none", "as_of"):
                tables[f"{name}/{subset}/{setting}"] = table(sub, setting)
    per_question = {q.qid: {"split": q.split, "content_free": q.content_free,
                            "dense": ranks("none", [q], "dense", default)[0],
                            "lexical": ranks("none", [q], "lexical", default)[0],
                            "hybrid": ranks("none", [q], "hybrid", default)[0],
                            "hybrid_as_of": (ranks("as_of", [q], "hybrid", default) or [None])[0],
                            "hybrid_no_time_words": ranks("none", [q], "hybrid", replace(default, time_words=False))[0],
                            "time_window_days": windows[q.qid]} for q in questions}
    result = {
        "dataset": dataset, "embedder": emb.name, "chunk_tokens": chunk_tokens, "chunks": n_chunks,
        "split": split, "questions": {"total": len(questions), "tuning": len(tuning_qs), "report": len(report_qs),
                      "content_free": sorted(q.qid for q in questions if q.content_free)},
        "ingest_seconds": ingest_seconds, "query_seconds": round(query_seconds, 1),
        "tuning_defaults": {k: v for k, v in vars(default).items()}, "grid": grid, "tables": tables, "per_question": per_question,
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
    t = result["tuning_defaults"]
    lines = [f"dataset {result['dataset']}, embedder {result['embedder']}, chunk budget {result['chunk_tokens']} word pieces, "
             f"{result['chunks']} chunks; defaults: {t}",
             f"content-free questions (only gold page is an ad-feedback form), left out of 'content': {', '.join(result['questions']['content_free']) or 'none'}"]
    names = {"none": "no date filter", "as_of": "--as-of the question date"}
    for key, rows in result["tables"].items():
        split, subset, setting = key.split("/")
        lines.append(f"\n{split} weeks, {'content' if subset == 'content' else 'all'} questions, {names[setting]}")
        lines.append(f"{'mode':16} {'n':>4}  {'R@1':>19}  {'R@5':>19}  {'R@10':>19}  {'MRR@10':>19}")
        for mode, m in rows.items():
            def fmt(v):
                mean, lo, hi = v
                return f"{mean:.3f}" + (f" [{lo:.3f},{hi:.3f}]" if lo == lo and (lo, hi) != (mean, mean) else " " * 14) if mean == mean else f"{'-':>19}"
            extra = f"   mean candidates {m['mean_candidates']:.0f}" if "mean_candidates" in m else ""
            lines.append(f"{mode:16} {m['n']:>4}  {fmt(m['recall@1']):>19}  {fmt(m['recall@5']):>19}  {fmt(m['recall@10']):>19}  {fmt(m['mrr@10']):>19}{extra}")
    return "\n".join(lines)
