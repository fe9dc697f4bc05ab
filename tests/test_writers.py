"""The write lock, reindex, embedder/manifest mismatches, and a real Chroma server."""

import time

import pytest

from assistant import Assistant
from assistant.library.access import open_library
from assistant.vectors.access import vector_index
from assistant.library.lock import write_lock
from assistant.settings import Settings
from tests.conftest import SEEDS


def test_second_writer_refuses_clearly_while_readers_keep_working(sh, cli, home):
    cli("ingest", SEEDS / "news" / "2020-08-22-wikinews-navalny-airlifted-to-germany.md")
    with write_lock(home, timeout=0):
        t0 = time.perf_counter()
        r = sh("ingest", SEEDS, "--wait", "1", "--json")
        waited = time.perf_counter() - t0
        assert r.code == 1
        assert r.json()["error"]["message"] == f"another assistant process is writing to {home}"
        assert "--wait" in r.json()["error"]["hint"]
        assert waited >= 1.0
        # readers take no lock
        assert len(cli("sources", "--json").json()["articles"]) == 1
    # once the lock is free, the writer goes ahead
    assert sh("ingest", SEEDS, "--wait", "0").code == 0


def test_a_waiting_writer_proceeds_when_the_lock_is_released(home):
    import subprocess
    import sys

    from tests.conftest import REPO

    with write_lock(home, timeout=0):
        p = subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(SEEDS), "--wait", "60"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert p.poll() is None  # still waiting
    out, errs = p.communicate(timeout=120)
    assert p.returncode == 0, errs
    assert "12 added" in out


def test_reindex_after_changing_chunk_settings(cli, home, monkeypatch):
    cli("ingest", SEEDS)
    before = {a["article_id"]: a["chunk_count"] for a in cli("sources", "--json").json()["articles"]}
    cli("config", "set", "chunk_tokens", "96")
    r = cli("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md", "--json")
    assert r.code == 1
    err = r.json()["error"]
    assert "chunk_tokens=256" in err["message"] and "assistant reindex" in err["hint"]
    r = cli("reindex", "--json")
    assert r.code == 0 and r.json()["revisions"] == 12
    after = {a["article_id"]: a["chunk_count"] for a in cli("sources", "--json").json()["articles"]}
    assert sum(after.values()) > sum(before.values())  # smaller chunks, more of them
    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]
    assert cli("ingest", SEEDS, "--json").json()["unchanged"] == 12


def _untitled(path, n):
    import json

    path.write_text("\n".join(json.dumps({"title": "", "url": f"https://example.org/u/{i}", "published": "2024-03-01",
                                          "text": " ".join(f"Harbour {i} story sentence {j} about the new ferry timetable."
                                                           for j in range(40))}) for i in range(n)) + "\n")
    return path


def test_the_opening_words_setting_asks_for_a_reindex_only_where_it_changes_chunks(cli, home, tmp_path):
    """chunk_opening_tokens changes the chunks of untitled articles only: a library that holds one is
    refused until reindex (which re-chunks them and keeps every sentence id); one without takes it."""
    titled = cli("ingest", _articles(tmp_path / "titled.jsonl", 3), "--json")
    assert titled.code == 0
    cli("config", "set", "chunk_opening_tokens", "12")
    assert cli("ingest", _articles(tmp_path / "more.jsonl", 2, "Memo"), "--json").code == 0  # nothing untitled: no reindex
    cli("config", "set", "chunk_opening_tokens", "0")
    assert cli("ingest", _untitled(tmp_path / "untitled.jsonl", 2), "--json").code == 0
    with open_library(Settings.load()) as lib:
        sentences = lib.conn.execute("SELECT article_id, revision, idx, text FROM sentences ORDER BY 1, 2, 3").fetchall()
        before = [t for (t,) in lib.conn.execute("SELECT c.text FROM chunks c JOIN revisions r USING (article_id, revision) WHERE r.title = ''")]
    cli("config", "set", "chunk_opening_tokens", "12")
    r = cli("ingest", _articles(tmp_path / "later.jsonl", 1, "Notice"), "--json")
    assert r.code == 1
    assert "chunk_opening_tokens=0" in r.json()["error"]["message"] and "assistant reindex" in r.json()["error"]["hint"]
    assert cli("reindex", "--json").code == 0
    with open_library(Settings.load()) as lib:
        assert lib.conn.execute("SELECT article_id, revision, idx, text FROM sentences ORDER BY 1, 2, 3").fetchall() == sentences
        after = [(i, t) for i, t in lib.conn.execute(
            "SELECT c.idx, c.text FROM chunks c JOIN revisions r USING (article_id, revision) WHERE r.title = '' ORDER BY c.article_id, c.idx")]
        assert lib.manifest()["chunk_opening_tokens"] == "12"
    assert len(after) > 2 and all(t.startswith("Harbour 0 story sentence 0") or t.startswith("Harbour 1 story sentence 0") for _, t in after)
    assert all(t.startswith("2024-03-01") for t in before)
    assert cli("ingest", _articles(tmp_path / "later.jsonl", 1, "Notice"), "--json").code == 0


