"""Search on a PostgreSQL library while it grows: one reader's latency, then many readers at once
while a writer ingests (issue 15).

1. Builds (or grows) the library to --chunks chunks, as benchmarks/search_latency.py does
   (realtimeqa text replicated with shuffled paragraphs, 384-d hash vectors on a Chroma server).
2. One reader: p50/p95 per mode over the realtimeqa questions, query embedding excluded.
3. --readers reader processes search (hybrid, k=5) in a loop while one writer process ingests
   --articles new articles into the same library. Each new article ends with a sentinel
   sentence naming it, and the readers also ask for those sentinels, so a half-written article
   would be found if it were visible. For every passage a reader checks, on its own connection,
   that the article's revision is committed, that it has its sentinel sentence (new articles),
   that its sentences are numbered 0..n-1 without gaps and that its chunks cover them all.
   Prints queries, errors, violations, latency under load and the writer's rate (until its last
   article is committed, and with the regroup of copies and stories that follows).

    python benchmarks/pg_search.py --library postgresql://USER@HOST:PORT/DB --chroma-url http://HOST:PORT \\
        --work-dir DIR --chunks 100000 --readers 16

Without --library / --chroma-url it starts its own PostgreSQL (tests/postgres_server.py) and
`chroma run` on loopback ports, and stops them. --work-dir keeps the data directory between runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.search_latency import base_docs, build, pct, time_modes, use_hash384  # noqa: E402

SENTINEL = "Sentinel sentence of bench article {n} marks its end."


def _settings(home: Path):
    from assistant.settings import Settings

    use_hash384()
    return Settings.load(home, embedder="hash384")


def _writer(home: str, corpus: str, out) -> None:
    from assistant import Assistant

    t0 = time.perf_counter()
    result = Assistant(settings=_settings(Path(home))).ingest([corpus])
    out.put({"added": result.added, "seconds": time.perf_counter() - t0})


def _check(conn, passage, sentinels: dict[str, int]) -> str | None:
    """Why this passage's article is not a whole committed article, or None."""
    a, rev = passage.article_id, passage.revision
    row = conn.execute("SELECT status FROM revisions WHERE article_id = ? AND revision = ?", (a, rev)).fetchone()
    if row is None or row[0] != "committed":
        return f"{a}@{rev} is {row[0] if row else 'missing'}"
    n, top = conn.execute("SELECT count(*), coalesce(max(idx), -1) FROM sentences WHERE article_id = ? AND revision = ?", (a, rev)).fetchone()
    if n == 0 or top != n - 1:
        return f"{a}@{rev} has {n} sentences numbered up to {top}"
    covered = conn.execute("SELECT coalesce(max(last_sentence), -1), count(*) FROM chunks WHERE article_id = ? AND revision = ?", (a, rev)).fetchone()
    if covered[0] != n - 1:
        return f"{a}@{rev}: its chunks cover sentences up to {covered[0]} of {n}"
    ident = conn.execute("SELECT identity FROM articles WHERE article_id = ?", (a,)).fetchone()[0]
    if ident in sentinels:
        text = SENTINEL.format(n=sentinels[ident])
        if not conn.execute("SELECT 1 FROM sentences WHERE article_id = ? AND revision = ? AND text LIKE ?", (a, rev, f"%{text}%")).fetchone():
            return f"{a}@{rev} ({ident}) lacks its sentinel sentence"
    return None


