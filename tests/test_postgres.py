"""The PostgreSQL library (--library postgresql://...; issue 15) against a real server.

Every command must give the same documents on SQLite and PostgreSQL (scores aside), keep the
same guarantees (revisions, sentence ids, pending -> vectors -> committed, recovery, check),
and let several writers work at once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, SEEDS, run_subprocess, write

QUESTIONS = ["Who became governor of Puerto Rico?", "Was Navalny poisoned?", "asteroid Torino scale", "Vazquez"]


@pytest.fixture
def both(cli, home, postgres_url, tmp_path):
    """(sqlite, postgres): the CLI on a SQLite data dir and on a PostgreSQL library (its own data dir for vectors)."""
    sq = ("--data-dir", str(tmp_path / "sqlite"))
    pg = ("--data-dir", str(tmp_path / "pg"), "--library", postgres_url)
    return (lambda *a, **kw: cli(*sq, *a, **kw)), (lambda *a, **kw: cli(*pg, *a, **kw))


def _show(run, article_id, *extra):
    doc = run("show", article_id, "--json", *extra).json()
    for r in doc["revisions"]:  # when a revision was ingested differs between the two runs
        r.pop("ingested_at")
        r.pop("revised_at")
    doc.pop("revised_at")
    return doc


def _search(run, query, mode):
    doc = run("search", query, "--json", "--mode", mode, "-k", "5").json()
    for r in doc["results"]:
        r.pop("score")
    return doc


def _sentence_ids(doc) -> list:
    out = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("id", "sentence_id") and isinstance(v, str) and "#" in v:
                    out.append(v)
                elif k in ("sentence_ids", "citations", "cites") and isinstance(v, list):
                    out.extend(s for s in v if isinstance(s, str))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return out


# -- the schema ---------------------------------------------------------------------------------------
def test_the_postgresql_migrations_match_the_sqlite_ones():
    from assistant.library import migrations, pg_schema

    assert len(pg_schema.MIGRATIONS) == migrations.SCHEMA_VERSION
    assert [m.__name__ for m in pg_schema.MIGRATIONS] == [m.__name__ for m in migrations.MIGRATIONS]


def test_outlet_rule_and_accent_folding_agree_with_python(postgres_url):
    """outlet_matches() in PL/pgSQL and fold_accents() in SQL do what outlets.py and the Python table do."""
    from assistant.library import pg, pg_schema
    from assistant.outlets import matches

    conn = pg.connect(postgres_url)
    try:
        pg_schema.apply(conn)
        names = ["usatoday", "usatoday.com", "www.usatoday.com", "USA Today", "https://www.bbc.co.uk/news", "bbc", "bbc.co",
                 "wikinews", "Wikinews (English)", "news", "", "  CNN ", "edition.cnn", "cnn.com", "example.org."]
        rows = [("USA Today", "https://www.usatoday.com/story/x"), ("Wikinews (English)", "https://en.wikinews.org/wiki/X"),
                ("BBC News", "https://www.bbc.co.uk/news/world-1"), ("CNN", "http://edition.cnn.com:80/2019/x"),
                ("example.org", ""), ("", "https://user@www.example.org./a?b"), (None, None), ("news.com.au", "")]
        for name in names:
            for source, url in rows:
                got = conn.execute("SELECT outlet_matches(?, ?, ?)", (name, source, url)).fetchone()[0]
                assert got == matches(name, source, url), (name, source, url)
        text = "Vázquez Garcés, Rosselló, naïve façade, Ærø, Łódź, Ñandú, İstanbul"
        assert conn.execute("SELECT fold_accents(?)", (text,)).fetchone()[0] == pg_schema.fold_accents(text)
        assert pg_schema.fold_accents("Vázquez Rosselló") == "Vazquez Rossello"
    finally:
        conn.close()


# -- parity -------------------------------------------------------------------------------------------
def test_the_seeds_give_the_same_documents_on_both(both):
    sq, pg = both
    for run in both:
        assert run("ingest", "--seeds").code == 0
    assert pg("sources", "--json").json() == sq("sources", "--json").json()
    ids = [a["article_id"] for a in sq("sources", "--json").json()["articles"]]
    assert len(ids) == 12
    for a in ids:
        assert _show(pg, a) == _show(sq, a)
    for q in QUESTIONS:
        assert _search(pg, q, "dense") == _search(sq, q, "dense")
        lex_pg, lex_sq = _search(pg, q, "lexical"), _search(sq, q, "lexical")
        # ranked by ts_rank_cd there and bm25 here: the same fields, and each one's best article in the other's top 3
        assert [set(r) for r in lex_pg["results"]] == [set(r) for r in lex_sq["results"]] != []
        assert lex_pg["results"][0]["article_id"] in {r["article_id"] for r in lex_sq["results"][:3]}
        assert lex_sq["results"][0]["article_id"] in {r["article_id"] for r in lex_pg["results"][:3]}
        hy_pg, hy_sq = _search(pg, q, "hybrid"), _search(sq, q, "hybrid")
        assert {r["article_id"] for r in hy_pg["results"][:3]} == {r["article_id"] for r in hy_sq["results"][:3]}
    for q in QUESTIONS[:2]:
        a_pg, a_sq = pg("ask", q, "--json"), sq("ask", q, "--json")
        assert a_pg.code == a_sq.code == 0
        assert _sentence_ids(a_pg.json()) == _sentence_ids(a_sq.json()) != []
        assert a_pg.json()["answer"] == a_sq.json()["answer"]
    # filters: dates and the one outlet rule, done in SQL on both
    assert pg("sources", "--json", "--source", "defendamerica").json() == sq("sources", "--json", "--source", "defendamerica").json()
    for args in (("--source", "defendamerica"), ("--since", "2019-08-01"), ("--until", "2004-12-31", "--source", "wikinews")):
        got = pg("search", "governor army asteroid", "--json", "--mode", "dense", *args).json()["results"]
        want = sq("search", "governor army asteroid", "--json", "--mode", "dense", *args).json()["results"]
        assert [r["article_id"] for r in got] == [r["article_id"] for r in want] != []
    assert pg("check", "--json").json()["ok"]


def test_revisions_and_forget_on_both(both, tmp_path):
    article = tmp_path / "a.md"
    for run in both:
        write(article, "---\ntitle: Bridge opens\nurl: https://example.org/bridge\npublished: 2024-05-01\n---\nThe bridge opened on Monday. Traffic was light.\n")
        assert run("ingest", article).code == 0
        write(article, "---\ntitle: Bridge opens\nurl: https://example.org/bridge\npublished: 2024-05-01\n---\nThe bridge opened on Monday. Traffic was heavy by noon. Officials were pleased.\n")
        r = run("ingest", article, "--json")
        assert r.code == 0 and r.json()["outcomes"][0]["action"] == "revised"
        assert run("ingest", article, "--json").json()["outcomes"][0]["action"] == "unchanged"
    sq, pg = both
    aid = sq("sources", "--json").json()["articles"][0]["article_id"]
    assert pg("sources", "--json").json() == sq("sources", "--json").json()
    for ref in (aid, aid + "@1", aid + "@2#1"):
        assert _show(pg, ref) == _show(sq, ref)
    assert [r["revision"] for r in pg("show", aid, "--json").json()["revisions"]] == [1, 2]
    for run in both:
        assert run("forget", aid, "--yes").code == 0
        assert run("sources", "--json").json()["articles"] == []
        assert run("check", "--json").json()["ok"]
        assert run("show", aid).code == 1


def test_export_sqlite_import_postgres_and_back(both, tmp_path):
    sq, pg = both
    article = tmp_path / "rev.md"
    write(article, "---\ntitle: Dam report\nurl: https://example.org/dam\npublished: 2024-02-01\n---\nThe dam held. Water rose.\n")
    assert sq("ingest", "--seeds").code == 0 and sq("ingest", article).code == 0
    write(article, "---\ntitle: Dam report\nurl: https://example.org/dam\npublished: 2024-02-01\n---\nThe dam held overnight. Water rose two metres.\n")
    assert sq("ingest", article).code == 0
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert sq("export", "-o", first).code == 0
    r = pg("import", first, "--json")
    assert r.code == 0 and r.json()["imported"] == 13, r
    assert pg("export", "-o", second).code == 0
    back = lambda *a: sq("--data-dir", str(tmp_path / "back"), *a)  # noqa: E731 (a later --data-dir wins)
    assert back("import", second).code == 0
    listing = sq("sources", "--json").json()
    assert pg("sources", "--json").json() == listing == back("sources", "--json").json()
    for a in listing["articles"]:
        for rev in range(1, a["revision"] + 1):
            ref = f"{a['article_id']}@{rev}"
            full = sq("show", ref, "--json").json()
            assert pg("show", ref, "--json").json() == full == back("show", ref, "--json").json()  # ingested_at included
    lines = lambda p: [json.loads(x) for x in p.read_text().splitlines()[1:]]  # noqa: E731
    assert lines(first) == lines(second)


# -- crashes and several writers -----------------------------------------------------------------------
def _pg_env(url, tmp_path, name):
    return {"ASSISTANT_HOME": str(tmp_path / name), "ASSISTANT_LIBRARY_URL": url, "ASSISTANT_EMBEDDER": "hash"}


def test_a_killed_writers_pending_article_is_invisible_then_recovered(postgres_url, tmp_path, home):
    env = _pg_env(postgres_url, tmp_path, "pgk")
    one = SEEDS / "news" / "2020-08-22-wikinews-navalny-airlifted-to-germany.md"
    killed = run_subprocess("ingest", one, env={**env, "ASSISTANT_FAULT": "after_pending"})
    assert killed.code == -9, killed
    assert run_subprocess("sources", "--json", env=env).json()["articles"] == []  # readers never see pending rows
    assert run_subprocess("search", "Navalny airlifted", "--json", env=env).json()["results"] == []
    check = run_subprocess("check", "--json", env=env)
    assert check.code != 0 and "pending" in check.json()["problems"][0]["problem"]
    again = run_subprocess("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md", "--json", env=env)
    assert again.code == 0 and again.json()["recovered"] == 1, again
    arts = run_subprocess("sources", "--json", env=env).json()["articles"]
    assert sorted(a["title"] for a in arts) == ["New Hampshire crash kills seven, including former US Marines", "Russia's Navalny airlifted to Germany"]
    assert run_subprocess("check", "--json", env=env).json()["ok"]


def test_discard_pending_on_postgres(postgres_url, tmp_path, home):
    env = _pg_env(postgres_url, tmp_path, "pgd")
    assert run_subprocess("ingest", SEEDS / "news", env={**env, "ASSISTANT_FAULT": "after_pending:1"}).code == -9
    r = run_subprocess("check", "--discard-pending", env=env)
    assert r.code == 0 and "dropped 11 unfinished revision(s)" in r.stdout + r.stderr, r
    assert run_subprocess("check", "--json", env=env).json()["ok"]
    assert run_subprocess("sources", "--json", env=env).json()["articles"] == []


def test_pending_work_of_a_live_writer_is_left_to_it(postgres_url, tmp_path, home):
    """Recovery completes only what no live writer claims: while a writer holds an article's claim,
    another writer's recovery leaves its pending revision alone."""
    from assistant.library.store import Library

    env = _pg_env(postgres_url, tmp_path, "pgl")
    one = SEEDS / "news" / "2020-08-22-wikinews-navalny-airlifted-to-germany.md"
    assert run_subprocess("ingest", one, env={**env, "ASSISTANT_FAULT": "after_pending"}).code == -9
    lib = Library.open(tmp_path / "pgl", url=postgres_url)
    try:
        [(aid, rev)] = lib.revisions_with_status("pending")
        assert lib.try_claim(lib.identity_of(aid))  # this process now plays the live writer
        other = run_subprocess("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md", "--json", env=env)
        assert other.code == 0 and other.json()["recovered"] == 0, other
        assert lib.revisions_with_status("pending") == [(aid, rev)]
        check = run_subprocess("check", "--json", env=env).json()  # work in progress is not a problem
        assert check["ok"] and check["notes"] == ["1 revision(s) are being written by a running writer"], check
        lib.release_claims()
    finally:
        lib.close()
    check = run_subprocess("check", "--json", env=env).json()  # its writer gone, it is work to recover
    assert not check["ok"] and "1 revision(s) left pending" in check["problems"][0]["problem"]
    again = run_subprocess("ingest", SEEDS / "news" / "2019-06-24-wikinews-new-hampshire-motorcycle-crash.md", "--json", env=env)
    assert again.code == 0 and again.json()["recovered"] == 1
    assert run_subprocess("check", "--json", env=env).json()["ok"]


