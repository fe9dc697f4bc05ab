"""Lexical candidates on SQLite score only the matches that could enter the result (MaxScore,
library/search.py): the same chunks, order and bm25 scores as scoring every match."""

import json
import random

import pytest

from assistant.library import search as store_search
from assistant.retrieve import lexical
from assistant.retrieve.filters import Filters
from tests.conftest import SEEDS, write


def every_match(conn, text, filters, limit):
    """The plain ranking: bm25() of every match, the searchable revisions passing the filters,
    best first, ties by chunk id (what fts_chunks must return)."""
    searchable, s_args = store_search.searchable_sql("r", filters)
    where, args = filters.sql("r")
    rows = conn.execute(
        f"""SELECT c.chunk_id, f.score FROM (SELECT rowid, bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ?) f
            JOIN chunks c ON c.rowid = f.rowid JOIN revisions r ON r.article_id = c.article_id AND r.revision = c.revision
            WHERE {searchable} AND {where} ORDER BY f.score, c.chunk_id LIMIT ?""",
        [lexical.fts_query(text), *s_args, *args, limit]).fetchall()
    return [(r[0], r[1]) for r in rows]


def fts_chunks(conn, text, filters, limit):
    return store_search.fts_chunks(conn, lexical.query_terms(text), filters, limit, lexical.fts_query(text))


@pytest.fixture(autouse=True)
def small_libraries_narrowed_too(monkeypatch):
    """These libraries are small: the narrowing runs however few chunks match (search.py scores
    every match below MAXSCORE_MIN_MATCHES)."""
    monkeypatch.setattr(store_search, "MAXSCORE_MIN_MATCHES", 0)


@pytest.fixture
def narrowed(monkeypatch):
    """Records, per lexical ranking, (its terms, the expression its last pass was narrowed to:
    None when every match was scored)."""
    seen = []
    real_maxscore, real_ranked = store_search._fts_maxscore, store_search._fts_ranked
    passes = []

    def ranked(conn, match, within, scope, limit):
        passes.append(within)
        return real_ranked(conn, match, within, scope, limit)

    def maxscore(conn, terms, match, scope, limit):
        passes.clear()
        out = real_maxscore(conn, terms, match, scope, limit)
        seen.append((list(terms), passes[-1]))
        return out

    monkeypatch.setattr(store_search, "_fts_maxscore", maxscore)
    monkeypatch.setattr(store_search, "_fts_ranked", ranked)
    return seen


def open_lib(home):
    from assistant.library.access import open_library
    from assistant.settings import Settings

    return open_library(Settings.load(home))


def test_a_common_term_is_left_out_of_the_chunks_scored_yet_counts_in_every_score(home, cli, tmp_path, narrowed, monkeypatch):
    """"council" is in 12 of 32 chunks, "harbour" in two: the two harbour chunks outscore
    anything "council" alone can add, so only they are scored, and "council" still counts in
    their scores."""
    docs = [{"id": "h1", "title": "Note one", "text": "The council met. The council voted on the harbour.", "date": "2024-01-02"},
            {"id": "h2", "title": "Note two", "text": "A harbour crew sat today.", "date": "2024-01-03"}]
    docs += [{"id": f"c{i}", "title": f"Item {i}", "text": f"The {'council' if i < 11 else 'board'} discussed item {i} at length.",
              "date": "2024-01-04"} for i in range(30)]
    cli("ingest", write(tmp_path / "docs.jsonl", "\n".join(json.dumps(d) for d in docs)))
    monkeypatch.setattr(store_search, "FIRST_WANT", 1)  # the first pass: "harbour" alone (2 chunks) fills a list of 2
    with open_lib(home) as lib:
        titles = dict(lib.conn.execute("SELECT c.chunk_id, r.title FROM chunks c JOIN revisions r USING (article_id, revision)").fetchall())
        for limit in (1, 2):
            narrowed.clear()
            got = fts_chunks(lib.conn, "council harbour", Filters(), limit)
            assert narrowed == [(["council", "harbour"], '("harbour")')]
            assert got == every_match(lib.conn, "council harbour", Filters(), limit)
        assert sorted(titles[c] for c, _ in got) == ["Note one", "Note two"]
        harbour_only = dict(every_match(lib.conn, "harbour", Filters(), 2))
        one = next(c for c in harbour_only if titles[c] == "Note one")
        assert dict(got)[one] < harbour_only[one]  # "council" added to its score (lower is better)
        narrowed.clear()
        assert fts_chunks(lib.conn, "council harbour", Filters(), 3) == every_match(lib.conn, "council harbour", Filters(), 3)
        assert narrowed == [(["council", "harbour"], None)]  # a third result can only come from "council": every match


