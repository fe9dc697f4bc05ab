"""What one lexical search costs on a PostgreSQL library, stage by stage (issue 15, docs/scaling.md).

pg_bm25.py reads every posting of a question's lexemes in one statement, so its cost grows with
the library. For each question (realtimeqa's, as search_latency.py and pg_search.py ask them) at
the full text's limit in hybrid search (Tuning.candidates, 100), this prints the postings the
lists statement returned, the chunks whose tsvectors a phrase (``court's`` = ``court s``) was
matched in, and the time of each stage, the median of --repeats runs:

* lists: the statement that reads the totals and the single lexemes' postings (psycopg included);
* phrases: the phrase statements (the rarest lexeme's chunks, @@ and positions) and their counts;
* score: numpy (what is left of bm25() after the statements);
* look-up: the best chunks' ids and the check against the searchable revisions and filters;
* other: the question's phrases (FTS5's tokenizer, in process) and, for a question with a phrase,
  the BEGIN and ROLLBACK of the read-only transaction its statements read in.

    python benchmarks/pg_lexical_cost.py --library postgresql://USER@HOST:PORT/DB [--queries 50] [--repeats 3]

The library is one benchmarks/search_latency.py or pg_search.py built (any PostgreSQL library
will do; only reads). Ends with the totals, p50/p95 per stage, and EXPLAIN (ANALYZE, BUFFERS)
of the heaviest question's lists statement, then that statement's server time beside counting
the same postings and collecting their chunk numbers alone (where its time goes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.search_latency import base_docs, pct  # noqa: E402


def measure(conn, terms: list[str], limit: int) -> dict:
    """One bm25() call with its stages timed (pg_bm25's statements wrapped)."""
    from assistant.library import pg_bm25
    from assistant.retrieve.filters import Filters

    stages = {"lists": 0.0, "phrases": 0.0, "look-up": 0.0, "ranked": 0.0}
    rows = {"postings": 0, "phrase_chunks": 0}
    real_binary, real_phrase_lists, real_best, real_ranked = pg_bm25._binary, pg_bm25._phrase_lists, pg_bm25._best, pg_bm25._ranked

    def binary(c, sql, args):
        t0 = time.perf_counter()
        out = real_binary(c, sql, args)
        if sql is pg_bm25._LISTS or sql is pg_bm25._UNPACKED:
            stages["lists"] += time.perf_counter() - t0
            rows["postings"] += sum(len(r[3]) for r in out if r[0] is not None)
        else:  # a phrase's chunks: timed with the phrases below
            rows["phrase_chunks"] += len(out)
        return out

    def phrase_lists(c, multi, lists):
        t0 = time.perf_counter()
        out = real_phrase_lists(c, multi, lists)
        stages["phrases"] += time.perf_counter() - t0
        return out

    def best(*args):
        t0 = time.perf_counter()
        out = real_best(*args)
        stages["look-up"] += time.perf_counter() - t0
        return out

    def ranked(*args):
        t0 = time.perf_counter()
        out = real_ranked(*args)
        stages["ranked"] += time.perf_counter() - t0
        return out

    pg_bm25._binary, pg_bm25._phrase_lists, pg_bm25._best, pg_bm25._ranked = binary, phrase_lists, best, ranked
    try:
        t0 = time.perf_counter()
        pg_bm25.bm25(conn, terms, Filters(), limit)
        total = time.perf_counter() - t0
    finally:
        pg_bm25._binary, pg_bm25._phrase_lists, pg_bm25._best, pg_bm25._ranked = real_binary, real_phrase_lists, real_best, real_ranked
    out = {k: v * 1000 for k, v in stages.items()}
    out["score"] = out["ranked"] - out["lists"] - out["phrases"] - out["look-up"]
    out["other"] = total * 1000 - out.pop("ranked")  # the phrases; BEGIN ... ROLLBACK around a ranking with a phrase
    out["total"] = total * 1000
    return {**out, **rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", default=os.environ.get("ASSISTANT_LIBRARY_URL", ""), help="a PostgreSQL library URL")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--repeats", type=int, default=3, help="runs per question (the median is reported; the first run warms the caches)")
    ap.add_argument("--limit", type=int, default=100, help="chunks asked of the full text (hybrid asks Tuning.candidates: 100)")
    ap.add_argument("--per-question", action="store_true", help="print a line per question")
    args = ap.parse_args(argv)
    if not args.library.startswith("postgres"):
        print("error: --library postgresql://... is required", file=sys.stderr)
        return 2
    from assistant.library import fulltext, pg
    from assistant.retrieve import lexical

    _, questions = base_docs()
    conn = pg.connect(args.library)
    n, words = conn.execute("SELECT coalesce(sum(chunks), 0), coalesce(sum(words), 0) FROM chunk_totals").fetchone()
    print(f"library: {n} chunks, {words} tokens, load {open('/proc/loadavg').read().split()[0]}", flush=True)
    results = []
    for q in questions[: args.queries]:
        terms = lexical.query_terms(q)
        runs = [measure(conn, terms, args.limit) for _ in range(args.repeats + 1)][1:]  # the first warms the caches
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        phrases = [" ".join(p) for p in fulltext.phrases(terms) if len(p) > 1]
        # the chunks a phrase is matched in (@@ on their tsvectors): those of its rarest lexeme
        med["phrase_candidates"] = sum(min(conn.execute("SELECT count(*) FROM postings WHERE lexeme = ?", (t,)).fetchone()[0]
                                           for t in p.split()) for p in phrases)
        results.append((q, med, phrases))
        if args.per_question:
            print(f"{med['total']:7.1f} ms  lists {med['lists']:6.1f}  phrases {med['phrases']:6.1f}  score {med['score']:5.1f}  "
                  f"look-up {med['look-up']:5.1f}  postings {med['postings']:>7,.0f}  phrase chunks {med['phrase_chunks']:>6,.0f} "
                  f"of {med['phrase_candidates']:>6,.0f}  "
                  f"{q[:60]}{'  ' + str(phrases) if phrases else ''}", flush=True)
    postings = [m["postings"] for _, m, _ in results]
    print(f"{len(results)} questions at limit {args.limit}, median of {args.repeats} runs each; "
          f"load {open('/proc/loadavg').read().split()[0]} at the end")
    print(f"postings read by the lists statement: total {sum(postings):,.0f}, per question p50 {pct(postings, 50):,.0f}, "
          f"p95 {pct(postings, 95):,.0f}, max {max(postings):,.0f}")
    chunks = [m["phrase_chunks"] for _, m, _ in results]
    print(f"questions with a phrase: {sum(1 for *_, p in results if p)}; chunks holding their phrases: {sum(chunks):,.0f}, "
          f"of the {sum(m['phrase_candidates'] for _, m, _ in results):,.0f} chunks (the rarer lexeme's) whose tsvectors were matched")
    print(f"{'stage':10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'sum ms':>9}")
    for stage in ("lists", "phrases", "score", "look-up", "other", "total"):
        xs = [m[stage] for _, m, _ in results]
        print(f"{stage:10} {pct(xs, 50):8.1f} {pct(xs, 95):8.1f} {max(xs):8.1f} {sum(xs):9.1f}")
    per = [m["lists"] / m["postings"] * 1e6 for _, m, _ in results if m["postings"] > 20_000]
    if per:
        print(f"lists statement per posting (questions over 20,000 postings): median {statistics.median(per):.0f} ns")
    heaviest = max(results, key=lambda r: r[1]["postings"])
    terms = lexical.query_terms(heaviest[0])
    singles = sorted({" ".join(p) for p in fulltext.phrases(terms) if len(p) == 1})
    from assistant.library import pg_bm25

    plan = conn.raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + pg_bm25._LISTS, [singles]).fetchall()
    print(f"heaviest question ({heaviest[1]['postings']:,.0f} postings, lists {heaviest[1]['lists']:.1f} ms): {heaviest[0]}")
    for (line,) in plan:
        print("   ", line)
    # where the lists statement's time goes: the scan (counting), collecting, packing (server side)
    where = "FROM postings WHERE lexeme = ANY (%s::text[]) GROUP BY lexeme"
    for name, sql in (("count(*)", f"SELECT lexeme, count(*) {where}"), ("array_agg(chunk)", f"SELECT lexeme, array_agg(chunk) {where}"),
                      ("packed (_LISTS)", pg_bm25._LISTS)):
        ts = []
        for _ in range(7):
            lines = [r[0] for r in conn.raw.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql, [singles]).fetchall()]
            ts.append(float(next(x for x in lines if x.startswith("Execution Time")).split()[2]))
        print(f"  {name:17} server execution ms, best of 7: {min(ts):.1f} (median {statistics.median(ts):.1f})")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