def test_a_library_from_before_the_opening_words_setting_counts_as_built_without_it(cli, home, tmp_path):
    cli("config", "set", "chunk_opening_tokens", "0")
    assert cli("ingest", _untitled(tmp_path / "untitled.jsonl", 1), "--json").code == 0
    with open_library(Settings.load()) as lib:
        with lib.transaction() as c:
            c.execute("DELETE FROM manifest WHERE key='chunk_opening_tokens'")
    assert cli("ingest", _articles(tmp_path / "a.jsonl", 1), "--json").code == 0


def test_a_library_keeps_its_chunking_when_a_new_release_changes_the_defaults(cli, home, tmp_path, monkeypatch):
    """Built with other defaults (overlap 1, no opening words: the defaults before this release), a
    library keeps taking writes with its own chunking; reindex moves it to the current defaults and
    keeps every sentence id; a value the user sets still asks for a reindex."""
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", "1")
    monkeypatch.setenv("ASSISTANT_CHUNK_OPENING_TOKENS", "0")
    assert cli("ingest", _untitled(tmp_path / "untitled.jsonl", 2), "--json").code == 0
    monkeypatch.delenv("ASSISTANT_CHUNK_OVERLAP")
    monkeypatch.delenv("ASSISTANT_CHUNK_OPENING_TOKENS")
    assert cli("ingest", _untitled(tmp_path / "more.jsonl", 3), "--json").code == 0  # the defaults: no refusal
    with open_library(Settings.load()) as lib:
        built = lib.manifest()
        sentences = lib.conn.execute("SELECT article_id, revision, idx, text FROM sentences ORDER BY 1, 2, 3").fetchall()
        heads = [t for (t,) in lib.conn.execute("SELECT text FROM chunks")]
    assert (built["chunk_overlap"], built["chunk_opening_tokens"]) == ("1", "0")
    assert all(t.startswith("2024-03-01") for t in heads)  # every chunk made the library's way: no opening words
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", "2")  # chosen by the user: refused until reindex
    r = cli("ingest", _articles(tmp_path / "a.jsonl", 1), "--json")
    assert r.code == 1 and "chunk_overlap=1" in r.json()["error"]["message"] and "assistant reindex" in r.json()["error"]["hint"]
    monkeypatch.delenv("ASSISTANT_CHUNK_OVERLAP")
    assert cli("reindex", "--json").code == 0
    with open_library(Settings.load()) as lib:
        assert (lib.manifest()["chunk_overlap"], lib.manifest()["chunk_opening_tokens"]) == (
            str(Settings().chunk_overlap), str(Settings().chunk_opening_tokens))
        assert lib.conn.execute("SELECT article_id, revision, idx, text FROM sentences ORDER BY 1, 2, 3").fetchall() == sentences


def test_another_embedder_is_refused_until_reindex(cli, home, monkeypatch):
    cli("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md")
    r = cli("--embedder", "local", "ingest", SEEDS, "--json")
    assert r.code == 1
    assert "embedder=hash-256" in r.json()["error"]["message"] and "reindex" in r.json()["error"]["hint"]


def test_lost_chroma_directory_is_found_by_check_and_fixed_by_reindex(sh, home):
    # subprocesses: chromadb caches its client per path inside one process
    import shutil

    sh("ingest", SEEDS)
    shutil.rmtree(home / "chroma")
    r = sh("check", "--json")
    assert r.code == 1 and any("no vector" in p["problem"] and p["fix"] == "assistant reindex" for p in r.json()["problems"]), r
    assert sh("reindex").code == 0
    assert sh("check").code == 0


