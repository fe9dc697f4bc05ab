"""The three embedders: local MiniLM ONNX (real model), OpenAI-compatible (real client, fake server), hash."""

import math

import pytest

from assistant import Assistant
from assistant.library.access import open_library
from assistant.embed.hashing import HashEmbedder
from assistant.settings import Settings
from tests.conftest import SEEDS


def cos(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


@pytest.fixture(scope="module")
def local():
    from assistant.embed.local import LocalEmbedder

    return LocalEmbedder()


@pytest.mark.slow
def test_local_embedder_gives_meaningful_normalised_vectors(local):
    docs = ["The governor of Puerto Rico resigned after protests.", "An asteroid will pass close to Earth in 2029.", ""]
    vecs = local.embed_documents(docs)
    assert [len(v) for v in vecs] == [384, 384, 384]
    assert abs(sum(x * x for x in vecs[0]) - 1) < 1e-4
    q = local.embed_query("Who stepped down as Puerto Rico's governor?")
    assert cos(q, vecs[0]) > cos(q, vecs[1]) + 0.2
    # order is kept whatever the internal length sorting does
    many = [f"sentence {i} " * (i % 7 + 1) for i in range(13)]
    batch = local.embed_documents(many)
    singles = [local.embed_query(t) for t in many]
    assert all(cos(a, b) > 0.9999 for a, b in zip(batch, singles))
    counts = local.count_tokens_batch(["Hello world", "unbelievably"])
    assert counts[0] == 2 and counts[1] > 1  # word pieces, without [CLS]/[SEP]


@pytest.mark.slow
def test_ingest_with_the_local_embedder_and_the_cache(cli, home, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "local")
    r = cli("ingest", SEEDS, "--json")
    assert r.code == 0 and r.json()["added"] == 12
    # every chunk fits the budget in the model's own word pieces (a single long sentence may not)
    from assistant.embed.local import LocalEmbedder

    with open_library(Settings.load()) as lib:
        rows = lib.conn.execute("SELECT text, token_count, first_sentence, last_sentence FROM chunks").fetchall()
        counts = LocalEmbedder().count_tokens_batch([r["text"] for r in rows])
        assert all(abs(c - r["token_count"]) <= 2 for c, r in zip(counts, rows))  # header joined by a newline
        assert all(r["token_count"] <= 256 or r["first_sentence"] == r["last_sentence"] for r in rows)
        from assistant.util import sha256_text

        cached_hashes = {r[0] for r in lib.conn.execute("SELECT text_hash FROM embed_cache WHERE embedder='minilm-l6-int8'")}
        assert {sha256_text(r["text"]) for r in rows} <= cached_hashes  # every chunk vector is cached
        cached = lib.conn.execute("SELECT COUNT(*) FROM embed_cache").fetchone()[0]
    # reindex with the same settings embeds nothing new: every vector comes from the cache
    r = cli("reindex", "--json")
    assert r.code == 0
    with open_library(Settings.load()) as lib:
        assert lib.conn.execute("SELECT COUNT(*) FROM embed_cache").fetchone()[0] == cached


def test_openai_compatible_embedder_through_the_real_client(cli, home, monkeypatch, fake_openai):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "openai")
    monkeypatch.setenv("ASSISTANT_EMBED_MODEL", "fake-embed")
    monkeypatch.setenv("ASSISTANT_EMBED_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    r = cli("ingest", SEEDS / "news", "--json")
    assert r.code == 0 and r.json()["added"] == 11, r
    calls = [q for q in fake_openai.requests if q.path.endswith("/embeddings")]
    assert calls and all(q.body["model"] == "fake-embed" for q in calls)
    assert calls[0].headers["authorization"] == "Bearer sk-test-not-a-real-key"
    man = open_library(Settings.load()).manifest()
    assert man["embedder"] == "openai:fake-embed" and man["dimensions"] == "64"
    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]
    # the key is nowhere in the data directory
    for f in home.rglob("*"):
        if f.is_file():
            assert b"sk-test-not-a-real-key" not in f.read_bytes(), f


def test_openai_embedder_errors_are_clear(cli, home, monkeypatch, fake_openai):
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "openai")
    monkeypatch.setenv("ASSISTANT_EMBED_MODEL", "text-embedding-nope")
    monkeypatch.setenv("ASSISTANT_EMBED_BASE_URL", fake_openai.url + "/v1")
    r = cli("ingest", SEEDS / "news", "--json")
    assert r.code == 1 and "does not know the model 'text-embedding-nope'" in r.json()["error"]["message"]
    monkeypatch.setenv("ASSISTANT_EMBED_MODEL", "fake-embed")
    fake_openai.queue_fault("401")
    r = cli("ingest", SEEDS / "news", "--json")
    assert r.code == 1 and "refused the API key" in r.json()["error"]["message"]
    assert cli("sources", "--json").json()["articles"] == []  # nothing half-visible
    r = cli("ingest", SEEDS / "news", "--json")  # the next run completes the pending work
    assert r.code == 0 and r.json()["recovered"] == 11 and Assistant(settings=Settings.load()).check().to_dict()["ok"]


def test_hash_embedder_is_deterministic():
    e = HashEmbedder()
    assert e.embed_query("Same text") == e.embed_query("Same text")
    assert cos(e.embed_query("storm hits coast"), e.embed_query("storm hits the coast")) > cos(e.embed_query("storm hits coast"), e.embed_query("budget vote"))


def _hash_vector_by_loop(text: str, dims: int = 256) -> list[float]:
    """The hash embedder's definition, one feature at a time (what HashEmbedder computed before it
    was vectorised): libraries and embedding caches built with either must hold the same vectors."""
    import hashlib
    import math
    import re

    vec = [0.0] * dims
    words = re.findall(r"[a-z0-9]+", text.lower())
    for feat in words + [a + " " + b for a, b in zip(words, words[1:])]:
        h = hashlib.blake2b(feat.encode(), digest_size=8).digest()
        vec[int.from_bytes(h[:4], "little") % dims] += 1.0 if h[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def test_hash_embedder_vectors_are_the_per_feature_definition():
    texts = ["", "!!!", "a", "Storm hits coast", "the the the the", "Vázquez wins 3.5% of 2,000 votes in Zürich — again",
             " ".join(f"w{i % 37} x{i % 11}" for i in range(3000))]
    got = HashEmbedder().embed_documents(texts)
    assert got == [_hash_vector_by_loop(t) for t in texts]  # equal floats, not approximately
    assert all(type(x) is float for x in got[3])
