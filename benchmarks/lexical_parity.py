"""Lexical search on SQLite (FTS5) and PostgreSQL (pg_bm25.py) over the same real corpus: the same
chunks in the same order with the same scores? (issue 15; docs/scaling.md)

Ingests the realtimeqa documents (hash embedder: only the full text is compared) into a SQLite
data directory and a PostgreSQL library, then asks every realtimeqa question, and each of its
possessives (``court's``) and quoted phrases alone, at limits 5 and 100 on both. Prints how many
rankings are identical (chunk ids and order; scores to 1e-9 relative) and every one that is not.

    python benchmarks/lexical_parity.py --library postgresql://USER@HOST:PORT/EMPTY_DB [--work-dir DIR]

Exits 1 when any ranking differs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.search_latency import DATA  # noqa: E402


def dataset():
    """(documents ready for JSON Lines ingest, question texts plus their possessives and quoted spans alone)."""
    from assistant.evaluation import realtimeqa

    ds = realtimeqa.load(DATA)
    qs = [q.text for q in ds.questions]
    extra = []
    for q in qs:  # each possessive and each quoted span alone: the phrase is then most of the ranking
        extra += re.findall(r"[^\W_]+['’]s\b", q) + re.findall(r"[\"“]([^\"”]+)[\"”]", q)
    return ds.docs, qs + sorted(set(extra))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", required=True, help="an empty PostgreSQL database (postgresql://...)")
    ap.add_argument("--work-dir", type=Path, default=None)
    args = ap.parse_args(argv)
    for k in [k for k in os.environ if k.startswith("ASSISTANT_")]:
        del os.environ[k]
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from assistant import Assistant
    from assistant.library.access import open_library
    from assistant.retrieve import lexical
    from assistant.retrieve.filters import Filters
    from assistant.settings import Settings

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="lexical-parity-"))
    sides = {"sqlite": Settings.load(work / "sqlite", embedder="hash"),
             "postgresql": Settings.load(work / "pg", embedder="hash", library_url=args.library)}
    docs, qs = dataset()
    corpus = work / "realtimeqa-corpus.jsonl"
    corpus.parent.mkdir(parents=True, exist_ok=True)
    corpus.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    for name, cfg in sides.items():
        r = Assistant(settings=cfg).ingest([str(corpus)])
        print(f"{name}: {r.added} added", flush=True)
    libs = {name: open_library(cfg) for name, cfg in sides.items()}
    same = differ = 0
    try:
        n = libs["sqlite"].conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        print(f"{n} chunks; {len(qs)} questions (possessives and quoted phrases alone included)")
        for q in qs:
            for limit in (5, 100):
                a, b = (lexical.search(libs[s].conn, q, Filters(include_undated=True), limit) for s in ("sqlite", "postgresql"))
                ok = [c for c, _ in a] == [c for c, _ in b] and all(abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300) for (_, x), (_, y) in zip(a, b))
                same += ok
                differ += not ok
                if not ok:
                    print(f"DIFFERS at limit {limit}: {q}")
    finally:
        for lib in libs.values():
            lib.close()
    print(f"rankings identical: {same}, different: {differ}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
