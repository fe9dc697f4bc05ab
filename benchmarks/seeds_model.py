"""The ten seed questions asked of a real model through `assistant ask` at default settings
(outside CI): right answers, refusals, and when the first checked sentence reached the screen.

    shared/tools/real-llm.sh serve 8081 qwen15
    python benchmarks/seeds_model.py --base-url http://127.0.0.1:8081/v1 --model qwen15 [--json out.json]

Each question runs `python -m assistant.cli ask QUESTION --model M --base-url U` in a fresh
process on a terminal-like pipe; "first sentence" is the time from starting the process to the
first line on stdout (a checked, cited sentence: nothing unchecked is printed). Right = a word
of the question's accepted answers in the first supported sentence; unanswerable questions are
right when refused (exit 3).

Where the seconds go: each row keeps the load average before the question, the CLI's own
timings (``-v``: retrieval and context, the model's first token, the first sentence on screen,
counted from the command's start) and, with ``--server-log`` (llama-cpp-python's server log,
e.g. /tmp/real-llm/server-8081.log), what llama.cpp logged for the request: the prompt tokens
its prefix cache held, the tokens it still had to read and how fast, and the tokens it wrote.
``quiet_first_sentence_seconds`` puts the prompt reading at ``--quiet-rate`` tokens/s (the
machine's rate with nothing else running, ENVIRONMENT.md: about 20) and leaves the rest as
measured.

Figures that do not depend on the machine's load (``reply_tokens``): the tokens the model wrote
before its first sentence object was complete (the earliest a checked sentence can reach the
screen), before its sentences began (the short answer and the JSON around it), and in all; the
raw reply re-tokenized by the server's own tokenizer (llama-cpp-python's ``/extras/tokenize``),
else counted with tiktoken (``"tokenizer": "cl100k"``). With ``--prompts-dir`` the CLI reads its
prompt templates from there (``ASSISTANT_PROMPTS_DIR``), so two prompts can be compared on one
server and one library.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
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
    ap.add_argument("--server-log", type=Path, help="llama-cpp-python's server log: its timings per request")
    ap.add_argument("--quiet-rate", type=float, default=20.0, help="prompt tokens/s on a quiet machine (for the estimate)")
    ap.add_argument("--prompts-dir", type=Path, help="prompt templates to use instead of the shipped ones (e.g. an older system_json.txt)")
    ap.add_argument("--retokenize", type=Path, help="add reply_tokens to the rows of an earlier result file (its raw replies) and print them; no questions asked")
    args = ap.parse_args()
    if args.retokenize:
        old = json.loads(args.retokenize.read_text())
        for r in old["rows"]:
            r["reply_tokens"] = reply_tokens(r["raw_reply"], args.base_url, args.model) if r.get("raw_reply") else None
            print(json.dumps({"question": r["question"], "reply_tokens": r["reply_tokens"]}, ensure_ascii=False))
        if args.json:
            args.json.write_text(json.dumps(old, indent=1, ensure_ascii=False) + "\n")
        return
    spec = json.loads((REPO / "assistant" / "evaluation" / "seeds_model_questions.json").read_text())
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENAI_API_KEY="not-needed")
    if args.prompts_dir:
        env["ASSISTANT_PROMPTS_DIR"] = str(args.prompts_dir.resolve())
    home = args.data_dir or Path(tempfile.mkdtemp(prefix="seeds-model-"))
    if not args.data_dir:
        subprocess.run([sys.executable, "-m", "assistant.cli", "--data-dir", str(home), "ingest", "--seeds"], env=env, cwd=REPO, check=True,
                       capture_output=True)
    rows = []
    for q in spec["questions"]:
        cmd = [sys.executable, "-m", "assistant.cli", "--data-dir", str(home), "ask", q["q"], "--model", args.model, "--base-url", args.base_url, "-v"]
        log_at = args.server_log.stat().st_size if args.server_log and args.server_log.exists() else 0
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        first, lines, at = None, [], []
        for line in p.stdout:
            if line.strip():
                at.append(round(time.perf_counter() - t0, 1))
            if first is None and line.strip():
                first = time.perf_counter() - t0
            lines.append(line.rstrip("\n"))
        stderr = p.stderr.read()
        code = p.wait()
        total = time.perf_counter() - t0
        server = _server_timings(args.server_log, log_at) if args.server_log else None
        cli = _cli_timings(stderr)
        raw = stderr.split("----- model reply (raw) -----\n", 1)[1].split("\n----- timings -----", 1)[0].rsplit("\n(", 1)[0] if "model reply (raw)" in stderr else None
        answer_lines = lines[: lines.index("") if "" in lines else len(lines)]  # before "\nSources:"
        first_line = next((l for l in lines if l.strip()), "")
        refused = code == 3
        if q["accept"] is None:
            right = refused
        else:
            right = (not refused) and "(not supported" not in first_line and any(
                re.search(r"(?<![\w])" + re.escape(a.lower()) + r"(?![\w])", first_line.lower()) for a in q["accept"])
        rows.append({"question": q["q"], "answerable": q["accept"] is not None, "right": right, "refused": refused, "exit": code,
                     "first_sentence_seconds": round(first, 1) if first is not None and not refused else None,
                     "seconds": round(total, 1), "load_average": round(load, 2), "line_seconds": at[:4], "cli_timings": cli, "server": server,
                     "quiet_first_sentence_seconds": _quiet(first, server, args.quiet_rate) if first is not None and not refused else None,
                     "reply_tokens": reply_tokens(raw, args.base_url, args.model) if raw else None,
                     "prompt_tokens": (server["cached_prompt_tokens"] + server["prompt_tokens_read"]) if server and "cached_prompt_tokens" in server else None,
                     "first_line": first_line, "answer_lines": answer_lines, "stderr_tail": stderr.strip().splitlines()[-1:] if stderr.strip() else [],
                     "raw_reply": raw})
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    ans = [r for r in rows if r["answerable"]]
    un = [r for r in rows if not r["answerable"]]
    firsts = sorted(r["first_sentence_seconds"] for r in rows if r["first_sentence_seconds"] is not None)
    quiet = sorted(r["quiet_first_sentence_seconds"] for r in rows if r["quiet_first_sentence_seconds"] is not None)
    rates = [r["server"]["prompt_tokens_per_s"] for r in rows if r.get("server") and r["server"].get("prompt_tokens_per_s")]
    summary = {"answerable_right": f"{sum(r['right'] for r in ans)}/{len(ans)}", "unanswerable_refused": f"{sum(r['refused'] for r in un)}/{len(un)}",
               "first_sentence_seconds": firsts, "max_first_sentence_seconds": firsts[-1] if firsts else None,
               "within_30_s": f"{sum(1 for f in firsts if f <= 30)}/{len(firsts)}",
               "quiet_first_sentence_seconds": quiet, "quiet_within_30_s": f"{sum(1 for f in quiet if f <= 30)}/{len(quiet)}" if quiet else None,
               "load_average": [min(r["load_average"] for r in rows), max(r["load_average"] for r in rows)],
               "prompt_tokens_per_s": [min(rates), max(rates)] if rates else None,
               "prompt_dir": str(args.prompts_dir) if args.prompts_dir else None}
    for key in ("before_first_sentence", "before_sentences", "total"):  # tokens written, answered questions only
        got = sorted(r["reply_tokens"][key] for r in rows if r["answerable"] and r.get("reply_tokens") and r["reply_tokens"].get(key) is not None)
        summary[f"tokens_{key}"] = {"median": statistics.median(got), "min": got[0], "max": got[-1], "sum": sum(got)} if got else None
    prompts = sorted(r["prompt_tokens"] for r in rows if r.get("prompt_tokens"))
    summary["prompt_tokens"] = {"median": statistics.median(prompts), "min": prompts[0], "max": prompts[-1]} if prompts else None
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=1, ensure_ascii=False) + "\n")


def first_sentence_end(raw: str) -> int | None:
    """Where the reply's first sentence object ends (its closing brace), or None (no JSON sentence)."""
    m = re.search(r'"sentences"\s*:\s*\[\s*', raw)
    if not m or m.end() >= len(raw) or raw[m.end()] != "{":
        return None
    try:
        _, end = json.JSONDecoder().raw_decode(raw, m.end())
    except ValueError:
        return None
    return end


