"""Search latency at 1k, 10k and 100k chunks, per mode, excluding and including the query embedding.

Synthetic scale-up: real news text (realtimeqa documents, else the seeds) is replicated with
shuffled sentence order until the library holds N chunks. Chunks are embedded with a 384-d
hash embedder (the local model's width; embedding 100k chunks with the real model would take
about an hour here), so Chroma's index has the real dimensionality. The query embedding is
timed separately with the real local model and added for the "including" columns.

    python benchmarks/search_latency.py --sizes 1000,10000,100000 [--queries 50]
    python benchmarks/search_latency.py --library postgresql://USER@HOST:PORT/DB [--chroma-url URL] --sizes 10000,100000

With --library the library is that PostgreSQL database (empty, or a library this script built:
it grows it size by size, so the sizes share one data directory for the vectors), else SQLite in
a data directory per size. benchmarks/pg_search.py adds concurrent readers while a writer ingests.

Prints p50/p95 in milliseconds per mode and size, and the cold wall time of one
`assistant search` process (seeds, local embedder).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the main checkout, or two levels up from a worktree
DATA = next((d for d in (REPO.parent / "shared/data/realtimeqa", REPO.parents[1] / "shared/data/realtimeqa") if d.exists()),
            REPO.parent / "shared/data/realtimeqa")


def base_docs() -> list[dict]:
    if (DATA / "gold.jsonl").exists():
        sys.path.insert(0, str(REPO))
        from assistant.evaluation import realtimeqa

        ds = realtimeqa.load(DATA)
        return [{"title": d["title"], "text": d["text"], "date": d["date"], "source": d["source"]} for d in ds.docs], [q.text for q in ds.questions]
    from assistant.ingest.loaders import load
    from assistant.resources import seeds_dir

    docs = []
    for p in sorted(seeds_dir().rglob("*.md")):
        if p.name != "SOURCES.md":
            [a], _ = load("md", p.read_text(), str(p))
            docs.append({"title": a.title, "text": a.text, "date": a.published, "source": a.source})
    return docs, ["Who is the governor of Puerto Rico?", "Navalny poisoning", "asteroid risk"]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def build(home: Path, docs: list[dict], target_chunks: int) -> int:
    """Ingest (shuffled copies of) the documents until the library holds about target_chunks chunks."""
    from assistant import Assistant
    from assistant.library.access import open_library
    from assistant.settings import Settings

    os.environ["ASSISTANT_HOME"] = str(home)
    cfg = Settings.load(home, embedder="hash384")
    rng = random.Random(7)
    src = home.parent / f"corpus-{target_chunks}.jsonl"
    n_chunks, copy, pos, per_doc = 0, 0, 0, None
    with open_library(cfg) as lib:
        n_chunks = lib.counts()["chunks"]
    while n_chunks < target_chunks:
        # size each ingest call to what is still missing (per_doc learnt from the first call)
        want = 20 if per_doc is None else min(len(docs), max(1, int((target_chunks - n_chunks) / per_doc) + 1))
        batch = []
        while len(batch) < want:
            d = docs[pos % len(docs)]
            paras = d["text"].split("\n\n")
            if pos >= len(docs):
                rng.shuffle(paras)
            batch.append({"id": f"{pos}", "title": d["title"], "text": "\n\n".join(paras), "date": d["date"], "source": d["source"]})
            pos += 1
        src.write_text("\n".join(json.dumps(b) for b in batch))
        Assistant(settings=cfg).ingest([str(src)])
        with open_library(cfg) as lib:
            before, n_chunks = n_chunks, lib.counts()["chunks"]
        per_doc = max(1.0, (n_chunks - before) / len(batch))
        copy += 1
    return n_chunks


def use_hash384():
    """Make the embedder name "hash384" a 384-d hash embedder (the local model's width); returns its class."""
    sys.path.insert(0, str(REPO))
    from assistant.embed.hashing import HashEmbedder
    from assistant.registry import register_embedder

    class Hash384(HashEmbedder):
        name = "hash-384"
        dimensions = 384

    register_embedder("hash384", lambda settings: Hash384(), semantic=False, help="384-d hash vectors (benchmarks)")
    return Hash384


def time_modes(lib, cfg, emb, questions, q_embed, label, modes=("lexical", "dense", "hybrid", "hybrid as-of", "hybrid as-of half")) -> dict:
    """p50/p95 per mode over the questions (query vectors computed beforehand: embedding excluded)."""
    from assistant.retrieve import Filters, Retriever
    from assistant.vectors.access import vector_index

    r = Retriever(lib, emb, vector_index(cfg, lib))
    vectors = [emb.embed_query(q) for q in questions]
    out = {}
    # "hybrid as-of": a date filter makes hybrid rank as without it and then keep what it admits;
    # when what it keeps fills k, that is all (the as-of date admits everything here). "as-of
    # half": the median publication date, so that about half the library is filtered out and
    # the filtered pair of searches runs too when the kept results fall short of k.
    half = lib.conn.execute("SELECT published FROM revisions WHERE published_ts IS NOT NULL ORDER BY published_ts "
                            "LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM revisions WHERE published_ts IS NOT NULL)").fetchone()[0][:10]
    for mode in modes:
        filters = Filters(as_of=half) if mode.endswith("half") else Filters(as_of="2099-12-31") if mode.endswith("as-of") else Filters()
        search_mode = mode.split()[0]
        r.search(questions[0], k=5, mode=search_mode, filters=filters, vector=vectors[0])  # warm caches
        times = []
        for q, v in zip(questions, vectors):
            t0 = time.perf_counter()
            r.search(q, k=5, mode=search_mode, filters=filters, vector=v)
            times.append((time.perf_counter() - t0) * 1000)
        incl = [t + e for t, e in zip(times, q_embed)] if mode != "lexical" and q_embed else times
        out[mode] = (pct(times, 50), pct(times, 95))
        print(f"{label:>8} {mode:17} {pct(times, 50):>9.1f} {pct(times, 95):>9.1f} {pct(incl, 50):>9.1f} {pct(incl, 95):>9.1f}", flush=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--work-dir", type=Path, default=None)
    ap.add_argument("--library", default="", help="a PostgreSQL library URL (default: SQLite in the work dir)")
    ap.add_argument("--chroma-url", default="", help="vectors on this Chroma server (default: embedded)")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start timing of a real search process")
    ap.add_argument("--no-query-embedding", action="store_true", help="skip timing the local model's query embedding ('incl' = 'excl')")
    ap.add_argument("--modes", default="", help="comma-separated, of lexical,dense,hybrid,'hybrid as-of','hybrid as-of half' (default all)")
    args = ap.parse_args()
    Hash384 = use_hash384()
    # build() and Settings.load read these: the library and the vectors where the user said
    os.environ["ASSISTANT_LIBRARY_URL"] = args.library
    os.environ["ASSISTANT_CHROMA_URL"] = args.chroma_url
    from assistant.library.access import open_library
    from assistant.settings import Settings

    docs, questions = base_docs()
    questions = questions[: args.queries]
    q_embed = []
    if not args.no_query_embedding:
        from assistant.embed.local import LocalEmbedder

        local = LocalEmbedder()
        local.embed_query("warm up")
        for q in questions:
            t0 = time.perf_counter()
            local.embed_query(q)
            q_embed.append((time.perf_counter() - t0) * 1000)
        print(f"query embedding (local MiniLM int8): p50 {pct(q_embed, 50):.1f} ms, p95 {pct(q_embed, 95):.1f} ms over {len(q_embed)} queries")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="search-bench-"))
    print(f"{'chunks':>8} {'mode':17} {'p50 excl':>9} {'p95 excl':>9} {'p50 incl':>9} {'p95 incl':>9}")
    largest = None
    for size in [int(s) for s in args.sizes.split(",")]:
        home = work / ("lib-pg" if args.library else f"lib-{size}")
        t0 = time.perf_counter()
        n = build(home, docs, size)
        build_s = time.perf_counter() - t0
        print(f"{n} chunks (built in {build_s:.0f} s)", flush=True)
        cfg = Settings.load(home, embedder="hash384")
        lib = open_library(cfg)
        time_modes(lib, cfg, Hash384(), questions, q_embed, str(n), *([tuple(m.strip() for m in args.modes.split(","))] if args.modes else []))
        lib.close()
        largest = home
    if args.no_cold:
        return
    # cold start: one real `assistant search` process on the seeds with the default local embedder
    seeds_home = work / "seeds-local"
    env = {**os.environ, "ASSISTANT_HOME": str(seeds_home), "ASSISTANT_EMBEDDER": "local"}
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--seeds"], env=env, capture_output=True, check=True)
    colds = []
    for mode in ("lexical", "hybrid"):
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "assistant.cli", "search", "Who is the governor of Puerto Rico?", "--mode", mode],
                           env=env, capture_output=True, check=True)
            ts.append(time.perf_counter() - t0)
        colds.append(f"{mode} {statistics.median(ts):.2f} s")
    print("cold wall time of one `assistant search` process (seeds, local embedder, median of 5): " + ", ".join(colds))


if __name__ == "__main__":
    main()