def _reader(home: str, questions: list[str], sentinels: dict[str, int], stop, out, seed: int) -> None:
    from assistant.library.access import open_library
    from assistant.retrieve import Retriever
    from assistant.vectors.access import vector_index

    cfg = _settings(Path(home))
    Hash384 = use_hash384()
    emb = Hash384()
    rng = random.Random(seed)
    times, errors, violations, passages = [], [], [], 0
    new_found = 0
    with open_library(cfg) as lib:
        r = Retriever(lib, emb, vector_index(cfg, lib))
        while not stop.is_set():
            n = rng.randrange(len(sentinels))
            q = SENTINEL.format(n=n) if rng.random() < 0.5 else rng.choice(questions)
            v = emb.embed_query(q)
            t0 = time.perf_counter()
            try:
                found = r.search(q, k=5, mode="hybrid", vector=v)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            times.append((time.perf_counter() - t0) * 1000)
            for p in found:
                passages += 1
                why = _check(lib.conn, p, sentinels)
                if why:
                    violations.append(why)
                elif p.sentences and "Sentinel sentence of bench article" in " ".join(s.text for s in p.sentences):
                    new_found += 1
    out.put({"times": times, "errors": errors, "violations": violations, "passages": passages, "new_found": new_found})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", default="", help="PostgreSQL URL (default: start a server)")
    ap.add_argument("--chroma-url", default="", help="Chroma server (default: start one)")
    ap.add_argument("--work-dir", type=Path, default=None)
    ap.add_argument("--chunks", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=100, help="questions for the one-reader timing")
    ap.add_argument("--readers", type=int, default=16)
    ap.add_argument("--articles", type=int, default=400, help="articles the writer ingests while the readers search")
    args = ap.parse_args(argv)
    use_hash384()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="pg-search-"))
    work.mkdir(parents=True, exist_ok=True)
    server = chroma = None
    try:
        if not args.library:
            from tests.postgres_server import PostgresServer, find_binaries

            server = PostgresServer(find_binaries())
            server.start()
            args.library = server.create_database("bench")
        if not args.chroma_url:
            from benchmarks.pg_writers import start_chroma

            chroma, args.chroma_url = start_chroma(work)
        os.environ["ASSISTANT_LIBRARY_URL"] = args.library
        os.environ["ASSISTANT_CHROMA_URL"] = args.chroma_url
        home = work / "home"
        docs, questions = base_docs()
        t0 = time.perf_counter()
        n = build(home, docs, args.chunks)
        print(f"library: {n} chunks (built or grown in {time.perf_counter() - t0:.0f} s)", flush=True)

        from assistant.library.access import open_library

        cfg = _settings(home)
        print(f"{'chunks':>8} {'mode':12} {'p50 ms':>9} {'p95 ms':>9}   (one reader, query embedding excluded)")
        with open_library(cfg) as lib:
            time_modes(lib, cfg, use_hash384()(), questions[: args.queries], [], str(n), modes=("lexical", "dense", "hybrid"))

        # the writer's articles: realtimeqa text with a sentinel last sentence, new identities
        stamp = int(time.time())
        sentinels, lines = {}, []
        rng = random.Random(stamp)
        for i in range(args.articles):
            d = rng.choice(docs)
            ident = f"bench-{stamp}-{i}"
            sentinels["id:" + ident] = i
            lines.append(json.dumps({"id": ident, "title": d["title"], "text": d["text"].rstrip() + "\n\n" + SENTINEL.format(n=i),
                                     "date": d["date"], "source": d["source"]}))
        corpus = work / f"writer-{stamp}.jsonl"
        corpus.write_text("\n".join(lines) + "\n")
        ctx = mp.get_context("spawn")
        stop, out, wout = ctx.Event(), ctx.Queue(), ctx.Queue()
        readers = [ctx.Process(target=_reader, args=(str(home), questions, sentinels, stop, out, k)) for k in range(args.readers)]
        for p in readers:
            p.start()
        time.sleep(5)  # the readers import and connect first
        print(f"load average {' '.join(open('/proc/loadavg').read().split()[:3])} as the writer starts", flush=True)
        writer = ctx.Process(target=_writer, args=(str(home), str(corpus), wout))
        t0 = time.perf_counter()
        writer.start()
        # the writer's rate: when its last article is committed (after that it regroups copies and
        # stories over the whole library, which readers do not wait for), polled every second
        committed_at = None
        with open_library(cfg) as lib:
            while writer.is_alive():
                writer.join(1.0)
                if committed_at is None and lib.conn.execute(
                        "SELECT count(*) FROM committed_revisions r JOIN articles a USING (article_id) WHERE a.identity LIKE ?",
                        (f"id:bench-{stamp}-%",)).fetchone()[0] >= args.articles:
                    committed_at = time.perf_counter() - t0
        wall = time.perf_counter() - t0
        print(f"load average {' '.join(open('/proc/loadavg').read().split()[:3])} as the writer ends", flush=True)
        time.sleep(2)  # a last round of reads after the final commit
        stop.set()
        results = [out.get(timeout=300) for _ in readers]
        for p in readers:
            p.join(60)
        w = wout.get(timeout=10) if writer.exitcode == 0 else {"added": None, "seconds": wall}
        times = [t for r in results for t in r["times"]]
        errors = [e for r in results for e in r["errors"]]
        violations = [v for r in results for v in r["violations"]]
        print(f"{args.readers} readers while 1 writer ingested {args.articles} articles in {wall:.0f} s "
              f"(writer exit {writer.exitcode}, {args.articles / wall:.1f} articles/s):")
        if committed_at is not None:
            print(f"  all {args.articles} committed after {committed_at:.0f} s ({args.articles / committed_at:.1f} articles/s); "
                  f"the rest regrouping copies and stories")
        print(f"  searches {len(times)}, passages checked {sum(r['passages'] for r in results)}, "
              f"passages of the writer's articles {sum(r['new_found'] for r in results)}, errors {len(errors)}, half-written articles {len(violations)}")
        if times:
            print(f"  hybrid latency under load: p50 {pct(times, 50):.0f} ms, p95 {pct(times, 95):.0f} ms")
        for e in (errors + violations)[:10]:
            print("  ", e)
        return 0 if not errors and not violations and writer.exitcode == 0 else 1
    finally:
        if chroma is not None:
            chroma.terminate()
            chroma.wait(20)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