def reply_tokens(raw: str, base_url: str, model: str) -> dict:
    """Tokens of the raw reply: before its first sentence was complete, before its sentences
    began (``"sentences": [``), and in all (the server's tokenizer when it has one)."""
    count, how = _counter(base_url, model)
    m = re.search(r'"sentences"\s*:\s*\[', raw)
    end = first_sentence_end(raw)
    return {"tokenizer": how, "total": count(raw), "before_sentences": count(raw[: m.end()]) if m else None,
            "before_first_sentence": count(raw[:end]) if end else None}


_COUNTERS: dict = {}


def _counter(base_url: str, model: str):
    if (base_url, model) in _COUNTERS:
        return _COUNTERS[(base_url, model)]
    import urllib.request

    def server(text: str) -> int:
        req = urllib.request.Request(base_url.rstrip("/").removesuffix("/v1") + "/extras/tokenize", method="POST",
                                     data=json.dumps({"input": text, "model": model}).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return len(json.loads(r.read())["tokens"])

    try:
        bos = server("")  # a BOS token the tokenizer adds to every input is not written by the model
        out = (lambda text: server(text) - bos), "server"
    except Exception:
        sys.path.insert(0, str(REPO))
        from assistant.tokens import count_tokens

        out = count_tokens, "cl100k"
    _COUNTERS[(base_url, model)] = out
    return out


def _server_timings(log: Path, offset: int) -> dict | None:
    """What llama-cpp-python's server logged for the requests since ``offset`` (the last one)."""
    try:
        with open(log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return None
    out: dict = {"requests": text.count("Llama.generate:") or text.count("prompt eval time")}
    m = re.findall(r"Llama.generate: (\d+) prefix-match hit, remaining (\d+) prompt tokens", text)
    if m:
        out["cached_prompt_tokens"], out["prompt_tokens_read"] = int(m[-1][0]), int(m[-1][1])
    m = re.findall(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens.*?([\d.]+) tokens per second", text)
    if m:
        out["prompt_seconds"], out["prompt_tokens_read"], out["prompt_tokens_per_s"] = round(float(m[-1][0]) / 1000, 2), int(m[-1][1]), float(m[-1][2])
    m = re.findall(r"\beval time =\s*([\d.]+) ms /\s*(\d+) runs.*?([\d.]+) tokens per second", text)
    if m:
        out["write_seconds"], out["tokens_written"], out["write_tokens_per_s"] = round(float(m[-1][0]) / 1000, 2), int(m[-1][1]), float(m[-1][2])
    m = re.findall(r"total time =\s*([\d.]+) ms", text)
    if m:
        out["total_seconds"] = round(float(m[-1]) / 1000, 2)
    return out


def _cli_timings(stderr: str) -> dict:
    """The ``-v`` timings line: seconds from the command's start (after start-up)."""
    line = stderr.split("----- timings -----\n", 1)[1].splitlines()[0] if "----- timings -----" in stderr else ""
    out = {}
    for key, pattern in (("context", r"retrieval and context ([\d.]+) s"), ("first_token_after_request", r"first token ([\d.]+) s"),
                         ("first_sentence", r"first sentence on screen at ([\d.]+) s"), ("done", r"done at ([\d.]+) s")):
        m = re.search(pattern, line)
        if m:
            out[key] = float(m.group(1))
    return out


def _quiet(first: float, server: dict | None, rate: float) -> float | None:
    """The first sentence's time with the prompt read at ``rate`` tokens/s instead of as measured."""
    if not server or "prompt_seconds" not in server or server.get("requests", 0) != 1:
        return None
    return round(first - server["prompt_seconds"] + server["prompt_tokens_read"] / rate, 1)


if __name__ == "__main__":
    main()