def test_two_writer_processes_at_once(postgres_url, postgres_server, chroma_server, tmp_path, home):
    """Two ingest processes, different files, one PostgreSQL library and one Chroma server (on two
    machines they would have two data dirs): both succeed, nothing is lost or duplicated."""
    for part in ("a", "b"):
        lines = [json.dumps({"title": f"Report {part}{i}", "url": f"https://example.org/{part}/{i}", "published": f"2024-03-{1 + i % 28:02d}",
                             "text": f"Council {part} meeting number {i} approved item {i * 7}. The vote on the {part}-{i} plan was close. "
                                     f"Residents of ward {i} spoke for an hour."}) for i in range(60)]
        write(tmp_path / f"{part}.jsonl", "\n".join(lines) + "\n")
    procs = []
    for part in ("a", "b"):
        env = {**os.environ, **_pg_env(postgres_url, tmp_path, "w" + part), "ASSISTANT_CHROMA_URL": chroma_server}
        procs.append(subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / f"{part}.jsonl"), "--json"],
                                      cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        # a deadlock was seen here once in ~60 runs and not since: keep the server's report of it
        assert p.returncode == 0, err + postgres_server.log_lines("deadlock")
        assert json.loads(out)["added"] == 60
    env = {**_pg_env(postgres_url, tmp_path, "wa"), "ASSISTANT_CHROMA_URL": chroma_server}
    arts = run_subprocess("sources", "--json", env=env).json()["articles"]
    titles = sorted(a["title"] for a in arts)
    assert len(titles) == 120 and len(set(titles)) == 120
    assert all(a["revision"] == 1 for a in arts)
    check = run_subprocess("check", "--json", env=env).json()
    assert check["ok"] and check["vectors"] == check["counts"]["chunks"], check


