"""Tokens and calls of the briefing map-reduce path on a 100-article corpus with the fake model,
against the dry-run estimate.

    python benchmarks/brief_mapreduce.py [--articles 100] [--context-window 8192]

The corpus is the first N realtimeqa documents (read in place), or the seeds repeated when the
data is absent; chunks are embedded with the hash embedder (embedding plays no part here).
Token counts are the fake server's (whitespace words), the estimate is tiktoken's: the ratio
between them is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "realtimeqa"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--context-window", type=int, default=8192)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from tests.fakes.openai_server import FakeOpenAIServer

    work = Path(tempfile.mkdtemp(prefix="brief-bench-"))
    os.environ.update(ASSISTANT_HOME=str(work / "home"), ASSISTANT_EMBEDDER="hash", OPENAI_API_KEY="x",
                      ASSISTANT_CONTEXT_WINDOW=str(args.context_window))
    from assistant import Assistant
    from assistant.evaluation import realtimeqa
    from assistant.settings import Settings

    docs = realtimeqa.load(DATA).docs[: args.articles]
    src = work / "corpus.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in docs))
    Assistant(settings=Settings.load()).ingest([str(src)])
    with FakeOpenAIServer() as server:
        os.environ.update(ASSISTANT_MODEL="fake-model", ASSISTANT_BASE_URL=server.url + "/v1")
        with Assistant() as a:
            dry = a.brief(None, dry_run=True).usage["estimate"]
            real = a.brief(None)
            calls = len([q for q in server.requests if q.path.endswith("/chat/completions")])
        sent_tokens = None
        try:
            from assistant.tokens import count_tokens

            sent_tokens = sum(count_tokens(m["content"]) for q in server.requests if q.path.endswith("/chat/completions") for m in q.body["messages"])
        except Exception:
            pass
    print(f"articles: {len(docs)}, context window {args.context_window} tokens")
    print(f"estimate: {dry['calls']} calls ({dry['groups']} map groups + 1 reduce), {dry['prompt_tokens']} prompt + {dry['completion_tokens']} completion tokens")
    print(f"actual:   {calls} calls; prompt tokens sent (tiktoken): {sent_tokens}; "
          f"server-reported usage (words): {real.usage['prompt_tokens']} prompt + {real.usage['completion_tokens']} completion")
    if sent_tokens:
        print(f"prompt tokens sent / estimated: {sent_tokens / dry['prompt_tokens']:.2f}")
    print(f"briefing: {len(real.sentences)} sentences, {len(real.citations)} citations, all supported: {all(s.supported for s in real.sentences)}")


if __name__ == "__main__":
    main()
