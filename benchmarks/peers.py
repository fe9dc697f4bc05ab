"""Our retrieval against its peers, on the same corpus, questions and embedder, in one run.

    pip install -e '.[compare]'      # llama-index-core, llama-index-retrievers-bm25, haystack-ai
    nice -n 10 python benchmarks/peers.py --data ../shared/data/realtimeqa --out evals/results/peers-realtimeqa.json

Systems (each with the defaults a user would take, chunk size matched to ours, and OUR embedder,
all-MiniLM-L6-v2 int8 ONNX truncating at 256 word pieces, wrapped for the framework):
  ours            the library `assistant eval retrieval` builds (hybrid, dense, lexical; default tuning)
  llamaindex      SentenceSplitter(chunk_size=256, chunk_overlap=20) over Documents with title/date/
                  source metadata (embedded with the text, LlamaIndex's default), VectorStoreIndex,
                  BM25Retriever, QueryFusionRetriever(mode="reciprocal_rerank", num_queries=1)
  haystack        DocumentSplitter (by word, 200 words: its defaults; 50-word overlap, so its chunks are
                  the baseline's windows and share their vectors), InMemoryDocumentStore,
                  InMemoryEmbeddingRetriever + InMemoryBM25Retriever, DocumentJoiner(reciprocal_rank_fusion)
  numpy-dense     the simplest baseline: 200-word windows with a 150-word stride, one matrix product
Every list takes 100 candidate chunks; results are cut to the first 10 distinct articles.
Scoring is the retrieval eval's (article-level R@1/5/10, MRR@10; tuning and report weeks; all
questions and content questions, i.e. without those whose only gold page is the ad-feedback form).
Ours credits a copy (a result stands for its article and the copies folded into it) and is also
scored by the result's own url; the peers fold nothing, so their own url is their only score.

Embeddings are cached by text (work dir, sqlite) so identical chunks are embedded once across
systems and runs; a cached vector is charged at the time it first took, so build times compare
as if nothing were cached. Query embeddings are computed before timing: query p50/p95 are warm,
in-process and exclude the query embedding for every system.
"""

# no "from __future__ import annotations": Haystack reads component run() annotations at runtime

import argparse
import hashlib
import json
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")  # offline: no usage pings

CANDIDATES = 100
TOP_ARTICLES = 10


