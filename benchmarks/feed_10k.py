"""A 10,000-entry RSS feed: ingest time, entries/s and peak memory, then `update` with nothing new.

    python benchmarks/feed_10k.py [--entries 10000] [--embedder hash|local]

The feed is generated (each entry carries 60+ words of content, so no entry page is fetched)
and served from a loopback http.server; ingest goes through `assistant ingest URL --max-entries N`
in a subprocess, as a user would run it.
"""

from __future__ import annotations

import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORDS = ("council budget river bridge storm election court minister school hospital police market "
         "energy water vote report city village farmers workers union strike ruling appeal").split()


def feed(n: int) -> bytes:
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    items = []
    for i in range(n):
        w = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(70)]
        body = f"Story {i} reports on the {w[0]} and the {w[1]}. " + " ".join(w) + f". Officials said item {i} was final."
        items.append(f"<item><title>Story {i}: {w[0]} {w[1]}</title><link>http://127.0.0.1/story/{i}</link>"
                     f"<guid>story-{i}</guid><pubDate>{format_datetime(start + timedelta(minutes=i))}</pubDate>"
                     f"<description>{body}</description></item>")
    return ("<?xml version='1.0'?><rss version='2.0'><channel><title>Bench feed</title><link>http://127.0.0.1/</link>"
            "<description>generated</description>" + "".join(items) + "</channel></rss>").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--embedder", default="hash")
    args = ap.parse_args()
    body = feed(args.entries)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    home = tempfile.mkdtemp(prefix="feed-bench-")
    env = {**os.environ, "ASSISTANT_HOME": home, "ASSISTANT_EMBEDDER": args.embedder}
    cmd = [sys.executable, "-c",
           "import resource, runpy, sys; sys.argv=['assistant'] + sys.argv[1:];"
           "import assistant.cli as c;\ntry:\n    c.main()\nfinally:\n"
           "    print('peak_rss_mb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, file=sys.stderr)"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd + ["ingest", url, "--max-entries", str(args.entries), "--json"], env=env, capture_output=True, text=True, cwd=REPO)
    took = time.perf_counter() - t0
    import json

    doc = json.loads(p.stdout)
    peak = [l for l in p.stderr.splitlines() if l.startswith("peak_rss_mb")]
    print(f"feed: {args.entries} entries, {len(body) / 1e6:.1f} MB; embedder {args.embedder}")
    print(f"ingest: exit {p.returncode}, added {doc.get('added')}, failed {doc.get('failed')}, {took:.1f} s, "
          f"{(doc.get('added') or 0) / took:.0f} entries/s, {peak[0] if peak else ''}")
    t0 = time.perf_counter()
    p2 = subprocess.run(cmd + ["update", "--json"], env=env, capture_output=True, text=True, cwd=REPO)
    doc2 = json.loads(p2.stdout) if p2.stdout.strip().startswith("{") else {}
    print(f"update with nothing new: exit {p2.returncode}, added {doc2.get('added')}, unchanged {doc2.get('unchanged')}, {time.perf_counter() - t0:.1f} s")
    server.shutdown()


if __name__ == "__main__":
    main()
