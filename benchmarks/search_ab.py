"""Search latency of two checkouts interleaved on one machine: this one and a baseline.

A shared, noisy machine makes two runs minutes apart incomparable, so the two sides alternate
(baseline, this, this, baseline, ...), each a fresh process timing ``time_modes`` of its own
benchmarks/search_latency.py (50 questions, k=5, query embedding excluded) on an existing library,
and the load average is printed with every run. The summary gives, per mode, the median over
rounds of each side's p50 and p95 and the median of the per-round ratios baseline / this.

    python benchmarks/search_ab.py --baseline DIR --library postgresql://USER@HOST:PORT/DB \\
        [--baseline-library URL] --chroma-url http://HOST:PORT --rounds 3 [--modes lexical,dense,hybrid]

DIR is a checkout of the other version (e.g. ``git archive main | tar -x -C DIR``); a library at
a newer schema than the baseline reads is given to it as --baseline-library (a copy made with
``CREATE DATABASE ... TEMPLATE``, the rest as before).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_SIDE = r"""
import os, sys
sys.path.insert(0, os.getcwd())
from pathlib import Path
from benchmarks.search_latency import base_docs, time_modes, use_hash384
from assistant.settings import Settings
from assistant.library.access import open_library
Hash384 = use_hash384()
home = Path(sys.argv[1])
cfg = Settings.load(home, embedder="hash384")
_, questions = base_docs()
with open_library(cfg) as lib:
    print("chunks", lib.counts()["chunks"], flush=True)
    time_modes(lib, cfg, Hash384(), questions[: int(sys.argv[2])], [], "side", modes=tuple(sys.argv[3].split(",")))
"""


def load() -> str:
    return open("/proc/loadavg").read().split()[0] if os.path.exists("/proc/loadavg") else "?"


def run_side(code: Path, library: str, chroma: str, home: Path, queries: int, modes: str) -> dict:
    """{mode: (p50, p95)} of one process of the checkout `code`."""
    env = {**os.environ, "ASSISTANT_LIBRARY_URL": library, "ASSISTANT_CHROMA_URL": chroma, "ASSISTANT_HOME": str(home),
           "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", _SIDE, str(home), str(queries), modes], cwd=code, env=env,
                         capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "side":
            # "side MODE p50 p95 p50incl p95incl" (a mode may have spaces: the numbers are the last four)
            found[" ".join(parts[1:-4])] = (float(parts[-4]), float(parts[-3]))
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", type=Path, required=True, help="a checkout of the other version")
    ap.add_argument("--library", required=True, help="the PostgreSQL library this checkout searches")
    ap.add_argument("--baseline-library", default="", help="the library the baseline searches (default: --library)")
    ap.add_argument("--chroma-url", default="")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--modes", default="lexical,dense,hybrid")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="search-ab-"))
    sides = {"baseline": (args.baseline.resolve(), args.baseline_library or args.library), "this": (REPO, args.library)}
    results: dict[str, list[dict]] = {"baseline": [], "this": []}
    for r in range(args.rounds):
        order = ["baseline", "this"] if r % 2 == 0 else ["this", "baseline"]
        for side in order:
            code, library = sides[side]
            before = load()
            got = run_side(code, library, args.chroma_url, work / side, args.queries, args.modes)
            results[side].append(got)
            print(f"round {r + 1} {side:8} load {before} -> {load()}  " +
                  "  ".join(f"{m} {p50:.1f}/{p95:.1f}" for m, (p50, p95) in got.items()), flush=True)
    print(f"\nmedians over {args.rounds} rounds (ms, p50 / p95), and baseline / this per round, median:")
    for mode in results["this"][0]:
        med = {s: [statistics.median(x[mode][i] for x in results[s]) for i in (0, 1)] for s in results}
        ratios = [statistics.median(b[mode][i] / t[mode][i] for b, t in zip(results["baseline"], results["this"])) for i in (0, 1)]
        print(f"{mode:18} baseline {med['baseline'][0]:7.1f} / {med['baseline'][1]:7.1f}   this {med['this'][0]:7.1f} / "
              f"{med['this'][1]:7.1f}   ratio {ratios[0]:.2f}x / {ratios[1]:.2f}x")


if __name__ == "__main__":
    main()