@pytest.mark.slow
def test_ingest_and_query_against_a_chroma_server(cli, home, chroma_server, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", chroma_server)
    r = cli("ingest", SEEDS, "--json")
    assert r.code == 0 and r.json()["added"] == 12
    assert not (home / "chroma").exists()  # nothing embedded locally
    report = Assistant(settings=Settings.load()).check().to_dict()
    assert report["ok"] and report["vectors"] == report["counts"]["chunks"]
    # query the server's collection with a chunk's own vector: that chunk comes first
    from assistant.embed import build_embedder

    cfg = Settings.load()
    with open_library(cfg) as lib:
        index = vector_index(cfg, lib)
        row = lib.conn.execute("SELECT chunk_id, text FROM chunks ORDER BY chunk_id LIMIT 1").fetchone()
        hits = index.query(build_embedder(cfg).embed_query(row["text"]), k=3)
        assert hits[0][0] == row["chunk_id"] and hits[0][1] < 1e-4
        aid = row["chunk_id"].split("@")[0]
        filtered = index.query(build_embedder(cfg).embed_query(row["text"]), k=50, where={"article_id": aid})
        assert filtered and all(h[0].startswith(aid) for h in filtered)
    gone = cli("forget", aid, "--json").json()["forgotten"]
    assert gone == [aid] and Assistant(settings=Settings.load()).check().to_dict()["ok"]


def test_unreachable_chroma_server_is_a_clear_error(cli, home, monkeypatch):
    from tests.conftest import free_port

    monkeypatch.setenv("ASSISTANT_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    r = cli("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md", "--json")
    assert r.code == 1
    assert "Chroma server" in r.json()["error"]["message"] and "chroma run" in r.json()["error"]["hint"]
    # nothing half-written: the pending revision is not visible and is completed by a later run
    monkeypatch.delenv("ASSISTANT_CHROMA_URL")
    assert cli("sources", "--json").json()["articles"] == []


def test_check_finds_a_damaged_full_text_index(cli, home):
    import sqlite3

    cli("ingest", SEEDS)
    assert cli("check").code == 0
    conn = sqlite3.connect(home / "library.sqlite3")
    conn.execute("INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', 1, (SELECT text FROM chunks WHERE rowid=1))")
    conn.commit()
    conn.close()
    r = cli("check", "--json")
    assert r.code == 1 and any("full-text index" in p["problem"] for p in r.json()["problems"])
    assert cli("reindex").code == 0 and cli("check").code == 0


def _articles(path, n, prefix="Report"):
    import json

    lines = [json.dumps({"title": f"{prefix} {i}", "url": f"https://example.org/{prefix.lower()}/{i}", "published": f"2024-03-{1 + i % 28:02d}",
                         "text": f"Council {prefix} meeting number {i} approved item {i * 7}. The vote on the plan {i} was close. "
                                 f"Residents of ward {i} spoke for an hour about {prefix.lower()} {i * 13}."}) for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_manifest_is_written_when_it_changes_not_with_every_commit(cli, home, tmp_path, monkeypatch):
    """Every batch commit records the writer's settings; rewriting unchanged rows made concurrent
    writers' commits queue on the manifest's row locks (PostgreSQL). Only what differs is written."""
    from assistant.library.store import Library

    calls = []
    original = Library.set_manifest

    def spy(self, conn=None, **values):
        calls.append(values)
        return original(self, conn, **values)

    monkeypatch.setattr(Library, "set_manifest", spy)
    settings_writes = lambda: [c for c in calls if {"embedder", "chunk_tokens", "dimensions"} & set(c)]  # noqa: E731
    assert cli("ingest", _articles(tmp_path / "a.jsonl", 80), "--json").json()["added"] == 80  # 3 batches, 3 commits
    [first] = settings_writes()
    assert first == {"embedder": "hash-256", "chunk_tokens": "256", "chunk_overlap": "0", "chunk_opening_tokens": "64", "dimensions": "256"}
    calls.clear()
    assert cli("ingest", _articles(tmp_path / "b.jsonl", 40, "Notice"), "--json").json()["added"] == 40
    assert settings_writes() == []  # unchanged: not written again
    with open_library(Settings.load()) as lib:
        with lib.transaction() as c:
            c.execute("DELETE FROM manifest WHERE key='dimensions'")
    assert cli("ingest", _articles(tmp_path / "c.jsonl", 5, "Memo"), "--json").json()["added"] == 5
    assert settings_writes() == [{"dimensions": "256"}]  # only what differs
    with open_library(Settings.load()) as lib:
        assert lib.manifest()["dimensions"] == "256"


def test_copies_and_stories_are_signed_batch_by_batch_outside_the_regroup_lock(cli, home, tmp_path, monkeypatch):
    """The costly part of regrouping (shingles, MinHash, lead vectors) runs as each batch commits,
    in every writer at once; under the regroup lock only the memberships are recomputed."""
    import json
    from contextlib import contextmanager

    from assistant.library.store import Library
    from assistant.news import clusters

    inside = []
    signed = []
    refreshed = []
    original_regrouping, original_sign, original_refresh = Library.regrouping, clusters.sign, clusters.refresh

    @contextmanager
    def regrouping(self, **kw):
        with original_regrouping(self, **kw):
            inside.append(True)
            try:
                yield
            finally:
                inside.pop()

    def sign(lib, keys, *a, **kw):
        signed.append((len(keys), bool(inside)))
        return original_sign(lib, keys, *a, **kw)

    def refresh(*a, **kw):
        refreshed.append(original_refresh(*a, **kw))
        return refreshed[-1]

    monkeypatch.setattr(Library, "regrouping", regrouping)
    monkeypatch.setattr(clusters, "sign", sign)
    monkeypatch.setattr(clusters, "refresh", refresh)
    path = _articles(tmp_path / "a.jsonl", 70)
    copy = json.loads(path.read_text().splitlines()[3])  # the same text at another outlet: a copy
    with open(path, "a") as f:
        f.write(json.dumps({**copy, "url": "https://elsewhere.example.com/copied"}) + "\n")
    assert cli("ingest", path, "--json").json()["added"] == 71
    assert signed == [(32, False), (32, False), (7, False)]
    assert refreshed[-1]["changed"] and refreshed[-1]["signatures"] == 0  # nothing left to sign under the lock
    arts = {a["url"]: a for a in cli("sources", "--json").json()["articles"]}
    a, b = arts["https://example.org/report/3"], arts["https://elsewhere.example.com/copied"]
    assert a["copies"] == [b["article_id"]] and b["copies"] == [a["article_id"]] and a["story"] == b["story"]
    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]
