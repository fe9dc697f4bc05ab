"""Several writers on one PostgreSQL library.

A transaction PostgreSQL aborts to break a deadlock (SQLSTATE 40P01) or a serialization
failure (40001) is run again by the writer (Library.write), whole, so nothing is half-applied
and nothing is written twice; and the lock orders that deadlocked are one order now. The
deadlock here is a real one, on the test server: a second connection holds a row the writer's
commit needs and waits for a row the writer holds.

Before regrouping copies and stories, a writer waits (a few seconds at most) for the other
writers still writing (Library.others_done_writing), so that writers finishing together regroup once.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from tests.conftest import run_subprocess, write


def _pg_env(url, tmp_path, name):
    return {"ASSISTANT_HOME": str(tmp_path / name), "ASSISTANT_LIBRARY_URL": url, "ASSISTANT_EMBEDDER": "hash"}


def _articles(tmp_path, n: int):
    lines = [json.dumps({"title": f"Deadlock report {i}", "url": f"https://example.org/dl/{i}", "published": "2024-03-01",
                         "text": f"The council met on item {i}. The vote on plan {i} was {i % 5} to 3. Residents spoke for an hour."})
             for i in range(n)]
    return write(tmp_path / "dl.jsonl", "\n".join(lines) + "\n")


def test_a_deadlocked_commit_is_run_again_and_each_article_lands_once(postgres_url, postgres_server, tmp_path, home, monkeypatch, capsys):
    import psycopg

    from assistant import Assistant
    from assistant.cli.ingesting import _report_ingest
    from assistant.library import pg
    from assistant.settings import Settings

    for name, value in _pg_env(postgres_url, tmp_path, "dl").items():
        monkeypatch.setenv(name, value)
    path = _articles(tmp_path, 2)
    other = psycopg.connect(postgres_url, autocommit=True)
    watch = psycopg.connect(postgres_url, autocommit=True)
    other.execute("SET deadlock_timeout = '60s'")  # so that the writer (1 s, the default) is the one the server aborts
    seen = {"other_got_it": False, "error": None}

    def ids() -> list[str]:  # the articles' ids in the batch's (the input's) order
        rows = dict(watch.execute("SELECT identity, article_id FROM articles").fetchall())
        return [next(a for identity, a in rows.items() if identity.endswith(f"/dl/{i}")) for i in range(2)]

    def opposite_order(first: str) -> None:  # on a thread: wait for the writer's row, holding the other one
        try:
            other.execute("SELECT 1 FROM revisions WHERE article_id = %s FOR UPDATE", (first,))
            seen["other_got_it"] = True  # only once the writer's transaction was rolled back
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            seen["error"] = exc
        finally:
            other.execute("ROLLBACK")

    real = pg.Connection.executemany
    state = {"fired": False, "thread": None}

    def executemany(self, sql, rows):
        if sql.startswith("UPDATE revisions SET status") and not state["fired"]:
            # inside the writer's commit, before it marks the batch committed: the writer holds the
            # first article's row (as its own UPDATE would), the other connection the second's,
            # and waits for the first; the writer's UPDATE of the second closes the cycle
            state["fired"] = True
            first, second = ids()
            self.execute("SELECT 1 FROM revisions WHERE article_id = ? FOR UPDATE", (first,))
            other.execute("BEGIN")
            other.execute("SELECT 1 FROM revisions WHERE article_id = %s FOR UPDATE", (second,))
            state["thread"] = threading.Thread(target=opposite_order, args=(first,))
            state["thread"].start()
            pid = other.info.backend_pid
            deadline = time.monotonic() + 30
            while watch.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0] != "Lock":
                assert time.monotonic() < deadline, "the second connection never waited for the writer's row"
                time.sleep(0.01)
        return real(self, sql, rows)

    monkeypatch.setattr(pg.Connection, "executemany", executemany)
    try:
        with Assistant(settings=Settings.load()) as a:
            result = a.ingest([path])
    finally:
        if state["thread"] is not None:
            state["thread"].join(30)
        other.close()
    assert state["fired"] and seen["error"] is None and seen["other_got_it"], seen
    assert "deadlock detected" in postgres_server.log_lines("deadlock detected")  # a real one, reported by the server
    assert len(result.retried) == 1 and "committing a batch of 2 article(s): deadlock detected (SQLSTATE 40P01)" in result.retried[0], result.retried
    doc = result.to_dict()
    assert (doc["added"], doc["failed"]) == (2, 0) and [o["action"] for o in doc["outcomes"]] == ["added", "added"], doc
    # landed exactly once: one committed revision each, its sentences and chunks once, one journal entry each
    arts = ids()
    rows = watch.execute("SELECT article_id, revision, status FROM revisions ORDER BY article_id").fetchall()
    assert rows == sorted((a, 1, "committed") for a in arts)
    journal = watch.execute("SELECT article_id, action, status FROM journal WHERE action = 'ingest' ORDER BY article_id").fetchall()
    assert journal == sorted((a, "ingest", "added") for a in arts)
    assert watch.execute("SELECT count(*), count(DISTINCT (article_id, idx)) FROM sentences").fetchone() == (6, 6)
    watch.close()
    check = run_subprocess("check", "--json", env=_pg_env(postgres_url, tmp_path, "dl")).json()
    assert check["ok"] and check["vectors"] == check["counts"]["chunks"] == doc["chunks_embedded"], check
    # ingest -v says so, in one line
    _report_ingest(result, as_json=False, verbose=True)
    err = capsys.readouterr().err
    assert [line for line in err.splitlines() if line.startswith("retried ")] == ["retried " + result.retried[0]]


def test_a_transaction_aborted_every_time_is_given_up_as_one_clear_error(postgres_url, home, monkeypatch):
    """Bounded: after WRITE_ATTEMPTS runs the conflict reaches the user as an AssistantError (one
    line), each run rolled back; a run that succeeds returns its result; other errors are not retried."""
    from assistant.errors import AssistantError
    from assistant.library import store
    from assistant.library.pg import TransactionConflict
    from assistant.library.store import Library

    monkeypatch.setattr(store.time, "sleep", lambda s: None)
    lib = Library.open(home, url=postgres_url)
    try:
        runs = []

        def always(c):
            runs.append(1)
            c.execute("INSERT INTO manifest(key, value) VALUES (?, ?)", (f"k{len(runs)}", "v"))
            raise TransactionConflict("the PostgreSQL library at X aborted a transaction: deadlock detected", "run the command again", "40P01")

        with pytest.raises(AssistantError) as info:
            lib.write(always, "a test")
        assert len(runs) == store.WRITE_ATTEMPTS and info.value.sqlstate == "40P01"
        assert len(lib.retried) == store.WRITE_ATTEMPTS - 1 and all("a test: deadlock detected (SQLSTATE 40P01)" in line for line in lib.retried)
        assert not [k for k in lib.manifest() if k.startswith("k")]  # every run rolled back
        lib.retried.clear()

        def twice(c):
            runs.append(2)
            if runs.count(2) == 1:
                raise TransactionConflict("... serialization failure", "", "40001")
            c.execute("INSERT INTO manifest(key, value) VALUES ('kept', 'v')")
            return "done"

        assert lib.write(twice, "another") == "done" and runs.count(2) == 2 and lib.manifest()["kept"] == "v"
        assert len(lib.retried) == 1 and "serialization failure (SQLSTATE 40001)" in lib.retried[0]
        runs.clear()

        def broken(c):
            runs.append(3)
            c.execute("SELECT no_such_column FROM manifest")

        with pytest.raises(Exception) as info:
            lib.write(broken)
        assert runs == [3] and not isinstance(info.value, TransactionConflict)
    finally:
        lib.close()


def test_the_servers_deadlock_error_becomes_a_transaction_conflict(postgres_url):
    """pg.Connection turns SQLSTATE 40P01 / 40001 into TransactionConflict (what Library.write
    retries), other errors into what they were."""
    from assistant.library import pg

    conn = pg.connect(postgres_url)
    try:
        for state in ("40P01", "40001"):
            with pytest.raises(pg.TransactionConflict) as info:
                conn.execute(f"DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '{state}'; END $$")
            assert info.value.sqlstate == state
        with pytest.raises(Exception) as info:
            conn.execute("DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '23505'; END $$")
        assert not isinstance(info.value, pg.TransactionConflict)
    finally:
        conn.close()


def test_signatures_and_feeds_are_written_in_one_order(home, monkeypatch):
    """The cause of the deadlock seen once in test_two_writer_processes_at_once: a writer signing
    its batch (its input order) while another, regrouping, signed the same just-committed batch
    (sorted), upserted the same news_signatures rows in two orders. Both go in article order now;
    feeds and their entries in URL and key order."""
    from types import SimpleNamespace

    from assistant.library import feeds, news
    from assistant.library.store import Library

    lib = Library.open(home)
    try:
        sent = []
        real_conn = lib.conn

        class Recording:
            def __getattr__(self, name):
                return getattr(real_conn, name)

            def executemany(self, sql, rows):
                rows = list(rows)
                sent.append((sql.split("(")[0].strip(), [r[0] for r in rows]))
                return real_conn.executemany(sql, rows)

            def execute(self, sql, args=()):
                if sql.startswith("INSERT INTO feed"):
                    sent.append((sql.split("(")[0].strip(), [args[0], args[1]]))
                return real_conn.execute(sql, args)

        lib.conn = Recording()
        for a in ("c1", "a1", "b1"):
            real_conn.execute("INSERT INTO articles(article_id, identity, identity_kind, created_at) VALUES (?, ?, 'url', '')", (a, "url:" + a))
        row = lambda a: (a, 1, "hash", b"", 0, "[]", "[]", None, None, None)  # noqa: E731
        news.save_signatures(lib, [row("c1"), row("a1"), row("b1")], ["z9", "y9"])
        assert sent == [("INSERT INTO news_signatures", ["a1", "b1", "c1"]), ("DELETE FROM news_signatures WHERE article_id=?", ["y9", "z9"])]
        sent.clear()
        run = lambda url, keys: SimpleNamespace(url=url, status="ok", retry=False, etag="", last_modified="", title="",  # noqa: E731
                                                seen={f"{url}#{k}": (k, "fp") for k in keys})
        feeds.record_runs(lib, [run("https://b.example/feed", ["k2", "k1"]), run("https://a.example/feed", ["k3", "k0"])],
                          {f"{u}#{k}": "a1" for u in ("https://a.example/feed", "https://b.example/feed") for k in ("k0", "k1", "k2", "k3")})
        assert [args for _, args in sent] == [["https://a.example/feed", ""], ["https://a.example/feed", "k0"], ["https://a.example/feed", "k3"],
                                             ["https://b.example/feed", ""], ["https://b.example/feed", "k1"], ["https://b.example/feed", "k2"]]
    finally:
        lib.conn = real_conn
        lib.close()


def test_a_finished_writer_waits_for_the_others_to_finish_before_regrouping(postgres_url, home):
    """others_done_writing: another writer still writing (its session, until it calls done_writing)
    is waited for, here until a thread finishes it after 0.3 s; this writer's own session is not;
    nobody else: no wait; another writing throughout: gives up at the timeout."""
    from assistant.library.store import Library

    me, other = Library.open(home, url=postgres_url), Library.open(home, url=postgres_url)
    try:
        me.lock_library(exclusive=False, timeout=5)
        t0 = time.monotonic()
        assert me.others_done_writing(5.0) and time.monotonic() - t0 < 1.0  # its own session: no wait
        other.lock_library(exclusive=False, timeout=5)
        finished = {}

        def finish_later():
            time.sleep(0.3)
            finished["at"] = time.monotonic()
            other.done_writing()

        thread = threading.Thread(target=finish_later)
        thread.start()
        assert me.others_done_writing(10.0)
        done = time.monotonic()
        thread.join()
        assert "at" in finished and done >= finished["at"]
        other.lock_library(exclusive=False, timeout=5)  # writing again, throughout
        t0 = time.monotonic()
        assert not me.others_done_writing(0.2) and time.monotonic() - t0 >= 0.2
        other.close()  # a writer gone (also killed) writes no more
        assert me.others_done_writing(5.0)
    finally:
        other.close()
        me.close()