def test_the_same_article_from_two_writers_is_stored_once(postgres_url, chroma_server, tmp_path, home):
    """Both writers ingest the same file: each article is claimed by one of them at a time, so
    it is added once, and the other finds it unchanged."""
    lines = [json.dumps({"title": f"Same {i}", "url": f"https://example.org/same/{i}", "text": f"Item {i} was sold. The buyer paid {i * 3} pounds."})
             for i in range(40)]
    write(tmp_path / "same.jsonl", "\n".join(lines) + "\n")
    procs = []
    for part in ("a", "b"):
        env = {**os.environ, **_pg_env(postgres_url, tmp_path, "s" + part), "ASSISTANT_CHROMA_URL": chroma_server}
        procs.append(subprocess.Popen([sys.executable, "-m", "assistant.cli", "ingest", str(tmp_path / "same.jsonl"), "--json"],
                                      cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        docs.append(json.loads(out))
    assert sum(d["added"] for d in docs) == 40 and sum(d["unchanged"] for d in docs) == 40
    env = {**_pg_env(postgres_url, tmp_path, "sa"), "ASSISTANT_CHROMA_URL": chroma_server}
    arts = run_subprocess("sources", "--json", env=env).json()["articles"]
    assert len(arts) == 40 and all(a["revision"] == 1 for a in arts)


def test_a_writer_asks_the_server_per_batch_not_per_article(postgres_url, tmp_path, home, monkeypatch):
    """Claims, identity lookups, revision checks and releases go to the server for a batch of
    articles at once (Writer._look_ahead): each further article costs well under one statement
    (it was ~4: claim, identity, id or revisions, release), and what they decide is unchanged:
    new articles added, changed ones revised, the rest unchanged."""
    import psycopg

    from assistant import Assistant
    from assistant.settings import Settings

    for name, value in _pg_env(postgres_url, tmp_path, "rt").items():
        monkeypatch.setenv(name, value)

    def articles(path, first, n, version=1):
        lines = [json.dumps({"title": f"Report {i}", "url": f"https://example.org/r/{i}", "published": "2024-03-01",
                             "text": f"The council met on item {i}. Version {version} of the minutes says the vote was {i % 7} to 3."})
                 for i in range(first, first + n)]
        return write(tmp_path / path, "\n".join(lines) + "\n")

    statements = []
    for method in ("execute", "executemany"):
        real = getattr(psycopg.Cursor, method)
        monkeypatch.setattr(psycopg.Cursor, method, lambda self, *a, _real=real, **kw: (statements.append(1), _real(self, *a, **kw))[1])

    def ingest(path) -> tuple[int, dict]:
        statements.clear()
        with Assistant(settings=Settings.load()) as a:
            doc = a.ingest([path]).to_dict()
        return len(statements), doc

    few, doc = ingest(articles("a.jsonl", 0, 64))
    assert doc["added"] == 64
    many, doc = ingest(articles("b.jsonl", 64, 192))
    assert doc["added"] == 192
    assert (many - few) / 128 < 1.5, (few, many)  # per article beyond the first 64: ~5 before
    # half of the first 64 changed, the rest as they were
    changed = articles("c.jsonl", 0, 32, version=2).read_text()
    write(tmp_path / "c.jsonl", changed + "".join((tmp_path / "a.jsonl").read_text().splitlines(keepends=True)[32:]))
    n, doc = ingest(tmp_path / "c.jsonl")
    assert (doc["added"], doc["revised"], doc["unchanged"]) == (0, 32, 32), doc
    assert n < 64, n  # ~5 per article before (claim, identity, revisions, highest revision, first date, release)
    arts = run_subprocess("sources", "--json", env=_pg_env(postgres_url, tmp_path, "rt")).json()["articles"]
    assert len(arts) == 256 and sorted(a["revision"] for a in arts) == [1] * 224 + [2] * 32


def test_many_rows_go_as_copy_and_store_what_inserts_store(postgres_url):
    """pg.Connection.executemany sends a plain INSERT of many rows as COPY: awkward text (tabs,
    newlines, backslashes, quotes, \\N, accents), NULLs, numbers and literal constants arrive as the
    same INSERT row by row stores them; an upsert is not a plain INSERT and goes row by row."""
    from assistant.library import pg

    assert pg._copy_plan('INSERT INTO t(a, "end", c) VALUES (?, ?, \'x,y\')')[0] == 'COPY t (a, "end", c) FROM STDIN'
    assert pg._copy_plan("INSERT INTO t(a) VALUES (?) ON CONFLICT (a) DO NOTHING") is None
    assert pg._copy_plan("INSERT INTO t(a, b) VALUES (?, now())") is None
    conn = pg.connect(postgres_url)
    try:
        for table in ("by_copy", "by_insert"):
            conn.execute(f'CREATE TABLE {table} (id INTEGER, "end" TEXT, f DOUBLE PRECISION, k TEXT, v TEXT)')
        texts = ["tab\there", "line\nbreak\r\n", "back\\slash \\N", "it's \"quoted\"", "Vázquez — Zürich", "", None, "\\."]
        rows = [(i, t, i / 3 if i % 2 else None, t) for i, t in enumerate(texts)]
        conn.executemany('INSERT INTO by_copy(id, "end", f, v, k) VALUES (?, ?, ?, ?, \'it\'\'s\')', rows)
        for r in rows:
            conn.execute('INSERT INTO by_insert(id, "end", f, v, k) VALUES (?, ?, ?, ?, \'it\'\'s\')', r)
        got = [tuple(r) for r in conn.execute('SELECT * FROM by_copy ORDER BY id').fetchall()]
        assert got == [tuple(r) for r in conn.execute('SELECT * FROM by_insert ORDER BY id').fetchall()]
        assert got[0] == (0, "tab\there", None, "it's", "tab\there") and got[6][1] is None and got[1][2] == 1 / 3
    finally:
        conn.close()


# -- errors --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url, says", [
    ("postgresql://postgres@127.0.0.1:1/none", "cannot connect to the PostgreSQL library at postgresql://postgres@127.0.0.1:1/none"),
    ("mysql://localhost/db", "only postgresql:// URLs are supported"),
    ("postgresql://u:secret@127.0.0.1:1/db", "postgresql://u:***@127.0.0.1:1/db"),
])
def test_a_bad_or_unreachable_url_is_one_clear_line(url, says, home):
    for args in (("--library", url, "sources"), ("--library", url, "ingest", SEEDS / "news")):
        r = run_subprocess(*args)
        assert r.code == 1, r
        assert "Traceback" not in r.stderr and says in r.stderr.splitlines()[0]
        assert "secret" not in r.stderr


def test_a_database_without_a_library(postgres_url, home):
    r = run_subprocess("--library", postgres_url, "sources", "--json")
    assert r.code == 0 and r.json()["articles"] == []  # reading creates nothing
    r = run_subprocess("--library", postgres_url, "search", "anything")
    assert r.code == 1 and "no library at" in r.stderr


def test_help_does_not_import_psycopg():
    code = ("import sys; from assistant.cli import app; from typer.testing import CliRunner;"
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
