"""The ten seed questions asked of a real model through `assistant ask` at default settings
(outside CI): right answers, refusals, and when the first checked sentence reached the screen.

    shared/tools/real-llm.sh serve 8081 qwen15
    python benchmarks/seeds_model.py --base-url http://127.0.0.1:8081/v1 --model qwen15 [--json out.json]

Each question runs `python -m assistant.cli ask QUESTION --model M --base-url U` in a fresh
process on a terminal-like pipe; "first sentence" is the time from starting the process to the
first line on stdout (a checked, cited sentence: nothing unchecked is printed). Right = a word
of the question's accepted answers in the first supported sentence; unanswerable questions are
right when refused (exit 3).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--model", default="qwen15")
    ap.add_argument("--data-dir", type=Path, help="a library holding the seeds (default: a new one, hash-free local embedder)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    spec = json.loads((REPO / "assistant" / "evaluation" / "seeds_model_questions.json").read_text())
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENAI_API_KEY="not-needed")
    home = args.data_dir or Path(tempfile.mkdtemp(prefix="seeds-model-"))
    if not args.data_dir:
        subprocess.run([sys.executable, "-m", "assistant.cli", "--data-dir", str(home), "ingest", "--seeds"], env=env, cwd=REPO, check=True,
                       capture_output=True)
    rows = []
    for q in spec["questions"]:
        cmd = [sys.executable, "-m", "assistant.cli", "--data-dir", str(home), "ask", q["q"], "--model", args.model, "--base-url", args.base_url, "-v"]
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        first, lines = None, []
        for line in p.stdout:
            if first is None and line.strip():
                first = time.perf_counter() - t0
            lines.append(line.rstrip("\n"))
        stderr = p.stderr.read()
        code = p.wait()
        total = time.perf_counter() - t0
        body = [l for l in lines if l.strip() and not l.startswith("Sources:")]
        answer_lines = body[: body.index("") if "" in body else len(body)]
        first_line = next((l for l in lines if l.strip()), "")
        refused = code == 3
        if q["accept"] is None:
            right = refused
        else:
            right = (not refused) and "(not supported" not in first_line and any(
                re.search(r"(?<![\w])" + re.escape(a.lower()) + r"(?![\w])", first_line.lower()) for a in q["accept"])
        rows.append({"question": q["q"], "answerable": q["accept"] is not None, "right": right, "refused": refused, "exit": code,
                     "first_sentence_seconds": round(first, 1) if first is not None and not refused else None,
                     "seconds": round(total, 1), "first_line": first_line, "stderr_tail": stderr.strip().splitlines()[-1:] if stderr.strip() else [],
                     "raw_reply": stderr.split("----- model reply (raw) -----\n", 1)[1].rsplit("\n(", 1)[0] if "model reply (raw)" in stderr else None})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    ans = [r for r in rows if r["answerable"]]
    un = [r for r in rows if not r["answerable"]]
    firsts = sorted(r["first_sentence_seconds"] for r in rows if r["first_sentence_seconds"] is not None)
    summary = {"answerable_right": f"{sum(r['right'] for r in ans)}/{len(ans)}", "unanswerable_refused": f"{sum(r['refused'] for r in un)}/{len(un)}",
               "first_sentence_seconds": firsts, "max_first_sentence_seconds": firsts[-1] if firsts else None}
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
