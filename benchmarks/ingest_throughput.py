"""Ingest throughput on the realtimeqa corpus (gold CNN articles + search-result pages, ~700 documents).

Measures, in one process and one fresh data directory with the default local embedder:
time until the corpus is searchable (ingest wall time, embedded Chroma), articles/s,
chunks/s, the share of time spent in the embedder, and peak memory (max RSS).
Then, separately, cold start of `assistant --help` and `assistant sources` (median of 5).

    python benchmarks/ingest_throughput.py --data ../shared/data/realtimeqa [--chunk-tokens 256] [--limit N]

The data is read in place and written to a temporary JSONL file outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def corpus(data: Path) -> list[dict]:
    """Distinct (url, text) documents of realtimeqa, as the retrieval eval builds them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from assistant.evaluation import realtimeqa

    return realtimeqa.load(data).docs


def cold(args: list[str], env: dict, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "realtimeqa")
    ap.add_argument("--chunk-tokens", type=int, default=256)
    ap.add_argument("--embedder", default="local")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    if not (args.data / "gold.jsonl").exists():
        sys.exit(f"no realtimeqa data at {args.data}")

    docs = corpus(args.data)
    if args.limit:
        docs = docs[: args.limit]
    words = sum(len(d["text"].split()) for d in docs)
    tmp = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    src = tmp / "corpus.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    os.environ.update(ASSISTANT_HOME=str(tmp / "home"), ASSISTANT_EMBEDDER=args.embedder, ASSISTANT_CHUNK_TOKENS=str(args.chunk_tokens))

    from assistant import Assistant
    from assistant.embed import local
    from assistant.settings import Settings

    spent = {"embed": 0.0}
    original = local.LocalEmbedder.embed_documents

    def timed(self, texts):
        t0 = time.perf_counter()
        try:
            return original(self, texts)
        finally:
            spent["embed"] += time.perf_counter() - t0

    local.LocalEmbedder.embed_documents = timed
    t0 = time.perf_counter()
    report = Assistant(settings=Settings.load()).ingest([str(src)])
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    added, chunks = report.added, report.chunks_embedded
    print(f"documents: {len(docs)} ({words} words), added {added}, failed {report.failed}")
    print(f"chunk budget: {args.chunk_tokens} word pieces, embedder: {args.embedder}")
    print(f"time until searchable: {wall:.1f} s")
    print(f"articles/s: {added / wall:.1f}   chunks: {chunks}   chunks/s: {chunks / wall:.1f}")
    print(f"embedding: {spent['embed']:.1f} s = {100 * spent['embed'] / wall:.0f}% of the time "
          f"({chunks / spent['embed'] if spent['embed'] else 0:.1f} chunks/s inside the embedder)")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    env = dict(os.environ)
    print(f"cold start, median of 5: --help {cold(['--help'], env):.2f} s, sources {cold(['sources'], env):.2f} s, "
          f"sources --json {cold(['sources', '--json'], env):.2f} s")


if __name__ == "__main__":
    main()
