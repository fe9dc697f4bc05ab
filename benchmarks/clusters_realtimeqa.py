"""Copies and stories on the realtimeqa corpus, with samples to judge by hand; HTML extraction time.

    python benchmarks/clusters_realtimeqa.py [--data ../shared/data/realtimeqa] [--seed 7] [--sample 25]

1. Builds the corpus as benchmarks/ingest_throughput.py does (gold CNN articles plus the search
   results for the same questions; the same URL can appear with different scraped text, so each
   distinct (url, text) is its own document with an explicit id; the URL is kept in the text's
   metadata for the report, not as identity).
2. Ingests it into a temporary data directory. The chunks are embedded with the hash embedder
   (chunk embedding is not what is measured, and the local model would take ~10 minutes on
   6,000+ chunks); the story signatures are then recomputed with the local MiniLM embedder
   through the same code path `assistant ingest` uses (clusters.refresh), so the groups are
   exactly those a library built with the local embedder gets. `--embedder hash` shows the
   rules-heavy variant instead.
3. Prints the number of copy groups and stories, the same-URL pairs with their scores, and
   random samples of predicted copy pairs, predicted story pairs and near-miss pairs (within the
   window, some evidence, not grouped) for judging by hand.
4. Times HTML extraction: each document rendered into a simple news page (head metadata,
   navigation, byline, paragraphs, related links, footer), median and 90th percentile of
   load_html per page.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit


def corpus(data: Path) -> list[dict]:
    seen, out = set(), []
    for name in ("gold.jsonl", "gcs_top5_for_gold_questions.jsonl"):
        for line in open(data / name, encoding="utf-8"):
            rec = json.loads(line)
            for doc in rec.get("search_result") or []:
                text = (doc.get("text") or "").strip()
                if len(text.split()) < 30:
                    continue
                key = hashlib.sha1((doc.get("url", "") + "\x00" + text).encode()).hexdigest()
                if key in seen:
                    continue
                seen.add(key)
                out.append({"id": key[:16], "title": doc.get("title") or "", "text": text, "date": doc.get("publish_date") or "",
                            "source": urlsplit(doc.get("url", "")).hostname or "", "page_url": doc.get("url", ""), "question": rec.get("question_id", "")})
    return out


def page(doc: dict) -> str:
    paras = "".join(f"<p>{html.escape(p)}</p>\n" for p in doc["text"].split("\n\n") if p.strip())
    title = html.escape(doc["title"] or doc["text"].split("\n")[0][:80])
    date = (doc["date"] or "2022/06/01").replace("/", "-")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | {doc['source']}</title>
<meta property="og:site_name" content="{html.escape(doc['source'])}"><meta property="article:published_time" content="{date}T08:00:00Z">
<meta name="author" content="Staff Writer"></head><body>
<header><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/politics">Politics</a> | <a href="/business">Business</a></nav></header>
<main><article><h1>{title}</h1><p class="byline">By Staff Writer</p>
{paras}</article>
<aside><h2>Related</h2><ul><li><a href="/a">Another story you may like</a></li><li><a href="/b">Most read today</a></li></ul></aside></main>
<footer><p>© 2022 {html.escape(doc['source'])}. All rights reserved.</p><a href="/privacy">Privacy</a></footer></body></html>"""