# --------------------------------------------------------------------------- shared embedder + cache
class CachedEmbedder:
    """Our local embedder with a persistent text -> vector cache and honest time accounting."""

    def __init__(self, path: Path):
        from assistant.embed.local import LocalEmbedder

        self.model = LocalEmbedder()
        self.db = sqlite3.connect(str(path), timeout=120)  # several runs may share one cache
        self.db.execute("CREATE TABLE IF NOT EXISTS v (h TEXT PRIMARY KEY, vec BLOB, seconds REAL)")
        self.charged = 0.0  # model seconds the texts asked for (cached ones at their first cost)
        self.spent = 0.0  # wall seconds actually spent here (model + cache)

    def reset(self):
        self.charged = self.spent = 0.0

    def embed(self, texts: list[str]) -> np.ndarray:
        t0 = time.perf_counter()
        keys = [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
        found: dict[str, tuple[np.ndarray, float]] = {}
        uniq = list(dict.fromkeys(keys))
        for i in range(0, len(uniq), 500):
            part = uniq[i : i + 500]
            for h, blob, sec in self.db.execute(f"SELECT h, vec, seconds FROM v WHERE h IN ({','.join('?' * len(part))})", part):
                found[h] = (np.frombuffer(blob, dtype=np.float32), sec)
        missing = [(h, t) for h, t in dict(zip(keys, texts)).items() if h not in found]
        if missing:
            t1 = time.perf_counter()
            vecs = self.model.embed_array([t for _, t in missing])
            each = (time.perf_counter() - t1) / len(missing)
            rows = []
            for (h, _), v in zip(missing, vecs):
                found[h] = (v, each)
                rows.append((h, v.astype(np.float32).tobytes(), each))
            self.db.executemany("INSERT OR REPLACE INTO v VALUES (?,?,?)", rows)
            self.db.commit()
        out = np.stack([found[h][0] for h in keys]) if keys else np.zeros((0, 384), np.float32)
        self.charged += sum(found[h][1] for h in keys)
        self.spent += time.perf_counter() - t0
        return out


# --------------------------------------------------------------------------- scoring
def first_rank(articles: list[list[str]], gold_of, gold: set) -> int | None:
    """articles: each result as the list of urls it stands for (its own first)."""
    for i, urls in enumerate(articles[:TOP_ARTICLES], 1):
        if any(u in gold for u in urls):
            return i
    return None


def metrics(ranks: list[int | None]) -> dict:
    from assistant.evaluation.metrics import bootstrap_ci, mrr_at, recall_at

    out = {"n": len(ranks)}
    for k in (1, 5, 10):
        out[f"recall@{k}"] = bootstrap_ci(recall_at(ranks, k))
    out["mrr@10"] = bootstrap_ci(mrr_at(ranks, 10))
    return out


def distinct(doc_ids: list[str]) -> list[str]:
    return list(dict.fromkeys(doc_ids))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# --------------------------------------------------------------------------- systems
class System:
    """build(docs) once; query(question, qvec) -> ranked results, each a list of urls (own first)."""

    name = ""
    modes: tuple[str, ...] = ()
    chunks = 0

    def build(self, docs, url_of, emb: CachedEmbedder): ...

    def query(self, mode: str, text: str, qvec: np.ndarray, date: str | None = None) -> list[list[str]]:
        """date: the question's date (ours uses it for --as-of; the peers have no use for it)."""


class Ours(System):
    name = "ours"
    # hybrid: `assistant search` as is, no date (time words anchored at the newest date in the corpus);
    # hybrid-as-of: --as-of the question's date (what "this week" means in the question);
    # hybrid-no-time-words: time words not weighed (the default before they were)
    modes = ("hybrid", "hybrid-as-of", "hybrid-no-time-words", "dense", "lexical")

    def __init__(self, data: Path, work_dir: Path):
        self.data, self.work_dir = data, work_dir

    def build(self, docs, url_of, emb):
        from assistant.library.access import open_library
        from assistant.vectors.access import vector_index
        from assistant.embed import build_embedder
        from assistant.evaluation import retrieval
        from assistant.retrieve import Retriever

        cfg, _, keys, seconds, self.chunks = retrieval.prepare("realtimeqa", self.data, self.work_dir, "local", 256, log=print)
        self.build_seconds = seconds if seconds is not None else retrieval.recorded_ingest_seconds(cfg)
        self.lib = open_library(cfg)
        self.retriever = Retriever(self.lib, build_embedder(cfg), vector_index(cfg, self.lib))
        self.url_of_article = keys

    def query(self, mode, text, qvec, date=None):
        from dataclasses import replace

        from assistant.retrieve import Filters
        from assistant.retrieve.retriever import Tuning

        self.retriever.tuning = replace(Tuning(), time_words=mode != "hybrid-no-time-words")
        filters = Filters(as_of=date) if mode == "hybrid-as-of" and date else Filters()
        passages = self.retriever.search(text, k=TOP_ARTICLES, mode=mode.split("-")[0], filters=filters, per_article=1, vector=qvec.tolist())
        return [[self.url_of_article.get(a, "") for a in [p.article_id, *p.copies]] for p in passages]


def word_windows(text: str, length: int, stride: int) -> list[str]:
    """Windows of `length` words every `stride` words, cut exactly as Haystack's word splitter cuts
    (words are what lies between single spaces; each keeps its space), so the baseline and Haystack
    with the same overlap embed identical strings and share their vectors."""
    units = text.split(" ")
    units = [u + " " for u in units[:-1]] + units[-1:]
    out: list[str] = []
    covered = 0
    for start in range(0, len(units), stride):
        window = units[start : start + length]
        if out and not "".join(window[max(0, covered - start):]):
            continue  # adds nothing beyond the previous windows
        covered = max(covered, start + len(window))
        if "".join(window):
            out.append("".join(window))
        if start + length >= len(units):
            break
    return out


class NumpyDense(System):
    name = "numpy-dense"
    modes = ("dense",)

    def build(self, docs, url_of, emb):
        texts, owner = [], []
        for d in docs:
            for w in word_windows(d["text"], 200, 150):
                texts.append(w)
                owner.append(d["id"])
        # in batches, so the cache fills as it goes (another run can use what this one has embedded)
        self.matrix = np.concatenate([emb.embed(texts[i : i + 128]) for i in range(0, len(texts), 128)]) if texts else np.zeros((0, 384), np.float32)
        self.owner, self.url_of, self.chunks = owner, url_of, len(texts)

    def query(self, mode, text, qvec, date=None):
        scores = self.matrix @ qvec
        top = np.argsort(-scores)[:CANDIDATES]
        return [[self.url_of[d]] for d in distinct([self.owner[i] for i in top])]


class LlamaIndex(System):
    name = "llamaindex"
    modes = ("fusion", "dense", "bm25")

    def build(self, docs, url_of, emb):
        from llama_index.core import Document, VectorStoreIndex
        from llama_index.core.embeddings import BaseEmbedding
        from llama_index.core.llms import MockLLM
        from llama_index.core.node_parser import SentenceSplitter
        from llama_index.core.retrievers import QueryFusionRetriever
        from llama_index.retrievers.bm25 import BM25Retriever

        class OurEmbedding(BaseEmbedding):
            def _get_query_embedding(self, query: str):
                return emb.embed([query])[0].tolist()

            async def _aget_query_embedding(self, query: str):
                return self._get_query_embedding(query)

            def _get_text_embedding(self, text: str):
                return emb.embed([text])[0].tolist()

            def _get_text_embeddings(self, texts):
                return emb.embed(list(texts)).tolist()

        documents = [Document(text=d["text"], id_=d["id"], metadata={"title": d["title"], "date": d["date"], "source": d["source"]})
                     for d in docs]
        nodes = SentenceSplitter(chunk_size=256, chunk_overlap=20).get_nodes_from_documents(documents)
        self.chunks = len(nodes)
        model = OurEmbedding(model_name="minilm-l6-int8", embed_batch_size=64)
        index = VectorStoreIndex(nodes, embed_model=model)
        self.retrievers = {
            "dense": index.as_retriever(similarity_top_k=CANDIDATES),
            "bm25": BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=CANDIDATES),
        }
        self.retrievers["fusion"] = QueryFusionRetriever(
            [self.retrievers["dense"], self.retrievers["bm25"]], similarity_top_k=CANDIDATES, num_queries=1,
            mode="reciprocal_rerank", use_async=False, llm=MockLLM())
        self.url_of = url_of

    def query(self, mode, text, qvec, date=None):
        nodes = self.retrievers[mode].retrieve(text)
        return [[self.url_of[d]] for d in distinct([n.node.ref_doc_id for n in nodes])]


