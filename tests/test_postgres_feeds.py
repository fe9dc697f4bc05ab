"""Feeds and `assistant update` on a PostgreSQL library (issue 15): the feed tests of
test_fetch_feeds.py, run again with ASSISTANT_LIBRARY_URL set (remembered feeds, entries already
seen, conditional GETs, page re-checks and retries all live in the library)."""

from __future__ import annotations

import pytest

from tests.test_fetch_feeds import (  # noqa: F401  (collected here again, against PostgreSQL)
    server,
    test_entry_whose_page_is_gone_falls_back_to_its_summary,
    test_feed_entry_page_failures_are_retried_by_update,
    test_feed_ingest_then_update_with_new_and_changed_entries,
    test_update_rechecks_recent_pages_that_changed_in_place,
    test_update_without_feeds_says_what_to_do,
)


@pytest.fixture
def home(home, postgres_url, monkeypatch):
    """The usual data directory (it keeps the embedded vectors), with the library on PostgreSQL."""
    monkeypatch.setenv("ASSISTANT_LIBRARY_URL", postgres_url)
    return home


def test_the_library_really_is_postgresql(cli, server):
    from tests.test_fetch_feeds import WORDS, serve_feed

    from assistant.library.access import open_library
    from assistant.settings import Settings

    serve_feed(server, [{"title": "Bridge opens", "guid": "g1", "text": "<p>" + " ".join([WORDS] * 3) + "</p>"}])
    assert cli("ingest", server.url("/feed.xml"), "--json").json()["added"] == 1
    with open_library(Settings.load()) as lib:
        assert lib.dialect == "postgresql"
        assert [r["url"] for r in lib.conn.execute("SELECT url FROM feeds")] == [server.url("/feed.xml")]


def test_two_update_processes_at_once(server, postgres_url, chroma_server, tmp_path, home):
    """Two `assistant update` processes on two machines (two data dirs), one library: every new or
    changed entry is added or revised once, the feed's rows are written by both without a clash."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO, run_subprocess
    from tests.test_fetch_feeds import WORDS, serve_feed

    def items(changed: int, total: int):
        return [{"title": f"Item {i}", "guid": f"g{i}", "date": f"Wed, {1 + i % 28:02d} May 2024 09:00:00 GMT",
                 "text": "<p>" + f"Item {i}{' (corrected)' if i < changed else ''}. " + " ".join([WORDS.replace("bridge", f"bridge {i}")] * 3) + "</p>"}
                for i in range(total)]

    def env(name):
        return {**os.environ, "ASSISTANT_HOME": str(tmp_path / name), "ASSISTANT_LIBRARY_URL": postgres_url,
                "ASSISTANT_EMBEDDER": "hash", "ASSISTANT_CHROMA_URL": chroma_server}

    serve_feed(server, items(0, 20))
    first = run_subprocess("ingest", server.url("/feed.xml"), "--json", env=env("a"))
    assert first.code == 0 and first.json()["added"] == 20, first
    serve_feed(server, items(5, 30))  # 5 entries corrected, 10 new
    procs = [subprocess.Popen([sys.executable, "-m", "assistant.cli", "update", "--json"], cwd=REPO, env=env(name),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    docs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        docs.append(json.loads(out))
    assert sum(d["added"] for d in docs) == 10 and sum(d["revised"] for d in docs) == 5, docs
    arts = run_subprocess("sources", "--json", env=env("a")).json()["articles"]
    assert len(arts) == 30 and sorted(a["revision"] for a in arts) == [1] * 25 + [2] * 5
    check = run_subprocess("check", "--json", env=env("a")).json()
    assert check["ok"] and check["vectors"] == check["counts"]["chunks"], check
    again = run_subprocess("update", "--json", env=env("b")).json()
    assert again["added"] == 0 and again["revised"] == 0, again
