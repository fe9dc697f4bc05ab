"""Export and import of the realtimeqa corpus: time, file size, and whether the rebuilt library
answers `sources` and `show` (every revision) exactly as the original.

    python benchmarks/export_roundtrip.py --data ../shared/data/realtimeqa [--embedder hash]

Ingests the corpus into a temporary data directory, exports it (`assistant export -o`), imports the
file into a second one (`assistant import`, which re-chunks and re-embeds), then compares the two
through the Python API. The hash embedder (default) keeps the model out of what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(env: dict, *args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant.cli", *args], check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the realtimeqa directory")
    ap.add_argument("--embedder", default="hash")
    args = ap.parse_args()
    if not args.data.exists():
        print(f"no data at {args.data}: nothing measured", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    from assistant import Assistant
    from assistant.evaluation import realtimeqa

    env = {**os.environ, "ASSISTANT_EMBEDDER": args.embedder, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        docs = realtimeqa.load(args.data).docs
        corpus = tmp / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(d) + "\n" for d in docs))
        a, b, dump = tmp / "a", tmp / "b", tmp / "library.jsonl"
        t_ingest = run(env, "--data-dir", str(a), "ingest", str(corpus))
        t_export = run(env, "--data-dir", str(a), "export", "-o", str(dump))
        t_import = run(env, "--data-dir", str(b), "import", str(dump))
        os.environ["ASSISTANT_EMBEDDER"] = args.embedder
        with Assistant(a) as x, Assistant(b) as y:
            same_sources = x.sources().to_dict() == y.sources().to_dict()
            compared = differ = 0
            for art in x.sources():
                for r in x.show(art.article_id).revisions:
                    compared += 1
                    differ += x.show(art.article_id, r.revision).to_dict() != y.show(art.article_id, r.revision).to_dict()
        print(json.dumps({
            "documents": len(docs), "embedder": args.embedder, "export_bytes": dump.stat().st_size,
            "ingest_s": round(t_ingest, 2), "export_s": round(t_export, 2), "import_s": round(t_import, 2),
            "sources_identical": same_sources, "revisions_compared": compared, "revisions_differing": differ,
        }, indent=2))
    return 0 if same_sources and not differ else 1


if __name__ == "__main__":
    raise SystemExit(main())
