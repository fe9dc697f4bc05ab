"""Concurrency: two ingest processes at once, and readers (search, ask, sources) during a slow ingest.

The slow ingest is real: an `assistant ingest` subprocess whose embedder is an OpenAI-compatible
server (the fake server) that holds its first embeddings request for several seconds. While it
waits, the ingest holds the write lock and has its rows written as *pending*; a second writer
must refuse (--wait 0) or wait its turn (--wait 60), and readers, in this process and in other
processes, must keep answering from the committed rows only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, SEEDS

HOLD = 10.0  # seconds the fake server holds the slow ingest's first embeddings request


def popen(*args, env):
    return subprocess.Popen([sys.executable, "-m", "assistant.cli", *map(str, args)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def pending_rows(home) -> int:
    conn = sqlite3.connect(f"file:{home / 'library.sqlite3'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM revisions WHERE status='pending'").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.slow
def test_writers_wait_or_refuse_and_readers_keep_working_during_a_slow_ingest(home, fake_openai, monkeypatch):
    from assistant import Assistant
    from assistant.settings import Settings

    for k, v in {"ASSISTANT_EMBEDDER": "openai", "ASSISTANT_EMBED_MODEL": "fake-embed",
                 "ASSISTANT_EMBED_BASE_URL": fake_openai.url + "/v1", "OPENAI_API_KEY": "sk-test-concurrency"}.items():
        monkeypatch.setenv(k, v)
    env = dict(os.environ)
    first = SEEDS / "news" / "2020-08-22-wikinews-navalny-airlifted-to-germany.md"
    assert Assistant(settings=Settings.load()).ingest([str(first)]).added == 1

    embeds_before = len([q for q in fake_openai.requests if q.path.endswith("/embeddings")])
    fake_openai.queue_fault("timeout", seconds=HOLD)  # the next request (the slow ingest's) is held
    slow = popen("ingest", SEEDS, "--json", env=env)
    deadline = time.time() + 60
    while len([q for q in fake_openai.requests if q.path.endswith("/embeddings")]) == embeds_before:
        assert slow.poll() is None, slow.communicate()
        assert time.time() < deadline, "the slow ingest never asked for embeddings"
        time.sleep(0.05)
    held_at = time.time()
    assert pending_rows(home) == 11  # mid-ingest: its rows are written, not committed

    # a second writer: refuses at once with --wait 0, waits its turn with --wait 60
    refused = popen("ingest", SEEDS, "--wait", "0", "--json", env=env)
    waiting = popen("ingest", SEEDS, "--wait", "60", "--json", env=env)
    # readers in other processes
    search_p = popen("search", "Navalny Novichok poisoning", "--json", env=env)
    ask_p = popen("ask", "Where was Alexei Navalny airlifted to?", "--json", env=env)

    # readers in this process, over and over while the ingest is held
    reads = 0
    with Assistant() as a:
        while time.time() - held_at < HOLD - 2:
            for mode in ("hybrid", "lexical", "dense"):
                hits = a.search("Navalny airlifted to Germany", k=5, mode=mode)
                assert hits and {h.article_id for h in hits} == {hits[0].article_id}  # only the committed article
            ans = a.ask("Where was Alexei Navalny airlifted to?")
            assert not ans.refused and ans.citations
            assert len(Assistant(settings=Settings.load()).sources()) == 1
            reads += 1
    assert slow.poll() is None, "the slow ingest finished early: the reads above were not concurrent"

    out, err = refused.communicate(timeout=60)
    assert refused.returncode == 1, err
    assert json.loads(out)["error"]["message"] == f"another assistant process is writing to {home}"
    out, err = search_p.communicate(timeout=60)
    assert search_p.returncode == 0 and "Traceback" not in err, err
    assert json.loads(out)["results"]
    out, err = ask_p.communicate(timeout=60)
    assert ask_p.returncode == 0 and "Traceback" not in err, err
    assert not json.loads(out)["refused"] and json.loads(out)["citations"]

    out, err = slow.communicate(timeout=120)
    assert slow.returncode == 0, err
    assert json.loads(out)["added"] == 11
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    doc = json.loads(out)
    # went after the first writer: had it run while the slow ingest held the lock, it would have found 11 pending
    # revisions to complete ("recovered") or added them itself; it found all 12 committed and added nothing twice
    assert doc["unchanged"] == 12 and doc["added"] == 0 and doc["recovered"] == 0, doc
    assert reads >= 3

    assert len(Assistant(settings=Settings.load()).sources()) == 12
    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]


def test_two_ingests_started_together_one_waits(home, tmp_path):
    """No fakes: two real ingests of the same folder at once; the lock serialises them and nothing is added twice."""
    env = dict(os.environ)
    a = popen("ingest", SEEDS, "--wait", "120", "--json", env=env)
    b = popen("ingest", SEEDS, "--wait", "120", "--json", env=env)
    docs = []
    for p in (a, b):
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        docs.append(json.loads(out))
    assert sorted((d["added"], d["unchanged"]) for d in docs) == [(0, 12), (12, 0)]
    from assistant import Assistant
    from assistant.settings import Settings

    assert Assistant(settings=Settings.load()).check().to_dict()["ok"]