def snippet(conn, aid: str, words: int = 28) -> str:
    r = conn.execute("SELECT title, published, source, text, metadata FROM revisions WHERE article_id=? ORDER BY revision DESC LIMIT 1", (aid,)).fetchone()
    lead = " ".join(r["text"].split()[:words])
    return f"[{r['published']} {r['source']}] {r['title'][:70]!r} :: {lead}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "realtimeqa")
    ap.add_argument("--embedder", default="local", help="embedder for the story vectors: local or hash")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=25)
    ap.add_argument("--pages", type=int, default=200, help="pages for the HTML timing")
    args = ap.parse_args()
    if not (args.data / "gold.jsonl").exists():
        sys.exit(f"no realtimeqa data at {args.data}")

    docs = corpus(args.data)
    tmp = Path(tempfile.mkdtemp(prefix="clusters-bench-"))
    src = tmp / "corpus.jsonl"
    src.write_text("\n".join(json.dumps({k: d[k] for k in ("id", "title", "text", "date", "source")}) for d in docs) + "\n")
    os.environ.update(ASSISTANT_HOME=str(tmp / "home"), ASSISTANT_EMBEDDER="hash")

    from assistant import Assistant
    from assistant.library.access import open_library
    from assistant.embed import build_embedder
    from assistant.library import news as news_rows
    from assistant.library.writer import Writer
    from assistant.news import clusters as C
    from assistant.settings import Settings

    t0 = time.perf_counter()
    report = Assistant(settings=Settings.load()).ingest([str(src)])
    print(f"documents: {len(docs)}, added {report.added}, failed {report.failed}, ingest {time.perf_counter() - t0:.1f} s (hash-embedded chunks)")
    cfg = Settings.load(embedder=args.embedder)
    lib = open_library(cfg)
    embedder = build_embedder(cfg)
    w = Writer(lib, embedder, None, cfg)
    t0 = time.perf_counter()
    info = C.refresh(lib, w.embed_texts, embedder.name, force=True)
    print(f"signatures with {embedder.name}: {info}, {time.perf_counter() - t0:.1f} s")
    print("groups:", news_rows.summary(lib.conn))
    from collections import Counter

    sizes = news_rows.story_sizes(lib.conn)
    print("story sizes (size: count):", dict(sorted(sizes.items())))

    sigs = C.load_signatures(lib)
    by_id = {s.article_id: s for s in sigs}
    weights = C.name_weights(sigs)
    lexical = embedder.name.startswith("hash")
    copy_of = dict(lib.conn.execute("SELECT article_id, group_id FROM copy_groups").fetchall())
    story = dict(lib.conn.execute("SELECT article_id, story_id FROM stories").fetchall())
    page_url = {"id:" + d["id"]: d["page_url"] for d in docs}
    url_of = {r[0]: page_url.get(r[1], "") for r in lib.conn.execute("SELECT article_id, identity FROM articles")}
    rng = random.Random(args.seed)

    def show(label, pairs):
        print(f"\n=== {label}: {len(pairs)} pairs" + (f", {min(len(pairs), args.sample)} sampled" if len(pairs) > args.sample else ""))
        for a, b in sorted(rng.sample(pairs, min(len(pairs), args.sample))):
            j, c = C.copy_score(by_id[a], by_id[b])
            sim, names, nums = C.pair_evidence(by_id[a], by_id[b], weights)
            print(f"- {a} {b} J={j:.2f} C={c:.2f} sim={sim if sim is None else round(sim, 2)} names={names:.1f} numbers={nums} days={C.day_distance(by_id[a], by_id[b])}"
                  f" shared={sorted(by_id[a].names & by_id[b].names)[:8]}")
            print(f"    A {snippet(lib.conn, a)}\n    B {snippet(lib.conn, b)}")

    ids = sorted(by_id)
    all_pairs = list(itertools.combinations(ids, 2))
    copy_pairs = [p for p in all_pairs if copy_of[p[0]] == copy_of[p[1]]]
    story_pairs = [p for p in all_pairs if story[p[0]] == story[p[1]] and copy_of[p[0]] != copy_of[p[1]]]
    same_url = [p for p in all_pairs if url_of[p[0]] and C_norm(url_of[p[0]]) == C_norm(url_of[p[1]])]
    print(f"\nsame-URL pairs (one page scraped twice): {len(same_url)}, of them copies: {sum(1 for p in same_url if p in set(copy_pairs))}")
    near_copy = [p for p in all_pairs if p not in set(copy_pairs) and 0.15 <= C.copy_score(by_id[p[0]], by_id[p[1]])[0]]
    near_story = []
    for a, b in all_pairs:
        if story[a] == story[b]:
            continue
        d = C.day_distance(by_id[a], by_id[b])
        if d is None or d > C.STORY_WINDOW_DAYS:
            continue
        sim, names, nums = C.pair_evidence(by_id[a], by_id[b], weights)
        if (sim is not None and sim >= 0.4) or names >= 1.5:
            near_story.append((a, b))
    show("same-URL pairs", same_url)
    show("predicted copy pairs", copy_pairs)
    show("near-miss copy pairs (0.15 <= J, not copies)", near_copy)
    show("predicted story pairs (not copies)", story_pairs)
    show("near-miss story pairs (within window, sim >= 0.4 or names >= 1.5, not grouped)", near_story)
    print(f"\nstory candidates in window with some evidence: {len(near_story) + len(story_pairs)}; lexical rules: {lexical}")

    # HTML extraction time per page
    from assistant.ingest.html import load_html

    sample = rng.sample(docs, min(args.pages, len(docs)))
    load_html(page(sample[0]), "warm-up")
    times, words_in, words_out = [], 0, 0
    for d in sample:
        p = page(d)
        t0 = time.perf_counter()
        try:
            art = load_html(p, d["id"])
            words_out += len(art.text.split())
        except Exception as exc:  # counted, not fatal
            print("extraction failed:", d["id"], exc)
        times.append(time.perf_counter() - t0)
        words_in += len(d["text"].split())
    times.sort()
    print(f"\nHTML extraction (trafilatura via load_html) on {len(times)} rendered pages: median {1000 * statistics.median(times):.1f} ms, "
          f"p90 {1000 * times[int(0.9 * len(times)) - 1]:.1f} ms, max {1000 * times[-1]:.1f} ms; words kept {words_out}/{words_in} = {words_out / max(1, words_in):.3f}")
    lib.close()


def C_norm(url: str) -> str:
    from assistant.ingest.identity import normalise_url

    return normalise_url(url)


if __name__ == "__main__":
    main()
