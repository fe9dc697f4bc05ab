"""The Retriever: question + filters -> passages (whole sentences with ids), best first.

Candidates come from FTS5 (lexical) and Chroma (dense); hybrid fuses them with weighted
reciprocal-rank fusion. Only the searchable revision of each article takes part (the
latest, or the latest on or before --as-of). Results are diversified: at most
`per_article` passages per article, copies of one text collapsed into one result that
lists every outlet, and sentences already shown dropped from later passages.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

from ..errors import EmbedderMismatch, UsageError
from ..library import search as store_search
from ..library.news import groups_for
from ..types import Sentence
from . import lexical, recency
from .filters import Filters
from .fusion import rrf

MODES = ("dense", "lexical", "hybrid")


@dataclass
class Passage:
    article_id: str
    revision: int
    chunk_id: str
    title: str
    published: str | None
    date_precision: str | None
    source: str
    url: str
    score: float
    text: str
    sentence_ids: list[str]
    sentences: list[Sentence] = field(repr=False, default_factory=list)
    copies: list[str] = field(default_factory=list)
    copy_sources: list[str] = field(default_factory=list)
    story: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("sentences")
        d.pop("chunk_id")
        d["score"] = round(self.score, 6)
        return d


@dataclass
class Tuning:
    """Fusion settings, chosen on the tuning weeks of the retrieval eval (docs/retrieval.md):
    with 256-word-piece chunks, article-level RRF (each list ranks articles by their best
    chunk) with k=5 and the dense list weighted 1.5:1. The grid was flat there (the best
    settings differ by one question of 85), so these are a choice, not a sharp optimum.
    Scoring an article by its best 3 chunks (article_chunks=3, k=10) won the tuning weeks by one
    question in session 5 and was withdrawn: where the candidate lists hold most of a library's
    chunks (a small library), it ranks articles by their length (seeds: hybrid R@1 1.00 -> 0.75)."""

    level: str = "article"  # "chunk": fuse chunk rankings; "article": fuse article rankings
    rrf_k: int = 5
    dense_weight: float = 1.5
    lexical_weight: float = 1.0
    candidates: int = 100
    # article level: how many of an article's best chunks in a list make its score there
    # (1: the article's rank by its best chunk; m > 1: the reciprocal ranks of its best m chunks summed)
    article_chunks: int = 1
    # hybrid: time words in the query ("this week", "recently") weigh each fused article by how
    # near its date is to --as-of (else the newest date in scope), recency.weight; chosen on the
    # tuning weeks asked as of their date (docs/retrieval.md). The words stay in the matched text.
    time_words: bool = True


class Reranker:
    """A reranking stage: reorders the fused candidates before diversification.

    Off by default: it stays off unless a model that installs from PyPI with its weights
    beats the fused ranking in the retrieval eval (none has been found yet; docs/retrieval.md)."""

    depth: int = 50  # how many fused candidates it sees

    def rerank(self, query: str, candidates: list[tuple[str, str, float]]) -> list[tuple[str, float]]:
        """(chunk_id, chunk text, fused score) best first -> (chunk_id, new score) best first."""
        raise NotImplementedError


class Retriever:
    def __init__(self, library, embedder=None, index=None, tuning: Tuning | None = None, groups=None, reranker: Reranker | None = None):
        self.lib = library
        self.embedder = embedder
        self.index = index
        self.tuning = tuning or Tuning()
        self.reranker = reranker
        # groups(conn, article_ids) -> {article_id: (copies, story)}; news ingestion provides it
        self.groups = groups or groups_with_aliases
        self.timings: dict[str, float] = {}

    # -- candidates ---------------------------------------------------------------------
    def lexical_candidates(self, query: str, filters: Filters, n: int) -> list[tuple[str, float]]:
        t0 = time.perf_counter()
        out = lexical.search(self.lib.conn, query, filters, n)
        self.timings["lexical_ms"] = (time.perf_counter() - t0) * 1000
        return out

    def dense_candidates(self, query: str, filters: Filters, n: int, vector=None, asked=None) -> list[tuple[str, float]]:
        """``asked``: a _Background already asking the index for (vector, n, filters) (hybrid)."""
        if self.index is None or self.embedder is None:
            raise UsageError("dense search needs an embedder and a vector index", "use --mode lexical")
        manifest = self.lib.manifest()
        built_with = manifest.get("embedder")
        if built_with is None:
            return []  # nothing embedded yet
        if built_with != self.embedder.name:
            raise EmbedderMismatch(
                f"this library was built with embedder={built_with}, but embedder={self.embedder.name} is configured",
                "run 'assistant reindex' to rebuild the vectors, or change the setting back",
            )
        t0 = time.perf_counter()
        if vector is None:
            vector = self.embedder.embed_query(query)
            self.timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        elif asked is None:
            self.timings["embed_ms"] = 0.0
        t0 = time.perf_counter()
        where = filters.chroma_where()
        fetch = n
        out: list[tuple[str, float]] = []
        # Chroma cannot tell which revision is searchable, so over-fetch and check in SQLite;
        # widen the net when filtering removed too much.
        for attempt in range(4):
            hits = asked.result() if attempt == 0 and asked is not None else self.index.query(vector, fetch, where)
            ok = self.visible_chunks([h[0] for h in hits], filters)
            out = [(cid, 1.0 - dist) for cid, dist in hits if cid in ok]
            if len(out) >= n or len(hits) < fetch:
                break
            fetch *= 4
        self.timings["dense_ms"] = (time.perf_counter() - t0) * 1000
        return out[:n]

    def visible_chunks(self, chunk_ids: list[str], filters: Filters) -> set[str]:
        """Those of these chunks that belong to a searchable revision passing the filters."""
        return store_search.visible_chunks(self.lib.conn, chunk_ids, filters)

    # -- search -------------------------------------------------------------------------
    def ranked_chunks(self, query: str, mode: str = "hybrid", filters: Filters | None = None, vector=None,
                      enough=None) -> list[tuple[str, float]]:
        """Fused (chunk_id, score) candidates, best first, before diversification.

        enough(kept) -> bool, for a filtered hybrid search: when what the filter keeps of the
        unfiltered ranking already suffices (search: it fills the k results), the filtered pair of
        searches is skipped. What they would add goes after everything kept, so it could not show."""
        filters = filters or Filters()
        n = self.tuning.candidates
        if mode == "lexical":
            return self.lexical_candidates(query, filters, n)
        if mode == "dense":
            return self.dense_candidates(query, filters, n, vector)
        if mode != "hybrid":
            raise UsageError(f"unknown mode {mode!r}", "use dense, lexical or hybrid")
        when = self.time_preference(query, filters)
        narrowing = filters.unnarrowed()
        if narrowing is None:
            return self._hybrid(query, filters, n, vector, when)
        # Fusion is by rank, so a filter that removes other articles would reorder the ones it
        # keeps (a kept article could fall below one that overtook it). Rank as without the
        # filter, keep what the filter admits, then add what only the filtered search found.
        # The time words weigh both rankings from the same anchor, so the order stays comparable.
        if vector is None and self.embedder is not None and self.index is not None:
            vector = self.embedder.embed_query(query)  # once for both searches
        wide = self._hybrid(query, narrowing, n, vector, when)
        t0 = time.perf_counter()
        admitted = self.visible_chunks([c for c, _ in wide], filters)
        self.timings["restrict_ms"] = (time.perf_counter() - t0) * 1000
        kept = restrict(wide, admitted, [])
        if enough is not None and enough(kept):
            return kept
        return restrict(wide, admitted, self._hybrid(query, filters, n, vector, when))

    def _hybrid(self, query: str, filters: Filters, n: int, vector, when) -> list[tuple[str, float]]:
        asked = self._ask_index(query, filters, n, vector)
        lex = self.lexical_candidates(query, filters, n)
        den = self.dense_candidates(query, filters, n, vector) if asked is None else self.dense_candidates(query, filters, n, asked.vector, asked=asked)
        fused = fuse(den, lex, self.tuning)
        return fused if when is None else self.prefer_recent(fused, *when)

    def _ask_index(self, query: str, filters: Filters, n: int, vector):
        """The nearest neighbours are asked for in a thread while the library ranks the full text,
        so hybrid costs the slower of the two instead of their sum: a Chroma server's reply is a
        wait; the embedded store (Rust) and SQLite's FTS5 both release the GIL while they work, so
        on two cores they overlap too (at 100k chunks the dense list is ~15-25 ms of a ~100 ms
        hybrid search). Everything that reads the library stays on the calling thread."""
        if self.index is None or self.embedder is None or self.lib.manifest().get("embedder") != self.embedder.name:
            return None
        if vector is None:
            t0 = time.perf_counter()
            vector = self.embedder.embed_query(query)
            self.timings["embed_ms"] = (time.perf_counter() - t0) * 1000
        return _Background(vector, self.index.query, vector, n, filters.chroma_where())

    def time_preference(self, query: str, filters: Filters) -> tuple[float, float] | None:
        """(anchor timestamp, window in days) when the query has time words and a date to anchor
        them at (--as-of, else the newest publication date in scope); None otherwise."""
        if not self.tuning.time_words:
            return None
        window = recency.split(query).window_days
        if window is None:
            return None
        t0 = time.perf_counter()
        anchor = recency.anchor_ts(filters, self.lib.conn)
        self.timings["anchor_ms"] = (time.perf_counter() - t0) * 1000
        return None if anchor is None else (anchor, window)

    def prefer_recent(self, ranked: list[tuple[str, float]], anchor: float, window: float) -> list[tuple[str, float]]:
        published = store_search.published_of_chunks(self.lib.conn, [c for c, _ in ranked])
        return prefer_recent(ranked, published, anchor, window)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", filters: Filters | None = None,
               per_article: int = 2, vector=None) -> list[Passage]:
        query = (query or "").strip()
        if not query:
            raise UsageError("the query is empty", 'e.g. assistant search "who won the election"')
        if k < 1:
            raise UsageError("-k must be at least 1", "e.g. -k 5")
        t0 = time.perf_counter()
        done: list[list[Passage]] = []

        def enough(kept):  # a filtered search whose kept results already fill k: diversify once
            passages = self._diversify(kept, k, per_article)
            done.append(passages)
            return len(passages) >= k

        ranked = self.ranked_chunks(query, mode, filters, vector, enough=None if self.reranker is not None else enough)
        if done and len(done[0]) >= k:
            self.timings["total_ms"] = (time.perf_counter() - t0) * 1000
            return done[0]
        if self.reranker is not None and ranked:
            head, tail = ranked[: self.reranker.depth], ranked[self.reranker.depth :]
            texts = store_search.chunk_texts(self.lib.conn, [c for c, _ in head])
            ranked = self.reranker.rerank(query, [(c, texts.get(c, ""), sc) for c, sc in head]) + tail
        passages = self._diversify(ranked, k, per_article)
        self.timings["total_ms"] = (time.perf_counter() - t0) * 1000
        return passages

    def _diversify(self, ranked: list[tuple[str, float]], k: int, per_article: int) -> list[Passage]:
        out: list[Passage] = []
        per: dict[str, int] = {}
        seen_sentences: set[str] = set()
        seen_text: set[str] = set()
        collapsed: set[str] = set()
        groups = self.groups(self.lib.conn, list({cid.split("@", 1)[0] for cid, _ in ranked[: k * 20]}))
        for cid, score in ranked:
            if len(out) >= k:
                break
            article_id = cid.split("@", 1)[0]
            if article_id in collapsed or per.get(article_id, 0) >= per_article:
                continue
            p = self._passage(cid, score)
            if p is None:
                continue
            # sentence-level de-duplication: drop sentences already shown (overlapping chunks,
            # and the same sentence carried by another outlet)
            keep = [s for s in p.sentences if s.id not in seen_sentences and _norm(s.text) not in seen_text]
            if not keep:
                continue
            p.sentences = keep
            p.sentence_ids = [s.id for s in keep]
            p.text = " ".join(s.text for s in keep)
            copies, story = groups.get(article_id, ([], None))
            if copies:
                p.copies = list(copies)
                p.copy_sources = store_search.sources_of(self.lib.conn, copies)
                collapsed.update(copies)
            p.story = story
            seen_sentences.update(p.sentence_ids)
            seen_text.update(_norm(s.text) for s in keep)
            per[article_id] = per.get(article_id, 0) + 1
            out.append(p)
        return out

    def _passage(self, chunk_id: str, score: float) -> Passage | None:
        found = store_search.chunk_with_sentences(self.lib.conn, chunk_id)
        if found is None:
            return None
        row, sents = found
        return Passage(
            article_id=row["article_id"], revision=row["revision"], chunk_id=chunk_id, title=row["title"],
            published=row["published"], date_precision=row["date_precision"], source=row["source"], url=row["url"],
            score=score, text=" ".join(s.text for s in sents), sentence_ids=[s.id for s in sents],
            sentences=sents,
        )


class _Background:
    """fn(*args) on a thread of its own; result() waits for it and returns or raises what it did.

    Not concurrent.futures: the interpreter joins an executor's worker threads at exit, so a
    query stuck on an unreachable Chroma server would hold up the exit of a command that has
    already failed or been interrupted; a daemon thread never does."""

    def __init__(self, vector, fn, *args):
        import threading

        self.vector = vector
        self._out: list = []
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn, args) -> None:
        try:
            self._out.append((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by result()
            self._out.append((False, exc))

    def result(self):
        self._thread.join()
        ok, value = self._out[0]
        if not ok:
            raise value
        return value


def fuse(den: list[tuple[str, float]], lex: list[tuple[str, float]], t: Tuning) -> list[tuple[str, float]]:
    """The hybrid ranking of (chunk_id, score) from the dense and lexical candidate lists, best first.

    A pure function of the two lists, so the retrieval eval scores exactly what search does."""
    chunks = rrf([[c for c, _ in den], [c for c, _ in lex]], [t.dense_weight, t.lexical_weight], t.rrf_k)
    if t.level == "chunk":
        return chunks
    # article level: fuse the two article rankings, then list each article's chunks in chunk-fused order
    if t.article_chunks <= 1:
        articles = rrf([_article_order(den), _article_order(lex)], [t.dense_weight, t.lexical_weight], t.rrf_k)
    else:
        articles = _article_sum(den, lex, t)
    score = dict(articles)
    ordered = sorted(chunks, key=lambda cs: (-score[cs[0].split("@", 1)[0]], -cs[1]))
    # the score shown is the article's fused score, so scores fall as ranks rise
    return [(cid, score[cid.split("@", 1)[0]]) for cid, _ in ordered]


def prefer_recent(ranked: list[tuple[str, float]], published: dict[str, float | None], anchor: float, window: float) -> list[tuple[str, float]]:
    """A fused ranking reweighed for time words: each score times recency.weight of its chunk's
    publication time (1 inside the window before the anchor, halved per further window), best
    first. A pure function, shared by search and the retrieval eval; stable, so an article's chunks
    keep their order."""
    scored = [(c, s * recency.weight(published.get(c), anchor, window)) for c, s in ranked]
    return sorted(scored, key=lambda cs: -cs[1])


def restrict(wide: list[tuple[str, float]], admitted: set[str], narrow: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The unfiltered ranking `wide` cut to the chunks a filter admits, in the same order and with
    the same scores, followed by what only the filtered ranking `narrow` found (scored no higher
    than the last kept one). A filter can then only remove results, never demote one it keeps."""
    kept = [(c, s) for c, s in wide if c in admitted]
    have = {c for c, _ in kept}
    floor = kept[-1][1] if kept else None
    extra = [(c, s if floor is None else min(s, floor)) for c, s in narrow if c not in have]
    return kept + extra


