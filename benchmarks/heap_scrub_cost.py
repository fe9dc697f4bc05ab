"""What zeroing heap blocks (glibc M_PERTURB, assistant/vectors/heap.py) costs an ingest.

Runs `assistant ingest` of the realtimeqa corpus (or the bundled seeds) into a fresh data directory,
in a new process each time, alternately with the scrubbing on (as shipped) and off (the function
replaced by a no-op in that process), and prints the median CPU time (all threads), wall time and
peak memory of each (CPU time is the steadier figure on a shared machine).

    python benchmarks/heap_scrub_cost.py [--data ../shared/data/realtimeqa] [--embedder hash|local] [--runs 3] [--limit N]

The data is read in place and written to a temporary JSONL file outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# the CLI, after (for "off") replacing the scrubbing with a no-op; prints its max RSS and CPU seconds last
RUN = """
import atexit, resource, sys
if sys.argv[1] == "off":
    import assistant.vectors.heap as heap
    heap.zero_fresh_heap_blocks = lambda: False
def usage():
    r = resource.getrusage(resource.RUSAGE_SELF)  # all threads: Chroma's and onnxruntime's too
    print("usage", r.ru_maxrss, r.ru_utime + r.ru_stime, file=sys.stderr)
atexit.register(usage)
sys.argv = ["assistant", *sys.argv[2:]]
from assistant.cli import main
main()
"""


def source(args, tmp: Path) -> Path:
    if args.data is None:
        return REPO / "seeds"
    if not (args.data / "gold.jsonl").exists():
        sys.exit(f"no realtimeqa data at {args.data}")
    sys.path.insert(0, str(REPO))
    from assistant.evaluation import realtimeqa

    docs = realtimeqa.load(args.data).docs
    if args.limit:
        docs = docs[: args.limit]
    src = tmp / "corpus.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    return src


def one(mode: str, src: Path, tmp: Path, embedder: str) -> tuple[float, float, int]:
    home = tmp / f"home-{mode}"
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "ASSISTANT_EMBEDDER": embedder, "PYTHONPATH": str(REPO)}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", RUN, mode, "--data-dir", str(home), "ingest", str(src), "--json"],
                       env=env, cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(p.stderr[-2000:])
    rss, cpu = p.stderr.rsplit("usage", 1)[1].split()[:2]
    return seconds, float(cpu), int(rss)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=None, help="realtimeqa folder (default: the bundled seeds)")
    ap.add_argument("--embedder", default="hash")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="only the first N realtimeqa documents")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="heap-scrub-bench-"))
    try:
        src = source(args, tmp)
        got: dict[str, list[tuple[float, float, int]]] = {"on": [], "off": []}
        for i in range(args.runs):
            for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):  # interleaved: the VM is noisy
                got[mode].append(one(mode, src, tmp, args.embedder))
        print(f"ingest of {src.name} with the {args.embedder} embedder, {args.runs} runs each, interleaved")
        for mode in ("off", "on"):
            wall, cpu = [w for w, _, _ in got[mode]], [c for _, c, _ in got[mode]]
            print(f"  scrubbing {mode:3}: CPU median {statistics.median(cpu):.2f} s ({', '.join(f'{c:.2f}' for c in cpu)});"
                  f" wall median {statistics.median(wall):.2f} s ({', '.join(f'{w:.2f}' for w in wall)});"
                  f" max RSS {max(r for _, _, r in got[mode]) / 1024:.0f} MB")
        off, on = (statistics.median(c for _, c, _ in got[m]) for m in ("off", "on"))
        print(f"  CPU difference: {on - off:+.2f} s ({(on - off) / off:+.1%})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