class Haystack(System):
    name = "haystack"
    modes = ("fusion", "dense", "bm25")

    def build(self, docs, url_of, emb):
        from haystack import Document, Pipeline, component
        from haystack.components.joiners import DocumentJoiner
        from haystack.components.preprocessors import DocumentSplitter
        from haystack.components.retrievers.in_memory import InMemoryBM25Retriever, InMemoryEmbeddingRetriever
        from haystack.components.writers import DocumentWriter
        from haystack.document_stores.in_memory import InMemoryDocumentStore

        @component
        class OurDocumentEmbedder:
            @component.output_types(documents=list[Document])
            def run(self, documents: list[Document]):
                texts = [d.content or "" for d in documents]
                vecs = np.concatenate([emb.embed(texts[i : i + 128]) for i in range(0, len(texts), 128)]) if texts else []
                for d, v in zip(documents, vecs):
                    d.embedding = v.tolist()
                return {"documents": documents}

        @component
        class OurTextEmbedder:
            @component.output_types(embedding=list[float])
            def run(self, text: str):
                return {"embedding": emb.embed([text])[0].tolist()}

        store = InMemoryDocumentStore()
        indexing = Pipeline()
        # split by word, 200 words (its defaults), with a 50-word overlap: the baseline's windows
        indexing.add_component("splitter", DocumentSplitter(split_by="word", split_length=200, split_overlap=50))
        indexing.add_component("embedder", OurDocumentEmbedder())
        indexing.add_component("writer", DocumentWriter(store))
        indexing.connect("splitter", "embedder")
        indexing.connect("embedder", "writer")
        indexing.run({"splitter": {"documents": [Document(content=d["text"], meta={"doc": d["id"], "title": d["title"]}) for d in docs]}})
        self.chunks = store.count_documents()

        def pipeline(mode):
            p = Pipeline()
            if mode in ("dense", "fusion"):
                p.add_component("text_embedder", OurTextEmbedder())
                p.add_component("dense", InMemoryEmbeddingRetriever(store, top_k=CANDIDATES))
                p.connect("text_embedder.embedding", "dense.query_embedding")
            if mode in ("bm25", "fusion"):
                p.add_component("bm25", InMemoryBM25Retriever(store, top_k=CANDIDATES))
            if mode == "fusion":
                p.add_component("joiner", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=CANDIDATES))
                p.connect("dense", "joiner")
                p.connect("bm25", "joiner")
            return p

        self.pipelines = {m: pipeline(m) for m in self.modes}
        self.url_of = url_of

    def query(self, mode, text, qvec, date=None):
        inputs = {}
        if mode in ("dense", "fusion"):
            inputs["text_embedder"] = {"text": text}
        if mode in ("bm25", "fusion"):
            inputs["bm25"] = {"query": text}
        out = self.pipelines[mode].run(inputs)
        docs = out[{"fusion": "joiner", "dense": "dense", "bm25": "bm25"}[mode]]["documents"]
        return [[self.url_of[d]] for d in distinct([d.meta["doc"] for d in docs])]


