"""Variants of hybrid search scored on the tuning weeks only (never ranks a report-week question).

    python benchmarks/retrieval_variants.py --work-dir <eval work dir> --out evals/results/variants-tuning.json

Ranks the tuning weeks' content questions as `assistant eval retrieval --split tuning` does (the
same corpus, candidate lists, fusion, time words and as-of restriction), computing each question's
candidate lists once in this process and scoring every variant on them, so the variants and the
default are compared on identical lists (dense lists can differ between processes: docs/retrieval.md).

Variants (fixed before the run; docs/retrieval.md "Variants of session 5" states the rule):
  fusion    article-level RRF k and dense weight
  article   how an article is scored from its chunks in each list: best chunk (default), the sum of
            its best m chunks' reciprocal ranks, or the best plus lam x the second
  boiler    quiz framing words taken out of the lexical query (and, separately, of the dense query too)
  prf       RM3-style pseudo-relevance feedback on the lexical side: the best terms of the first
            hybrid pass's top articles as a third list
Each is scored as of the question date with time words (the headline) and with no date and no
time words (a second row the rule uses for "nothing lost").
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# quiz framing: words that describe how the quiz asks, not what the news says (time words excluded:
# taking those out of the matched text was tried and lost, docs/retrieval.md)
FRAMING = frozenset("approximately roughly nearly reportedly allegedly famously".split())
FLOURISH = FRAMING | frozenset("""popular major massive iconic legendary prestigious biggest embattled remarkable
    astonishing wildly much-loved high-ranking painfully substantially""".split())


def strip_words(text: str, words: frozenset) -> str:
    out = re.sub(r"[\w’'-]+", lambda m: "" if m.group(0).lower() in words else m.group(0), text)
    return re.sub(r"\s{2,}", " ", out).strip()


def article_decay(den, lex, t, lam: float):
    """Article score per list: w/(k+rank of best chunk) + lam * w/(k+rank of second chunk)."""
    scores: dict[str, float] = {}
    for ranked, w in ((den, t.dense_weight), (lex, t.lexical_weight)):
        used: dict[str, int] = {}
        for rank, (cid, _) in enumerate(ranked, start=1):
            a = cid.split("@", 1)[0]
            n = used.get(a, 0)
            if n < 2:
                used[a] = n + 1
                scores[a] = scores.get(a, 0.0) + (1.0 if n == 0 else lam) * w / (t.rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse_with(den, lex, t, article_fn=None, extra=None):
    """retriever.fuse, with another article scoring (article_fn) or a third list (extra: (list, weight))."""
    from assistant.retrieve.fusion import rrf
    from assistant.retrieve.retriever import _article_order, fuse

    if article_fn is None and extra is None:
        return fuse(den, lex, t)
    lists = [den, lex] + ([extra[0]] if extra else [])
    weights = [t.dense_weight, t.lexical_weight] + ([extra[1]] if extra else [])
    chunks = rrf([[c for c, _ in l] for l in lists], weights, t.rrf_k)
    if article_fn is not None:
        articles = article_fn(den, lex, t)
    else:
        articles = rrf([_article_order(l) for l in lists], weights, t.rrf_k)
    score = dict(articles)
    ordered = sorted(chunks, key=lambda cs: (-score.get(cs[0].split("@", 1)[0], 0.0), -cs[1]))
    return [(cid, score.get(cid.split("@", 1)[0], 0.0)) for cid, _ in ordered]


class PRF:
    """RM3-style expansion terms from the chunks of the first pass's best articles."""

    def __init__(self, conn):
        self.conn = conn
        self.n = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        self._df: dict[str, int] = {}

    def df(self, term: str) -> int:
        if term not in self._df:
            try:
                self._df[term] = self.conn.execute("SELECT COUNT(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                                   ['"' + term.replace('"', '""') + '"']).fetchone()[0]
            except Exception:  # noqa: BLE001 - a term FTS5 cannot take is no expansion term
                self._df[term] = self.n
        return self._df[term]

    def terms(self, query: str, ranked_chunks: list[str], fb_docs: int, fb_terms: int) -> list[str]:
        from assistant.library.search import chunk_texts
        from assistant.retrieve.lexical import query_terms

        arts: list[str] = []
        for c in ranked_chunks:
            a = c.split("@", 1)[0]
            if a not in arts:
                arts.append(a)
            if len(arts) == fb_docs:
                break
        chosen = [c for c in ranked_chunks if c.split("@", 1)[0] in arts]
        texts = chunk_texts(self.conn, chosen)
        per_art: dict[str, Counter] = {}
        for c in chosen:
            words = [w for w in re.findall(r"[^\W_]+", texts.get(c, "").lower()) if len(w) > 2 and not w.isdigit()]
            per_art.setdefault(c.split("@", 1)[0], Counter()).update(words)
        own = set(query_terms(query))
        from assistant.text import SEARCH_STOP_WORDS

        weight: Counter = Counter()
        for tf in per_art.values():
            total = sum(tf.values()) or 1
            for w, c in tf.items():
                if w in own or w in SEARCH_STOP_WORDS:
                    continue
                weight[w] += c / total
        scored = []
        for w, p in weight.most_common(fb_terms * 4):
            df = self.df(w)
            if df == 0:
                continue
            scored.append((p * math.log((self.n + 1) / df), w))
        return [w for _, w in sorted(scored, reverse=True)[:fb_terms]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=next((d for d in (REPO.parent / "shared/data/realtimeqa", REPO.parents[1] / "shared/data/realtimeqa")
                                                       if d.exists()), REPO.parent / "shared/data/realtimeqa"))
    ap.add_argument("--work-dir", type=Path, required=True)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)

    from assistant.embed import build_embedder
    from assistant.evaluation import retrieval
    from assistant.evaluation.metrics import first_hit, mrr_at, recall_at
    from assistant.library.access import open_library
    from assistant.library.search import published_of_chunks
    from assistant.retrieve import Filters, Retriever, recency
    from assistant.library.search import fts_chunks
    from assistant.retrieve.lexical import query_terms
    from assistant.retrieve.retriever import Tuning, prefer_recent, restrict
    from assistant.vectors.access import vector_index

    cfg, questions, gold_key, _, n_chunks = retrieval.prepare("realtimeqa", args.data, args.work_dir, "local", 256, log=print)
    questions = [q for q in questions if q.split == "tuning" and not q.content_free]  # never a report-week question
    emb = build_embedder(cfg)
    lib = open_library(cfg)
    N = retrieval.CANDIDATES
    retriever = Retriever(lib, emb, vector_index(cfg, lib), Tuning(candidates=N))
    copies = {a: list(c) for a, (c, _) in retriever.groups(lib.conn, list(gold_key)).items()}
    windows = {q.qid: recency.split(q.text).window_days for q in questions}

    def lexical(text, f):
        terms = query_terms(text)
        if not terms:
            return []
        return [(c, -s) for c, s in fts_chunks(lib.conn, terms, f, N, " OR ".join('"' + t.replace('"', '""') + '"' for t in terms))]

    # candidate lists per question and date setting: dense/lexical variants
    lists: dict[str, dict[str, dict[str, list]]] = {"none": {}, "as_of": {}}
    for q in questions:
        vecs = {"q": emb.embed_query(q.text), "framing": emb.embed_query(strip_words(q.text, FRAMING)),
                "flourish": emb.embed_query(strip_words(q.text, FLOURISH))}
        for setting in ("none", "as_of"):
            f = Filters(as_of=q.date) if setting == "as_of" else Filters()
            lists[setting][q.qid] = {
                "den": retriever.dense_candidates(q.text, f, N, vecs["q"]),
                "den_framing": retriever.dense_candidates(q.text, f, N, vecs["framing"]),
                "den_flourish": retriever.dense_candidates(q.text, f, N, vecs["flourish"]),
                "lex": lexical(q.text, f),
                "lex_framing": lexical(strip_words(q.text, FRAMING), f),
                "lex_flourish": lexical(strip_words(q.text, FLOURISH), f),
            }
    prf = PRF(lib.conn)

    def prf_lists(params):
        fb_docs, fb_terms = params
        key = f"prf_{fb_docs}_{fb_terms}"
        for setting in ("none", "as_of"):
            for q in questions:
                L = lists[setting][q.qid]
                if key in L:
                    continue
                first = fuse_with(L["den"], L["lex"], Tuning())  # the default fusion, time words not weighed
                terms = prf.terms(q.text, [c for c, _ in first], fb_docs, fb_terms)
                f = Filters(as_of=q.date) if setting == "as_of" else Filters()
                L[key] = lexical(" ".join(terms), f) if terms else []
                L[key + "_terms"] = terms
        return key

    def all_chunks(qid):
        out = set()
        for setting in ("none", "as_of"):
            for k, v in lists[setting][qid].items():
                if not k.endswith("_terms"):
                    out.update(c for c, _ in v)
        return out

    variants: list[dict] = [{"name": "default"}]
    for k in (2, 5, 10, 20, 60):
        for w in (0.75, 1.0, 1.25, 1.5, 2.0):
            if (k, w) != (5, 1.5):
                variants.append({"name": f"rrf k={k} dense={w}", "tuning": {"rrf_k": k, "dense_weight": w}})
    for m in (2, 3):
        for k in (5, 10, 60):
            variants.append({"name": f"article sum of best {m}, k={k}", "tuning": {"article_chunks": m, "rrf_k": k}})
    for lam in (0.1, 0.25, 0.5):
        for k in (5, 10):
            variants.append({"name": f"article best + {lam} x second, k={k}", "tuning": {"rrf_k": k}, "decay": lam})
    for bp in ("framing", "flourish"):
        variants.append({"name": f"lexical query without {bp} words", "lex": f"lex_{bp}"})
        variants.append({"name": f"both queries without {bp} words", "lex": f"lex_{bp}", "den": f"den_{bp}"})
    for fb_docs, fb_terms in ((3, 10), (5, 10), (3, 20)):
        for w in (0.25, 0.5, 1.0):
            variants.append({"name": f"prf third list docs={fb_docs} terms={fb_terms} weight={w}", "prf": (fb_docs, fb_terms), "prf_weight": w})
    for v in variants:
        if "prf" in v:
            v["prf_key"] = prf_lists(v["prf"])
    admitted = {q.qid: retriever.visible_chunks(list(all_chunks(q.qid)), Filters(as_of=q.date)) for q in questions}
    published = published_of_chunks(lib.conn, list({c for q in questions for c in all_chunks(q.qid)}))

    def ranked(v, q, setting, anchor):
        """The fused ranking of the variant over the lists of `setting`, time words anchored at `anchor` (None: not weighed)."""
        t = replace(Tuning(), **v.get("tuning", {}))
        L = lists[setting][q.qid]
        art = (lambda d, l, tt: article_decay(d, l, tt, v["decay"])) if "decay" in v else None
        extra = (L[v["prf_key"]], v["prf_weight"]) if "prf_key" in v else None
        r = fuse_with(L[v.get("den", "den")], L[v.get("lex", "lex")], t, art, extra)
        if anchor is not None and windows[q.qid] is not None:
            r = prefer_recent(r, published, anchor, windows[q.qid])
        return r

    def rank(v, q, row):
        if row == "as_of":  # as search: rank as without the filter, keep what it admits, then what only the filtered lists found
            at = Filters(as_of=q.date).as_of_ts
            r = restrict(ranked(v, q, "none", at), admitted[q.qid], ranked(v, q, "as_of", at))
        else:  # no date, no time words
            r = ranked(v, q, "none", None)
        groups = retrieval.article_groups([c for c, _ in r], copies)
        return first_hit(groups, lambda g: any(gold_key.get(a, "") in q.gold for a in g))

    out = []
    for v in variants:
        row = {"name": v["name"]}
        for which in ("as_of", "none"):
            rk = {q.qid: rank(v, q, which) for q in questions}
            vals = list(rk.values())
            row[which] = {"recall@1": sum(recall_at(vals, 1)) / len(vals), "recall@5": sum(recall_at(vals, 5)) / len(vals),
                          "recall@10": sum(recall_at(vals, 10)) / len(vals), "mrr@10": sum(mrr_at(vals, 10)) / len(vals), "ranks": rk}
        out.append(row)
    base = out[0]

    def verdict(row):
        a, b = row["as_of"], base["as_of"]
        key = lambda m: (round(m["recall@5"], 6), round(m["recall@10"], 6), round(m["mrr@10"], 6))
        lost = [qid for qid, r in b["ranks"].items() for cut in (5, 10)
                if r is not None and r <= cut and (a["ranks"][qid] is None or a["ranks"][qid] > cut)]
        lost_none = row["none"]["recall@5"] < base["none"]["recall@5"] - 1e-9 or row["none"]["recall@10"] < base["none"]["recall@10"] - 1e-9
        better = key(a) > key(b) and (key(a)[:2] > key(b)[:2] or a["mrr@10"] - b["mrr@10"] >= 0.01)
        return {"better": better, "lost_as_of": sorted(set(lost)), "lost_no_date_row": lost_none,
                "wins": better and not lost and not lost_none}

    print(f"{len(questions)} tuning-week content questions, {n_chunks} chunks")
    print(f"{'variant':52} {'as of R@1':>9} {'R@5':>6} {'R@10':>6} {'MRR':>6} | {'none R@5':>8} {'R@10':>6} {'MRR':>6}  verdict")
    for row in out:
        row["verdict"] = verdict(row) if row is not base else None
        a, n = row["as_of"], row["none"]
        vd = row["verdict"]
        tag = "" if vd is None else ("WINS" if vd["wins"] else ("better, loses " + ",".join(vd["lost_as_of"]) + (" no-date row" if vd["lost_no_date_row"] else "")) if vd["better"] else "no")
        print(f"{row['name']:52} {a['recall@1']:>9.3f} {a['recall@5']:>6.3f} {a['recall@10']:>6.3f} {a['mrr@10']:>6.3f} | "
              f"{n['recall@5']:>8.3f} {n['recall@10']:>6.3f} {n['mrr@10']:>6.3f}  {tag}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"chunks": n_chunks, "questions": len(questions), "variants": out,
                                        "prf_terms_example": {q.qid: lists["as_of"][q.qid].get("prf_3_10_terms") for q in questions[:10]}},
                                       indent=1))
    lib.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