def groups_with_aliases(conn, article_ids: list[str]) -> dict:
    """Copies and story of each article (news ingestion), with the articles that migration m003
    found to be one page under two URL spellings folded in as copies of each other."""
    from ..library.aliases import alias_pairs

    groups = groups_for(conn, article_ids)
    pairs = alias_pairs(conn, article_ids)
    for alias, same_as in pairs:
        for a, b in ((alias, same_as), (same_as, alias)):
            copies, story = groups.get(a, ([], None))
            if b not in copies:
                groups[a] = ([*copies, b], story)
    return groups


def _article_sum(den, lex, t: Tuning) -> list[tuple[str, float]]:
    """Article scores: per list, the reciprocal ranks of the article's best t.article_chunks chunks, summed; lists weighted."""
    scores: dict[str, float] = {}
    for ranked, w in ((den, t.dense_weight), (lex, t.lexical_weight)):
        used: dict[str, int] = {}
        for rank, (cid, _) in enumerate(ranked, start=1):
            a = cid.split("@", 1)[0]
            if used.get(a, 0) < t.article_chunks:
                used[a] = used.get(a, 0) + 1
                scores[a] = scores.get(a, 0.0) + w / (t.rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def _article_order(ranked: list[tuple[str, float]]) -> list[str]:
    out: dict[str, None] = {}
    for cid, _ in ranked:
        out.setdefault(cid.split("@", 1)[0], None)
    return list(out)


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()