def _random_library(cli, tmp_path, seed=5):
    """80 articles over a Zipf-like vocabulary (some words in most chunks, most in a few), three
    outlets, dates over four years, some revised (older revisions not searchable), some undated."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(120)]
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(words))]
    docs = []
    for i in range(80):
        text = ". ".join(" ".join(rng.choices(words, weights, k=rng.randint(4, 14))) for _ in range(rng.randint(1, 6))) + "."
        doc = {"id": f"d{i}", "title": f"Item {i % 23}", "text": text, "source": f"outlet{i % 3}.example"}
        if i % 9:
            doc["date"] = f"{2020 + i % 4}-{1 + i % 12:02d}-{1 + i % 27:02d}"
        docs.append(doc)
    # copies: equal chunks, so equal scores (ties go by chunk id)
    docs += [dict(docs[3], id=f"copy{j}", source=f"copy{j}.example") for j in range(4)]
    cli("ingest", write(tmp_path / "a.jsonl", "\n".join(json.dumps(d) for d in docs)))
    revised = [dict(d, text=d["text"] + " w7 w7 w90 revised.") for d in docs[:10]]
    cli("ingest", write(tmp_path / "b.jsonl", "\n".join(json.dumps(d) for d in revised)))
    return rng, words, weights


def test_ranking_equals_scoring_every_match_on_random_questions_and_filters(home, cli, tmp_path, narrowed):
    rng, words, weights = _random_library(cli, tmp_path)
    filters = [Filters(), Filters(as_of="2022-06-30"), Filters(as_of="2021-03-01", include_undated=True),
               Filters(sources=["outlet1.example"]), Filters(since="2022-01-01"), Filters(include_undated=True, until="2021-12-31")]
    with open_lib(home) as lib:
        for _ in range(120):
            text = " ".join(rng.sample(words[:4], rng.randint(0, 3)) + rng.choices(words, weights, k=rng.randint(1, 5)))
            for f in filters:
                for limit in (1, 3, 10):
                    assert fts_chunks(lib.conn, text, f, limit) == every_match(lib.conn, text, f, limit), (text, f, limit)
    pruned = [n for n in narrowed if n[1] is not None]
    # the test exercised the narrowing: terms left out of it, chunks that need two terms
    assert len(pruned) > 100 and any(f'"{w}"' not in e for t, e in pruned for w in t) and any(" AND " in e for _, e in pruned)


def test_ranking_equals_scoring_every_match_on_the_seeds(seeded, home, narrowed):
    rng = random.Random(11)
    with open_lib(home) as lib:
        vocab = [r[0] for r in lib.conn.execute("SELECT text FROM chunks ORDER BY chunk_id")]
        questions = ["Who is the governor of Puerto Rico?", "Navalny poisoning Novichok", "asteroid risk to Earth",
                     "Supreme Court ruling on the governor", "vaccine trial results this week"]
        tokens = [t for text in vocab for t in lexical.query_terms(text)]
        questions += [" ".join(rng.choices(tokens, k=rng.randint(2, 8))) for _ in range(60)]
        for text in questions:
            for f in (Filters(), Filters(as_of="2020-01-01", include_undated=True)):
                for limit in (1, 5, 100):
                    assert fts_chunks(lib.conn, text, f, limit) == every_match(lib.conn, text, f, limit), (text, f, limit)
    assert any(n[1] is not None for n in narrowed)


def test_ties_cut_by_the_first_net_go_by_chunk_id(home, cli, tmp_path, monkeypatch):
    """The best matches are taken from the index by score alone; when the last result ties with
    the last match taken, every match is ranked, so equal chunks come by chunk id."""
    docs = [{"id": f"t{i}", "title": "Same", "text": "Storm floods the valley.", "source": f"s{i}.example", "date": "2024-02-02"} for i in range(8)]
    cli("ingest", write(tmp_path / "t.jsonl", "\n".join(json.dumps(d) for d in docs)))
    monkeypatch.setattr(store_search, "FIRST_NET_FACTOR", 1)
    monkeypatch.setattr(store_search, "FIRST_NET_MIN", 1)  # a net of `limit` matches
    with open_lib(home) as lib:
        ids = sorted(r[0] for r in lib.conn.execute("SELECT chunk_id FROM chunks"))
        for limit in (1, 2, 3):
            got = fts_chunks(lib.conn, "storm valley", Filters(), limit)
            assert [c for c, _ in got] == ids[:limit]
            assert got == every_match(lib.conn, "storm valley", Filters(), limit)


def test_the_chunk_count_bound_is_fts5s_row_count_or_more(home, cli, tmp_path):
    """The idf bound needs at least FTS5's N: its averages record, or the largest rowid while this
    connection's own chunks are not in the record yet."""
    cli("ingest", SEEDS)
    with open_lib(home) as lib:
        n = lib.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        assert store_search._chunk_count_bound(lib.conn) == n
    assert store_search._varint(bytes([0x81, 0x00])) == 128 and store_search._varint(bytes([0x05, 0xFF])) == 5


def test_few_matches_are_all_scored_in_one_pass(home, cli, tmp_path, narrowed, monkeypatch):
    """Below MAXSCORE_MIN_MATCHES the passes cost more than they save: every match is scored."""
    _random_library(cli, tmp_path)
    with open_lib(home) as lib:
        for threshold, narrowing in ((10**6, False), (0, True)):
            monkeypatch.setattr(store_search, "MAXSCORE_MIN_MATCHES", threshold)
            narrowed.clear()
            assert fts_chunks(lib.conn, "w0 w1 w40 w77", Filters(), 1) == every_match(lib.conn, "w0 w1 w40 w77", Filters(), 1)
            assert (narrowed[0][1] is not None) == narrowing
