"""Load: many concurrent `ask` calls through the Python API against one library.

One `Assistant` (one library, one embedder, one vector index) is shared by 1, 4 and 16 client
threads; each thread asks questions about the bundled seeds as fast as it can, with the extractive
engine and with the LLM engine against the fake OpenAI-compatible server (cite mode: it answers
at once, so the figures are the pipeline's own cost). Measured: throughput, p50 and p95 latency,
errors, and mix-ups. Before the load, every question is asked once alone; under load each answer
must be identical to its question's reference (same question, same answer text, same citation
ids, same refusal), so an answer that carries another question's citations counts as mixed up.

Threads share one interpreter: the GIL serialises the Python parts (retrieval glue, the citation
check, JSON), while SQLite, ONNX Runtime (local embedder), Chroma's Rust core and socket I/O
release it; so throughput grows with clients only as far as those parts allow.

    python benchmarks/load.py                       # hash embedder, 96 requests per level
    python benchmarks/load.py --embedder local --requests 160 --json

Exits 1 on any error or mix-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def questions() -> list[str]:
    data = json.loads((REPO / "assistant" / "evaluation" / "seeds_questions.json").read_text())
    return [q["q"] for q in data["questions"]] + ["What is the airspeed of an unladen swallow?"]  # one refusal in the mix


def fingerprint(ans) -> tuple:
    return (ans.question, ans.refused, ans.answer, tuple(c.id for c in ans.citations), tuple(tuple(s.citations) for s in ans.sentences))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--requests", type=int, default=96, help="ask calls per engine and client count")
    ap.add_argument("--engines", nargs="+", default=["extractive", "llm"], choices=["extractive", "llm"])
    ap.add_argument("--embedder", default="hash", help="hash (default, no model) or local (MiniLM ONNX)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from assistant import Assistant
    from assistant.settings import Settings
    from tests.fakes.openai_server import FakeOpenAIServer

    for k in [k for k in os.environ if k.startswith("ASSISTANT_")]:
        del os.environ[k]
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    home = Path(tempfile.mkdtemp(prefix="load-"))
    cfg = Settings.load(home, embedder=args.embedder)
    report = Assistant(settings=cfg).ingest([str(REPO / "seeds")])
    qs = questions()
    rows, failures = [], 0
    with FakeOpenAIServer() as fake:
        os.environ["OPENAI_API_KEY"] = "sk-load-test"
        for engine in args.engines:
            settings = Settings.load(home, embedder=args.embedder, model="fake-model" if engine == "llm" else None,
                                     base_url=fake.url + "/v1", llm_retries=0, llm_timeout=30)
            with Assistant(settings=settings) as a:
                ref = {q: fingerprint(a.ask(q, engine=engine)) for q in qs}  # alone, one at a time
                for clients in args.clients:
                    latencies: list[float] = []
                    errors: list[str] = []
                    mixups: list[str] = []
                    lock = threading.Lock()

                    def one(i: int):
                        q = qs[i % len(qs)]
                        t0 = time.perf_counter()
                        try:
                            ans = a.ask(q, engine=engine)
                        except Exception as exc:  # noqa: BLE001 - counted
                            with lock:
                                errors.append(f"{q}: {exc.__class__.__name__}: {exc}")
                            return
                        dt = time.perf_counter() - t0
                        with lock:
                            latencies.append(dt)
                            if fingerprint(ans) != ref[q]:
                                mixups.append(q)

                    t0 = time.perf_counter()
                    with ThreadPoolExecutor(max_workers=clients) as pool:
                        list(pool.map(one, range(args.requests)))
                    wall = time.perf_counter() - t0
                    row = {"engine": engine, "clients": clients, "requests": args.requests, "seconds": round(wall, 2),
                           "throughput": round(args.requests / wall, 1),
                           "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
                           "p95_ms": round(1000 * pct(latencies, 95), 1) if latencies else None,
                           "errors": len(errors), "mixups": len(mixups), "error_samples": errors[:3], "mixup_samples": mixups[:3]}
                    rows.append(row)
                    failures += len(errors) + len(mixups)
                    print(f"{engine:10} clients {clients:2}: {row['throughput']:6.1f} asks/s  p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
                          f"errors {len(errors)}  mixed up {len(mixups)}  ({args.requests} asks in {wall:.1f} s)", flush=True)
                    for e in errors[:3]:
                        print("   error:", e[:300], file=sys.stderr)
    meta = {"embedder": args.embedder, "articles": report.added, "questions": len(qs), "cpus": os.cpu_count(),
            "python": sys.version.split()[0], "gil": "enabled" if getattr(sys, "_is_gil_enabled", lambda: True)() else "disabled"}
    print(f"({meta['articles']} articles, {meta['questions']} distinct questions, embedder {meta['embedder']}, {meta['cpus']} CPUs, "
          f"Python {meta['python']}, GIL {meta['gil']}; one shared Assistant)")
    if args.json:
        print(json.dumps({"meta": meta, "rows": rows}, indent=2))
    import shutil

    shutil.rmtree(home, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
