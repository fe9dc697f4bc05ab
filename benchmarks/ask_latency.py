"""Latency of `ask`: cold (a new process per question) and warm (one process, the Python API),
for the extractive engine and the LLM engine against the fake OpenAI-compatible server.

    python benchmarks/ask_latency.py [--runs 5]

Uses a temporary library of the bundled seeds with the default local embedder. The fake
server answers instantly, so the LLM figures are the pipeline's own cost (retrieval, prompt,
HTTP through the openai client, parsing, citation check), not a model's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Which nerve agent poisoned Alexei Navalny?",
    "Who became governor of Puerto Rico after the Supreme Court ruling?",
    "What rating did asteroid 2004 MN4 reach on the Torino scale?",
    "How many people died in the New Hampshire crash?",
    "Who did Jim Mattis meet in Pakistan?",
]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.fakes.openai_server import FakeOpenAIServer

    home = Path(tempfile.mkdtemp(prefix="ask-bench-"))
    env = {**os.environ, "ASSISTANT_HOME": str(home), "ASSISTANT_EMBEDDER": "local", "OPENAI_API_KEY": "x"}
    env.pop("ASSISTANT_MODEL", None)
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "--seeds"], env=env, capture_output=True, check=True)
    with FakeOpenAIServer() as server:
        llm_env = {**env, "ASSISTANT_MODEL": "fake-model", "ASSISTANT_BASE_URL": server.url + "/v1"}
        print(f"{'engine':11} {'cold p50':>9} {'cold max':>9} {'warm p50':>9} {'warm p95':>9}")
        for name, e in (("extractive", env), ("llm (fake)", llm_env)):
            cold = []
            for i in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "assistant.cli", "ask", QUESTIONS[i % len(QUESTIONS)], "--json"], env=e, capture_output=True)
                cold.append(time.perf_counter() - t0)
            os.environ.update(e)
            if name == "extractive":
                os.environ.pop("ASSISTANT_MODEL", None)
            from assistant import Assistant

            warm = []
            with Assistant() as a:
                a.ask(QUESTIONS[0])  # load the model and the index
                for i in range(args.runs * 4):
                    t0 = time.perf_counter()
                    a.ask(QUESTIONS[i % len(QUESTIONS)])
                    warm.append(time.perf_counter() - t0)
            print(f"{name:11} {statistics.median(cold):>8.2f}s {max(cold):>8.2f}s {1000 * statistics.median(warm):>7.0f}ms {1000 * pct(warm, 95):>7.0f}ms")


if __name__ == "__main__":
    main()
