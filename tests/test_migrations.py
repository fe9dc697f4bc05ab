"""Schema migrations: a library written before them (tests/fixtures/library_v1, made by commit
4268f05) is opened, migrated and answers as it did; a newer library is refused; reading an
up-to-date library writes nothing and takes no lock; a failed step leaves the earlier version."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant.errors import LockedError, NewerLibrary
from assistant.library import migrations
from assistant.library.lock import write_lock
from assistant.library.store import Library

FIXTURES = Path(__file__).resolve().parent / "fixtures"
V1 = FIXTURES / "library_v1"
EXPECTED = json.loads((FIXTURES / "library_v1.expected.json").read_text())


@pytest.fixture
def v1(tmp_path, home):
    """A copy of the schema-1 library (migrating writes to it)."""
    d = tmp_path / "v1"
    shutil.copytree(V1, d)
    return d


def schema_version(d: Path) -> int:
    with sqlite3.connect(d / "library.sqlite3") as c:
        return int(c.execute("SELECT value FROM manifest WHERE key='schema_version'").fetchone()[0])


def test_the_fixture_is_schema_1():
    assert schema_version(V1) == 1
    with sqlite3.connect(V1 / "library.sqlite3") as c:
        assert c.execute("SELECT 1 FROM sqlite_master WHERE name='committed_revisions'").fetchone() is None


def test_an_old_library_is_migrated_and_answers_the_same(cli, v1):
    r = cli("--data-dir", v1, "sources", "--json")
    assert r.code == 0, r
    assert schema_version(v1) == migrations.SCHEMA_VERSION > 1
    got = [{k: a[k] for k in ("article_id", "title", "revision", "sentence_count", "chunk_count", "story")} for a in r.json()["articles"]]
    assert got == EXPECTED["sources"]
    for q, want in EXPECTED["ask"].items():
        r = cli("--data-dir", v1, "ask", q, "--json")
        assert r.code == want["code"], (q, r)
        d = r.json()
        assert d["refused"] == want["refused"]
        assert [{"text": s["text"], "citations": s["citations"]} for s in d["sentences"]] == want["sentences"], q
    for q, want in EXPECTED["search"].items():
        r = cli("--data-dir", v1, "search", q, "-k", "3", "--json")
        assert [p["sentence_ids"] for p in r.json()["results"]] == want, q
    # and it still takes writes: it was built with the chunk settings of its day (overlap 1), which
    # it keeps while the user has not chosen others; a reindex moves it to the current defaults and
    # keeps every sentence id
    seed = Path(__file__).resolve().parent.parent / "seeds" / "000_dd9860ece21027d1.txt"
    r = cli("--data-dir", v1, "ingest", seed, "--json")
    assert r.code == 0 and r.json()["added"] == 1, r
    with sqlite3.connect(v1 / "library.sqlite3") as c:
        assert dict(c.execute("SELECT key, value FROM manifest"))["chunk_overlap"] == "1"
        sentences = c.execute("SELECT article_id, revision, idx, text FROM sentences ORDER BY 1, 2, 3").fetchall()
    assert cli("--data-dir", v1, "reindex", "--json").code == 0
    with sqlite3.connect(v1 / "library.sqlite3") as c:
        assert c.execute("SELECT article_id, revision, idx, text FROM sentences ORDER BY 1, 2, 3").fetchall() == sentences
    for q, want in EXPECTED["search"].items():  # every sentence id it returned still resolves
        for ids in want:
            for sid in ids:
                assert cli("--data-dir", v1, "show", sid, "--json").code == 0, sid
    assert cli("--data-dir", v1, "ingest", seed, "--json").json()["unchanged"] == 1
    assert cli("--data-dir", v1, "check", "--json").json()["ok"] is True


def test_migrating_needs_the_write_lock_and_reading_an_up_to_date_library_does_not(v1):
    with write_lock(v1):
        with pytest.raises(LockedError):
            Library.open(v1, lock_timeout=0)  # a migration is pending, and a writer holds the lock
    assert schema_version(v1) == 1
    Library.open(v1, lock_timeout=0).close()  # migrates
    assert schema_version(v1) == migrations.SCHEMA_VERSION
    with write_lock(v1):  # a writer at work does not stop a reader
        with Library.open(v1, lock_timeout=0) as lib:
            assert lib.conn.total_changes == 0
            assert lib.counts()["articles"] == 4


def test_a_library_from_a_newer_version_is_refused(cli, v1):
    with sqlite3.connect(v1 / "library.sqlite3") as c:
        c.execute("UPDATE manifest SET value=? WHERE key='schema_version'", (str(migrations.SCHEMA_VERSION + 1),))
    with pytest.raises(NewerLibrary, match="newer version of the assistant"):
        Library.open(v1)
    r = cli("--data-dir", v1, "sources", "--json")
    assert r.code == 1
    err = r.json()["error"]
    assert "newer version of the assistant" in err["message"] and f"schema {migrations.SCHEMA_VERSION + 1}" in err["message"]
    assert "upgrade" in err["hint"]
    assert schema_version(v1) == migrations.SCHEMA_VERSION + 1  # untouched


def test_a_new_step_runs_once_in_order_and_a_failing_one_leaves_the_earlier_version(v1, monkeypatch):
    ran = []

    def m_add_column(conn):
        ran.append("add")
        conn.execute("ALTER TABLE feeds ADD COLUMN note TEXT NOT NULL DEFAULT ''")

    def m_broken(conn):
        ran.append("broken")
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("step failed")

    base = migrations.SCHEMA_VERSION
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m_add_column, m_broken])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", base + 2)
    with pytest.raises(RuntimeError, match="step failed"):
        Library.open(v1)
    assert ran == ["add", "broken"]
    assert schema_version(v1) == base + 1  # the steps before the failing one stay applied
    with sqlite3.connect(v1 / "library.sqlite3") as c:
        assert c.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone() is None  # rolled back
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS[:-1], lambda conn: ran.append("fixed")])
    Library.open(v1).close()
    assert ran == ["add", "broken", "fixed"] and schema_version(v1) == base + 2
    Library.open(v1).close()
    assert ran == ["add", "broken", "fixed"]  # nothing runs twice


def test_a_new_library_gets_every_step(tmp_path):
    with Library.open(tmp_path / "new") as lib:
        assert lib.manifest()["schema_version"] == str(migrations.SCHEMA_VERSION)
        assert lib.conn.execute("SELECT COUNT(*) FROM committed_revisions").fetchone()[0] == 0


def test_m003_folds_two_spellings_of_one_page_and_keeps_every_id(cli, tmp_path):
    import json as _json

    home = tmp_path / "lib"
    page = {"url": "https://www.cnn.com/2022/09/28/us/storm/index.html", "title": "Storm", "date": "2022-09-28",
            "text": "The storm reached the coast on Wednesday. Thousands of people left their homes."}
    bare = dict(page, url="https://cnn.com/2022/09/28/us/storm", title="Storm update",
                text="The storm moved inland on Thursday. Rivers rose across the state.")
    src = tmp_path / "a.jsonl"
    src.write_text(_json.dumps(page) + "\n" + _json.dumps(bare) + "\n")
    cli("--data-dir", home, "config", "set", "embedder", "hash")
    assert cli("--data-dir", home, "ingest", src, "--json").json()["added"] == 1  # one page now: added, then revised
    # make it a library from before canonical URLs: the index.html spelling was its own article
    with sqlite3.connect(home / "library.sqlite3") as c:
        [(aid,)] = c.execute("SELECT article_id FROM articles").fetchall()
        c.execute("UPDATE articles SET identity='url:https://cnn.com/2022/09/28/us/storm/index.html'")
        c.execute("UPDATE manifest SET value='2' WHERE key='schema_version'")
    src.write_text(_json.dumps(bare | {"url": "https://cnn.com/2022/09/28/us/storm/"}) + "\n")
    with sqlite3.connect(home / "library.sqlite3") as c:  # a second article under the bare address, as old libraries had
        c.execute("INSERT INTO articles SELECT 'dup000000001', 'url:https://cnn.com/2022/09/28/us/storm', 'url', created_at FROM articles")
        for table in ("revisions", "sentences"):
            cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})")]
            sel = ", ".join("'dup000000001'" if x == "article_id" else x for x in cols)
            c.execute(f"INSERT INTO {table}({', '.join(cols)}) SELECT {sel} FROM {table} WHERE article_id=?", (aid,))
    before = cli("--data-dir", home, "sources", "--json").json()["articles"]
    assert schema_version(home) == migrations.SCHEMA_VERSION  # `sources` opened it: migrated
    assert {a["article_id"] for a in before} == {aid, "dup000000001"}  # both ids still there and listed
    with sqlite3.connect(home / "library.sqlite3") as c:
        ids = dict(c.execute("SELECT article_id, identity FROM articles"))
        assert "url:https://cnn.com/2022/09/28/us/storm" in ids.values() and sum(v.startswith("alias:") for v in ids.values()) == 1
        assert c.execute("SELECT count(*) FROM article_aliases").fetchone()[0] == 1
    # any spelling now revises the article that kept the identity, never adds a third
    again = cli("--data-dir", home, "ingest", src, "--json").json()
    assert again["added"] == 0 and again["outcomes"][0]["article_id"] == next(a for a, v in ids.items() if v.startswith("url:"))


def test_m003_rebuilds_a_lexical_index_made_without_accent_folding(cli, tmp_path):
    home = tmp_path / "lib"
    cli("--data-dir", home, "config", "set", "embedder", "hash")
    doc = tmp_path / "z.md"
    doc.write_text("---\ntitle: Old town\ndate: 2024-01-02\n---\n\nThe old façade in Zürich was restored by the council.\n")
    cli("--data-dir", home, "ingest", doc)
    with sqlite3.connect(home / "library.sqlite3") as c:  # as an index made with plain unicode61 would be
        c.execute("DROP TABLE chunks_fts")
        c.execute("CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 0')")
        c.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")
        c.execute("UPDATE manifest SET value='2' WHERE key='schema_version'")
    hits = cli("--data-dir", home, "search", "--mode", "lexical", "facade zurich", "--json").json()["results"]
    assert [h["title"] for h in hits] == ["Old town"]
    with sqlite3.connect(home / "library.sqlite3") as c:
        assert "remove_diacritics 2" in c.execute("SELECT sql FROM sqlite_master WHERE name='chunks_fts'").fetchone()[0]


def test_search_folds_a_page_and_its_alias_like_copies(monkeypatch):
    from assistant.retrieve import retriever
    from assistant.retrieve.retriever import groups_with_aliases

    monkeypatch.setattr(retriever, "groups_for", lambda conn, ids: {})  # no copies found by text: only the aliases
    c = sqlite3.connect(":memory:")
    c.execute("CREATE TABLE article_aliases (article_id TEXT PRIMARY KEY, same_as TEXT NOT NULL)")
    c.execute("INSERT INTO article_aliases VALUES ('old', 'kept')")
    assert groups_with_aliases(c, ["kept", "other"]) == {"kept": (["old"], None), "old": (["kept"], None)}
    assert groups_with_aliases(sqlite3.connect(":memory:"), ["kept"]) == {}  # not migrated: nothing folded
