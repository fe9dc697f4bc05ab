"""Copies and stories: two levels of grouping over the library's articles.

* **Copies**: the same text at several outlets, or posted twice with small edits. MinHash
  (datasketch, 128 permutations) over word 5-shingles of the body; LSH proposes candidates, a
  pair is a copy when the estimated Jaccard similarity reaches ``COPY_JACCARD`` or the smaller
  text is contained in the larger one (estimated containment >= ``COPY_CONTAINMENT``).
  Thresholds measured on realtimeqa (docs/news-ingestion.md).
* **Stories**: different articles about one developing event. A pair of articles published
  within ``STORY_WINDOW_DAYS`` of each other is the same story when the embedding similarity of
  their title + lead is high, or moderately high with shared rare names (capitalised multiword
  names, distinctive capitalised words) and numbers found by rules; copies are always the same
  story. Groups are the connected components (union-find) of the pairs that pass.

Everything here is derived data (its rows are read and written by library/news.py): a per-article signature (``news_signatures``) is computed
for each article's latest committed revision, and the memberships (``copy_groups``,
``stories``) are recomputed from all signatures in one transaction (cheap: no text is read).
``refresh`` is idempotent; any writing command calls it, so a crash at any point is repaired
by the next one. A group's id is the smallest article id in it (a lone article is its own).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from operator import methodcaller

from ..library import news as rows_

NUM_PERM = 128
SHINGLE_WORDS = 5
LSH_THRESHOLD = 0.15  # candidates only (low, so a short scrape of a long text is proposed); the decision is below
COPY_JACCARD = 0.5
COPY_CONTAINMENT = 0.8
COPY_MIN_SHINGLES = 20  # below this, containment is too easy to reach by chance

STORY_WINDOW_DAYS = 14
LEAD_WORDS = 60  # title + this many words of the body are embedded for stories
NAME_WORDS = 300  # names and numbers are read from the title and this many words

# Per embedder family: (similarity alone, similarity with shared names, names needed with it).
# Semantic embedders (MiniLM, OpenAI) can carry a pair on similarity; the hash embedder used
# in tests only measures word overlap, so the rules (names, numbers) carry more weight there.
SEMANTIC = {"alone": 0.80, "with_names": 0.55, "names": 3.0}
LEXICAL = {"alone": 0.60, "with_names": 0.25, "names": 5.0}
# Stories are merged by average linkage: two groups join only when at least this share of the
# pairs between them pass, so a digest ("5 things to know") linked to several stories does not chain them.
MIN_LINK_SHARE = 0.5
# Story candidates per article (later in time) examined at most: bounds memory and time when
# thousands of items look alike; a real story has far fewer reports inside its window.
MAX_NEIGHBOURS = 50

# Sentences at the top of a page that are not the story: newsletter plugs, editor's notes.
_BOILERPLATE = re.compile(r"sign up|newsletter|in your inbox|subscribe|editor[’']s note|click here|lite site|this story appear|a version of this story|get [’'\"]?5 things", re.I)

_WORD = re.compile(r"\w+", re.U)
_NAME = re.compile(r"\b(?:[A-Z][\w'’.\-]*[\w]|[A-Z])(?:\s+(?:(?:of|de|del|da|la|le|al|bin|von|van|der|and|&)\s+)?(?:[A-Z][\w'’.\-]*\w|[A-Z]\d+\w*|\d+\s?[A-Z]{1,3}\d*))+")
_CAP = re.compile(r"(?<![.!?:;\"“]\s)(?<!^)\b[A-Z][a-zà-ÿ]{3,}\b", re.M)
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b|\b[A-Z]{1,4}\d+[A-Z\d]*\b|\b\d+[A-Z]{1,3}\d*\b")
_COMMON_CAPS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "the", "this", "that",
    "there", "they", "their", "these", "those", "what", "when", "where", "which", "while", "with", "from", "after",
    "before", "according", "however", "also", "said", "says", "read", "more", "updated", "published", "news",
    "today", "yesterday", "last", "next", "first", "photo", "video", "image", "getty", "images", "associated", "press",
    "reuters", "cnn", "wikinews", "english", "share", "click", "sign", "copyright",
}


# --------------------------------------------------------------------------- features
def shingles(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    # every run of SHINGLE_WORDS consecutive words, joined in C (zip of shifted lists, not a slice per word)
    return set(map(" ".join, zip(*(words[i:] for i in range(SHINGLE_WORDS)))))


_PERMUTATIONS = None


def _permutations():
    """datasketch draws the permutations anew for every MinHash (slow for thousands); draw them once."""
    global _PERMUTATIONS
    if _PERMUTATIONS is None:
        from datasketch import MinHash

        _PERMUTATIONS = MinHash(num_perm=NUM_PERM).permutations
    return _PERMUTATIONS


def minhash_of(sh: set[str]):
    """datasketch's MinHash of the shingles with its default hash (sha1_hash32: the first 4 bytes of
    SHA-1, little-endian), the hashes computed in C (map) instead of a Python call per shingle."""
    import hashlib

    import numpy as np
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, permutations=_permutations(), scheme="affine32", hashfunc=int)
    if sh:
        digests = b"".join(map(_SHA1_DIGEST, map(hashlib.sha1, map(str.encode, sh))))
        m.update_batch(np.frombuffer(digests, dtype="<u4").reshape(-1, 5)[:, 0].tolist())  # 20-byte digests: 5 words each
    return m


_SHA1_DIGEST = methodcaller("digest")


def _minhash_from(blob: bytes):
    import numpy as np
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype=np.uint32), permutations=_permutations(), scheme="affine32")


def lead_text(title: str, text: str) -> str:
    """Title and the first LEAD_WORDS words of the body, skipping boilerplate sentences at the top."""
    body = re.split(r"(?<=[.!?])\s+", " ".join(text.split()[: LEAD_WORDS * 3]))
    while len(body) > 1 and _BOILERPLATE.search(body[0]):
        body = body[1:]
    return " ".join(((title + ". ") if title else "").split() + " ".join(body).split()[:LEAD_WORDS])


def names_in(title: str, text: str) -> list[str]:
    """Capitalised multiword names, and distinctive capitalised words not at a sentence start."""
    sample = title + ".\n" + " ".join(text.split()[:NAME_WORDS])
    out: set[str] = set()
    for m in _NAME.finditer(sample):
        words = [w for w in m.group(0).split() if w.lower() not in _COMMON_CAPS]
        if len(words) >= 2:
            out.add(" ".join(words).lower())
        out.update(w.lower().strip("'’.") for w in words if len(w) >= 4 and w[0].isupper() and w.lower() not in _COMMON_CAPS)
    for m in _CAP.finditer(sample):
        w = m.group(0).lower()
        if w not in _COMMON_CAPS:
            out.add(w)
    return sorted(out)


def numbers_in(title: str, text: str) -> list[str]:
    """Numbers and designations (2004 MN4, 737, 1.65 billion); years and one-digit numbers are too common."""
    sample = title + " " + " ".join(text.split()[:NAME_WORDS])
    out = set()
    for m in _NUMBER.finditer(sample):
        n = m.group(0).replace(",", "")
        if re.fullmatch(r"(?:19|20)\d\d", n) or re.fullmatch(r"\d", n):
            continue
        out.add(n.lower())
    return sorted(out)


_SPAN = {"day": 86400.0, "month": 31 * 86400.0, "year": 366 * 86400.0, "time": 0.0}


def date_span(published_ts: float | None, precision: str | None) -> tuple[float | None, float | None]:
    if published_ts is None:
        return None, None
    return published_ts, published_ts + _SPAN.get(precision or "day", 86400.0)


# --------------------------------------------------------------------------- signatures
@dataclass
class Signature:
    article_id: str
    minhash: object
    shingles: int
    names: set[str]
    numbers: set[str]
    vector: object  # numpy float32, L2-normalised, or None
    lo: float | None
    hi: float | None


def _stale(lib, embedder_name: str | None) -> tuple[list[tuple[str, int]], list[str]]:
    """(latest revisions lacking an up-to-date signature, signatures of articles that are gone)."""
    latest = rows_.latest_committed(lib)
    have = rows_.signature_keys(lib)
    todo = [(a, rev) for a, rev in sorted(latest.items()) if a not in have or have[a][0] != rev or (embedder_name and have[a][1] != embedder_name)]
    gone = sorted(a for a in have if a not in latest)
    return todo, gone


def is_stale(lib) -> bool:
    """True when signatures or memberships lag behind the committed revisions (for `check`)."""
    todo, gone = _stale(lib, None)
    if todo or gone:
        return True
    sig, stories, copies = rows_.grouped_ids(lib)
    return sig != stories or sig != copies


def refresh(lib, embed_texts=None, embedder_name: str | None = None, force: bool = False) -> dict:
    """Bring signatures and memberships up to date. ``embed_texts(texts) -> vectors`` (through the
    library's embedding cache) gives the lead vectors; without it, stories use the rules only."""
    from ..registry import embedder_is_semantic

    todo, gone = _stale(lib, embedder_name if embed_texts else None)
    if not todo and not gone and not force and not is_stale(lib):
        return {"signatures": 0, "changed": False}
    rows = signature_rows(lib, todo, embed_texts, embedder_name)
    rows_.save_signatures(lib, rows, gone)
    sigs = load_signatures(lib)
    copy_pairs = find_copies(sigs)
    story_pairs = find_story_pairs(sigs, copy_pairs, lexical=not embedder_is_semantic(embedder_name) or not embed_texts)
    copy_of = components([s.article_id for s in sigs], copy_pairs)
    story_of_ = linked_components([s.article_id for s in sigs], [(2.0, a, b) for a, b in copy_pairs] + story_pairs)
    rows_.replace_groups(lib, copy_of, story_of_)
    return {"signatures": len(rows), "changed": True, "copy_pairs": len(copy_pairs), "story_pairs": len(story_pairs)}


def signature_rows(lib, keys: list[tuple[str, int]], embed_texts=None, embedder_name: str | None = None) -> list[tuple]:
    """Signature rows (for news_signatures) of these revisions: the costly part (shingles, MinHash)."""
    import numpy as np

    rows = []
    for i in range(0, len(keys), 200):
        part = keys[i : i + 200]
        revs = rows_.revision_texts(lib, part)
        leads = [lead_text(r["title"], r["text"]) for r in revs]
        vectors = embed_texts(leads) if embed_texts else [None] * len(leads)
        for (a, rev), r, vec in zip(part, revs, vectors):
            sh = shingles(r["text"])
            mh = minhash_of(sh)
            blob = None
            if vec is not None:
                v = np.asarray(vec, dtype=np.float32)
                v = v / (np.linalg.norm(v) or 1.0)
                blob = v.tobytes()
            lo, hi = date_span(r["published_ts"], r["date_precision"])
            rows.append((a, rev, embedder_name or "", mh.hashvalues.astype(np.uint32).tobytes(), len(sh),
                         json.dumps(names_in(r["title"], r["text"]), ensure_ascii=False), json.dumps(numbers_in(r["title"], r["text"])), blob, lo, hi))
    return rows


def sign(lib, keys: list[tuple[str, int]], embed_texts=None, embedder_name: str | None = None) -> int:
    """Store the signatures of revisions a writer has just committed (it still claims their
    articles, so no later revision can be committed meanwhile). Writers call it after every batch,
    outside the regroup lock: the costly part of ``refresh`` then runs in every writer at once,
    and ``refresh`` (one writer at a time) finds little or nothing left to sign."""
    if not keys:
        return 0
    rows_.save_signatures(lib, signature_rows(lib, keys, embed_texts, embedder_name), [])
    return len(keys)


def load_signatures(lib) -> list[Signature]:
    import numpy as np

    out = []
    for r in rows_.signature_rows(lib):
        vec = np.frombuffer(r["vector"], dtype=np.float32) if r["vector"] else None
        out.append(Signature(r["article_id"], _minhash_from(r["minhash"]), r["shingles"], set(json.loads(r["names"])),
                             set(json.loads(r["numbers"])), vec, r["lo_ts"], r["hi_ts"]))
    return out


# --------------------------------------------------------------------------- pairs
def copy_score(a: Signature, b: Signature) -> tuple[float, float]:
    """(estimated Jaccard, estimated containment of the smaller shingle set in the larger)."""
    j = a.minhash.jaccard(b.minhash)
    small, large = sorted((a.shingles, b.shingles))
    if not small:
        return j, 0.0
    # |A∩B| = J(|A|+|B|)/(1+J); containment of the smaller set = |A∩B| / |small|
    containment = min(1.0, j * (small + large) / ((1 + j) * small))
    return j, containment


def is_copy(a: Signature, b: Signature) -> bool:
    j, c = copy_score(a, b)
    return j >= COPY_JACCARD or (c >= COPY_CONTAINMENT and min(a.shingles, b.shingles) >= COPY_MIN_SHINGLES)


def find_copies(sigs: list[Signature]) -> list[tuple[str, str]]:
    """Pairs of copies: near-identical texts published within the story window (or undated).
    The same text months apart is boilerplate (a scraped ad or cookie notice), not a copy."""
    from datasketch import MinHashLSH

    if len(sigs) < 2:
        return []
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    by_id = {s.article_id: s for s in sigs}
    for s in sigs:
        lsh.insert(s.article_id, s.minhash)
    pairs = set()
    for s in sigs:
        for other in lsh.query(s.minhash):
            d = day_distance(s, by_id[other])
            if other > s.article_id and (d is None or d <= STORY_WINDOW_DAYS) and is_copy(s, by_id[other]):
                pairs.add((s.article_id, other))
    return sorted(pairs)


def day_distance(a: Signature, b: Signature) -> float | None:
    if a.lo is None or b.lo is None:
        return None
    gap = max(a.lo, b.lo) - min(a.hi, b.hi)
    return max(0.0, gap) / 86400.0


def name_weights(sigs: list[Signature]) -> dict[str, float]:
    """Rarer names weigh more: 1 for a name in at most max(3, 2%) of the articles, fading to 0 at 10%."""
    df = Counter(n for s in sigs for n in s.names)
    n = len(sigs)
    rare, common = max(3, 0.02 * n), max(6, 0.10 * n)
    out = {}
    for name, k in df.items():
        w = 1.0 if k <= rare else max(0.0, (common - k) / (common - rare))
        if " " in name:
            w *= 1.5  # a multiword name ("Alexei Navalny", "2004 MN4") says more than one word
        out[name] = w
    return out


def pair_evidence(a: Signature, b: Signature, weights: dict[str, float]) -> tuple[float | None, float, int]:
    sim = float(a.vector @ b.vector) if a.vector is not None and b.vector is not None and len(a.vector) == len(b.vector) else None
    names = sum(weights.get(n, 0.0) for n in a.names & b.names)
    numbers = len(a.numbers & b.numbers)
    return sim, names, numbers


def is_same_story(sim: float | None, names: float, numbers: int, days: float | None, lexical: bool) -> bool:
    t = LEXICAL if lexical else SEMANTIC
    evidence = names + min(numbers, 2)
    if sim is None:  # no vectors (no embedder): rules alone, strictly
        sim = 0.0 if evidence < 2 * t["names"] else t["with_names"]
    if days is None:  # undated: only a very strong match (copies are handled separately)
        return sim >= max(t["alone"], 0.85) and evidence >= t["names"]
    if days > STORY_WINDOW_DAYS:
        return False
    return sim >= t["alone"] or (sim >= t["with_names"] and evidence >= t["names"])


def find_story_pairs(sigs: list[Signature], copy_pairs: list[tuple[str, str]], lexical: bool = False) -> list[tuple[float, str, str]]:
    """(strength, a, b) for every pair that passes the story rule (copies not included)."""
    import numpy as np

    weights = name_weights(sigs)
    dated = sorted((s for s in sigs if s.lo is not None), key=lambda s: s.lo)
    undated = [s for s in sigs if s.lo is None]
    window = STORY_WINDOW_DAYS * 86400.0
    pairs = []
    # A pair can only pass with similarity >= the "with names" threshold (or, without vectors, with
    # shared names), so one matrix-vector product per article picks the pairs worth the rules: the
    # same result as testing every pair, without a Python loop over all of them.
    min_sim = (LEXICAL if lexical else SEMANTIC)["with_names"]
    dims = {len(s.vector) for s in dated if s.vector is not None}
    vec_ok = len(dims) == 1
    if vec_ok:
        d = dims.pop()
        V = np.zeros((len(dated), d), dtype=np.float32)
        has = np.zeros(len(dated), dtype=bool)
        for k, sg in enumerate(dated):
            if sg.vector is not None:
                V[k], has[k] = sg.vector, True
    los = np.array([sg.lo for sg in dated], dtype=np.float64)
    for i, a in enumerate(dated):
        # sorted by start: nothing after `end` can be within the window
        end = int(np.searchsorted(los, a.hi + window + _SPAN["year"], side="right"))
        if vec_ok and has[i]:
            sims = V[i + 1 : end] @ V[i]
            worth = np.nonzero((sims >= min_sim - 1e-6) | ~has[i + 1 : end])[0]
            if len(worth) > MAX_NEIGHBOURS:
                # a flood of near-identical items (one feed's boilerplate): keep the most similar
                # neighbours, so pairs stay linear in the number of articles, not quadratic
                worth = worth[np.argsort(-sims[worth], kind="stable")[:MAX_NEIGHBOURS]]
            candidates = [dated[i + 1 + j] for j in sorted(worth)]
        else:
            candidates = dated[i + 1 : end]
        for b in candidates:
            if (a.vector is None or b.vector is None) and not (a.names & b.names):
                continue  # without a similarity, only shared names can make a story
            days = day_distance(a, b)
            if days is None or days > STORY_WINDOW_DAYS:
                continue
            sim, names, numbers = pair_evidence(a, b, weights)
            if is_same_story(sim, names, numbers, days, lexical):
                pairs.append(((sim or 0.0) + 0.01 * min(names, 20), *sorted((a.article_id, b.article_id))))
    for i, a in enumerate(undated):
        for b in undated[i + 1 :] + dated:
            sim, names, numbers = pair_evidence(a, b, weights)
            if is_same_story(sim, names, numbers, None, lexical):
                pairs.append(((sim or 0.0) + 0.01 * min(names, 20), *sorted((a.article_id, b.article_id))))
    return pairs


def linked_components(ids: list[str], scored: list[tuple[float, str, str]], min_share: float = MIN_LINK_SHARE) -> dict[str, str]:
    """Average-linkage grouping: strongest pairs first; two groups merge only when at least
    min_share of the pairs between them passed. Article id -> the smallest id of its group.

    The number of passed pairs between every two groups is kept up to date as groups merge,
    so each merge costs the number of neighbouring groups, not the product of group sizes."""
    members = {i: [i] for i in ids}
    owner = {i: i for i in ids}
    links: dict[str, dict[str, int]] = {i: {} for i in ids}
    for a, b in {tuple(sorted((a, b))) for _, a, b in scored}:
        if a in links and b in links and a != b:
            links[a][b] = links[a].get(b, 0) + 1
            links[b][a] = links[b].get(a, 0) + 1
    for _, a, b in sorted(scored, key=lambda x: (-x[0], x[1], x[2])):
        if a not in owner or b not in owner:
            continue
        ra, rb = owner[a], owner[b]
        if ra == rb:
            continue
        size = len(members[ra]) * len(members[rb])
        if size > 1 and links[ra].get(rb, 0) < min_share * size:
            continue
        root, other = (ra, rb) if ra < rb else (rb, ra)
        for g, n in links.pop(other).items():
            links[g].pop(other, None)
            if g != root:
                links[root][g] = links[root].get(g, 0) + n
                links[g][root] = links[g].get(root, 0) + n
        links[root].pop(root, None)
        members[root] = members[root] + members.pop(other)
        for x in members[root]:
            owner[x] = root
    return dict(owner)


def components(ids: list[str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Union-find: article id -> the smallest article id of its component."""
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        if a in parent and b in parent:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}