# --------------------------------------------------------------------------- run
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=next((d for d in (REPO.parent / "shared/data/realtimeqa", REPO.parents[1] / "shared/data/realtimeqa")
                                                       if d.exists()), REPO.parent / "shared/data/realtimeqa"))
    ap.add_argument("--work-dir", type=Path, default=REPO / ".eval-work")
    ap.add_argument("--systems", default="ours,llamaindex,haystack,numpy-dense")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--smoke", type=int, default=0, help="check the wiring on the first N documents only (not a measurement)")
    ap.add_argument("--reuse", type=Path, help="a previous result (--out) whose systems not run now are copied into this one, marked reused_from")
    args = ap.parse_args(argv)

    from assistant.evaluation import realtimeqa

    ds = realtimeqa.load(args.data)
    if args.smoke:
        ds.docs = ds.docs[: args.smoke]
    args.work_dir.mkdir(parents=True, exist_ok=True)
    emb = CachedEmbedder(args.work_dir / "peers-embeddings.sqlite")
    tuning = {q.qid for q in ds.split("tuning")}
    report = {q.qid for q in ds.split("report")}
    questions = [q for q in ds.questions if q.qid in tuning or q.qid in report]
    qvecs = emb.embed([q.text for q in questions])  # before any timing: query embedding excluded everywhere

    factories = {"ours": lambda: Ours(args.data, args.work_dir), "llamaindex": LlamaIndex, "haystack": Haystack, "numpy-dense": NumpyDense}
    result = {"corpus_documents": len(ds.docs), "questions": {"tuning": len(tuning), "report": len(report)},
              "content_free_questions": sorted(q.qid for q in questions if q.content_free), "systems": {}}
    for name in args.systems.split(","):
        system = factories[name]()
        print(f"building {name} ...", file=sys.stderr, flush=True)
        emb.reset()
        t0 = time.perf_counter()
        system.build(ds.docs, ds.url_of, emb)
        wall = time.perf_counter() - t0
        build = getattr(system, "build_seconds", None) if name == "ours" else wall - emb.spent + emb.charged
        # the machine is shared and its load varies: the build time without the embedding, and the
        # embedding's share, say more than the total (embedding is most of every build)
        build_other = None if name == "ours" else wall - emb.spent
        for mode in system.modes:
            system.query(mode, questions[0].text, qvecs[0], questions[0].date)  # warm-up
            times, ranks_copy, ranks_own = [], {}, {}
            for q, v in zip(questions, qvecs):
                t1 = time.perf_counter()
                results = system.query(mode, q.text, v, q.date)
                times.append((time.perf_counter() - t1) * 1000)
                ranks_copy[q.qid] = first_rank(results, None, q.gold_urls)
                ranks_own[q.qid] = first_rank([r[:1] for r in results], None, q.gold_urls)
            entry = {"chunks": system.chunks, "build_seconds": build, "build_seconds_without_embedding": build_other, "query_ms_p50": statistics.median(times),
                     "query_ms_p95": pct(times, 95), "ranks": ranks_copy}
            if name == "ours":
                entry["ranks_own_url"] = ranks_own
            for split, ids in (("tuning", tuning), ("report", report)):
                for subset in ("all", "content"):
                    qs = [q for q in questions if q.qid in ids and (subset == "all" or not q.content_free)]
                    entry[f"{split}/{subset}"] = metrics([ranks_copy[q.qid] for q in qs])
                    if name == "ours":
                        entry[f"{split}/{subset}/own_url"] = metrics([ranks_own[q.qid] for q in qs])
            result["systems"][f"{name}/{mode}"] = entry
            if args.out:  # after every system, so a long run that is stopped keeps what it measured
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(result, indent=2))
            print(f"  {name}/{mode}: report/content R@5 {entry['report/content']['recall@5'][0]:.3f}, "
                  f"tuning/content R@5 {entry['tuning/content']['recall@5'][0]:.3f}, p50 {entry['query_ms_p50']:.1f} ms", file=sys.stderr, flush=True)
    if args.reuse:  # the peers' figures of an earlier run (same corpus, questions and embedder: the same ranks)
        earlier = json.loads(args.reuse.read_text())
        for key, entry in earlier["systems"].items():
            if key.split("/")[0] not in args.systems.split(","):
                result["systems"][key] = {**entry, "reused_from": str(args.reuse)}
    print(format_table(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    return 0


def format_table(result: dict) -> str:
    lines = []
    for split in ("report", "tuning"):
        for subset in ("content", "all"):
            n = next(iter(result["systems"].values()))[f"{split}/{subset}"]["n"]
            lines.append(f"\n{split} weeks, {'content questions' if subset == 'content' else 'all questions'} (n={n})\n")
            lines.append("| system | chunks | R@1 | R@5 | R@10 | MRR@10 | build s | query p50 ms | p95 ms |")
            lines.append("|---|---|---|---|---|---|---|---|---|")
            for name, e in result["systems"].items():
                m = e[f"{split}/{subset}"]
                build = f"{e['build_seconds']:.0f}" if e["build_seconds"] is not None else "-"
                lines.append(f"| {name} | {e['chunks']} | {m['recall@1'][0]:.3f} | {m['recall@5'][0]:.3f} | {m['recall@10'][0]:.3f} | "
                             f"{m['mrr@10'][0]:.3f} | {build} | {e['query_ms_p50']:.1f} | {e['query_ms_p95']:.1f} |")
                if f"{split}/{subset}/own_url" in e:
                    o = e[f"{split}/{subset}/own_url"]
                    lines.append(f"| {name}, own url only | | {o['recall@1'][0]:.3f} | {o['recall@5'][0]:.3f} | {o['recall@10'][0]:.3f} | {o['mrr@10'][0]:.3f} | | | |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
