"""Faults end to end: a misbehaving model server (the fake server's faults, through the real openai
client) and a Chroma server that goes away.

Every fault must end with one clear message and a hint, the right exit code, no traceback, a single
JSON document under --json, a bounded number of requests (retries respect llm_retries and
Retry-After within limits), and a library that `check` still finds consistent.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SEEDS, free_port, write

Q = "Which nerve agent poisoned Alexei Navalny?"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """One seeded library for the module (asking never writes to it); check runs after every test."""
    home = tmp_path_factory.mktemp("faults-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSISTANT_HOME", str(home))
        mp.setenv("ASSISTANT_EMBEDDER", "hash")
        for var in ("ASSISTANT_CHROMA_URL", "ASSISTANT_MODEL", "ASSISTANT_FAULT"):
            mp.delenv(var, raising=False)
        from assistant import Assistant
        from assistant.settings import Settings

        Assistant(settings=Settings.load()).ingest([str(SEEDS)])
    return home


def _sources(home):
    from assistant import Assistant
    from assistant.settings import Settings

    return Assistant(settings=Settings.load(home)).sources()


@pytest.fixture
def llm(library, monkeypatch, fake_openai):
    from assistant import Assistant
    from assistant.settings import Settings

    monkeypatch.setenv("ASSISTANT_HOME", str(library))
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hash")
    monkeypatch.delenv("ASSISTANT_CHROMA_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    monkeypatch.setenv("ASSISTANT_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "0")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "5")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-faults")
    before = _sources(library)
    yield fake_openai
    report = Assistant(settings=Settings.load(library)).check().to_dict()
    assert report["ok"], report["problems"]  # no corrupted state
    assert _sources(library) == before


class Run:
    def __init__(self, code, stdout, stderr, seconds):
        self.code, self.stdout, self.stderr, self.seconds = code, stdout, stderr, seconds

    def json(self):
        import json

        return json.loads(self.stdout)

    def __repr__(self):
        return f"<exit {self.code} in {self.seconds:.1f}s\nstdout: {self.stdout[-1500:]}\nstderr: {self.stderr[-1500:]}>"


def ask(*extra, as_json=True) -> Run:
    from assistant.cli import app

    args = ["ask", Q, *extra] + (["--json"] if as_json else [])
    t0 = time.perf_counter()
    r = CliRunner().invoke(app, args, catch_exceptions=False)
    run = Run(r.exit_code, r.stdout, r.stderr, time.perf_counter() - t0)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr + run.stdout, run
    return run


def chats(server) -> int:
    return len([q for q in server.requests if q.path.endswith("/chat/completions")])


def clear_error(run: Run, code: int, text: str) -> dict:
    assert run.code == code, run
    doc = run.json()
    assert set(doc) == {"error"} and text in doc["error"]["message"] and doc["error"]["hint"], doc
    assert f"error: {doc['error']['message']}" in run.stderr
    return doc["error"]


@pytest.mark.parametrize("fault, message", [
    ("401", "refused the API key (401)"),
    ("403", "denied access (403)"),
    ("404_model", "does not know the model 'fake-model'"),
    ("500", "failed (500"),
    ("503", "failed (503"),
    ("malformed", "malformed response"),
    ("cut_stream", "model server"),
])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "stream"])
def test_each_fault_is_one_clear_error(llm, fault, message, as_json):
    llm.queue_fault(fault)
    r = ask(as_json=as_json)
    if as_json:
        clear_error(r, 1, message)
    else:
        assert r.code == 1 and "error: " in r.stderr and "  hint: " in r.stderr, r
        if fault not in ("cut_stream", "malformed"):
            assert message in r.stderr, r
        assert "Sources:" not in r.stdout  # no answer presented as complete
    assert chats(llm) == 1  # llm_retries=0: exactly one request


def test_unknown_model_name(llm):
    r = ask("--model", "gpt-nonexistent")
    err = clear_error(r, 1, "does not know the model 'gpt-nonexistent'")
    assert "config set model" in err["hint"]


def test_429_without_retry_after_is_retried_a_bounded_number_of_times(llm, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "2")
    for _ in range(5):
        llm.queue_fault("429")
    r = ask()
    clear_error(r, 1, "rate-limiting requests (429), still after 2 retries")
    assert chats(llm) == 3  # one request and two retries, never more
    llm.reset()


def test_429_retry_after_is_honoured_then_succeeds(llm, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "1")
    llm.queue_fault("429", retry_after=1)
    r = ask()
    assert r.code == 0 and not r.json()["refused"], r
    assert chats(llm) == 2 and r.seconds >= 0.9  # waited as told


def test_429_with_an_absurd_retry_after_does_not_hang(llm, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "1")
    llm.queue_fault("429", retry_after=3600)
    llm.queue_fault("429", retry_after=3600)
    r = ask()
    clear_error(r, 1, "rate-limiting requests (429) and asks to wait 3600 s")
    assert chats(llm) == 1  # the client will not sleep an hour: it gives up at once (no second request), and says why
    llm.reset()


def test_503_is_retried_then_succeeds(llm, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "2")
    llm.queue_fault("503")
    llm.queue_fault("503")
    r = ask(as_json=False)
    assert r.code == 0 and "Sources:" in r.stdout, r
    assert chats(llm) == 3


def test_connection_refused(llm, monkeypatch):
    monkeypatch.setenv("ASSISTANT_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "1")
    for as_json in (True, False):
        r = ask(as_json=as_json)
        assert r.code == 1 and "cannot reach the model server" in r.stderr and "base_url" in r.stderr, r


def test_timeouts_are_bounded(llm, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "0.5")
    monkeypatch.setenv("ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT", "0.5")
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "1")
    llm.queue_fault("timeout", seconds=3)
    llm.queue_fault("timeout", seconds=3)
    r = ask()
    clear_error(r, 1, "did not answer within 0.5 s")
    assert chats(llm) == 1  # a timed-out request is never sent again: the server may still be on it
    llm.queue_fault("timeout", seconds=3)
    llm.queue_fault("timeout", seconds=3)
    r = ask(as_json=False)  # streaming: the first byte never comes
    assert r.code == 1 and "did not answer within 0.5 s" in r.stderr, r


def test_invented_citations_never_reach_the_user(llm):
    from assistant.library.access import open_library
    from assistant.settings import Settings

    llm.set_mode("invent")
    r = ask()
    assert r.code in (0, 3), r
    doc = r.json()
    assert any(n.startswith("removed key [99]") for n in doc["notes"]), doc["notes"]
    with open_library(Settings.load()) as lib:
        for c in doc["citations"]:  # every citation left resolves to that exact library sentence
            s = lib.conn.execute("SELECT text, start, end FROM sentences WHERE article_id=? AND revision=? AND idx=?",
                                 (c["article_id"], c["revision"], int(c["id"].rsplit("#", 1)[1]))).fetchone()
            assert s is not None and (s["text"], s["start"], s["end"]) == (c["text"], c["start"], c["end"])
    assert {x for s in doc["sentences"] for x in s["citations"]} <= {c["id"] for c in doc["citations"]}
    llm.queue_reply("Navalny was poisoned with Novichok [99]. [[1]] [1-999] Germany said so [7][8][9].")
    r = ask("--strict")
    assert r.code in (0, 3) and all(c["n"] <= len(r.json()["citations"]) for c in r.json()["citations"]), r


def test_context_too_long_is_retried_once_with_half_then_gives_up(llm):
    llm.queue_fault("context_length")
    r = ask()
    assert r.code == 0 and any("retried with half" in n for n in r.json()["notes"]), r
    assert chats(llm) == 2
    llm.reset()
    llm.queue_fault("context_length")
    llm.queue_fault("context_length")
    llm.queue_fault("context_length")
    r = ask()
    err = clear_error(r, 1, "longer than the model's context window")
    assert "context_window" in err["hint"]
    assert chats(llm) == 2  # shrunk once, then a clear error: no loop
    llm.reset()


def test_empty_and_noise_replies(llm):
    llm.queue_reply("")
    assert ask().code == 3
    llm.queue_reply("[99] [[1]] [1-999]")
    r = ask()
    assert r.code == 3 and r.json()["refused"], r


# --------------------------------------------------------------------------- Chroma server going away
def _start_chroma(path: Path, port: int):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma command is not installed (it comes with chromadb)")
    log = open(path.parent / f"chroma-{port}.log", "a")
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"}, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc
        except Exception:
            if proc.poll() is not None:
                pytest.fail("chroma server exited: " + (path.parent / f"chroma-{port}.log").read_text()[-2000:])
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma server did not start within 60 s")


def _kill(proc):
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


@pytest.mark.slow
def test_chroma_server_going_away(cli, home, tmp_path, monkeypatch):
    port = free_port()
    store = tmp_path / "chroma-data"
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", url)
    server = _start_chroma(store, port)
    try:
        assert cli("ingest", SEEDS / "news", "--json").code == 0
        before = cli("sources", "--json").json()["articles"]
        _kill(server)  # gone before a search
        r = cli("search", "Navalny Novichok", "--json")
        assert r.code == 1 and "Chroma server" in r.json()["error"]["message"] and "chroma run" in r.json()["error"]["hint"], r
        r = cli("search", "Navalny Novichok", "--mode", "lexical", "--json")  # the library alone still answers
        assert r.code == 0 and r.json()["results"]
        # gone during an ingest: the rows are written as pending, the vectors cannot be
        extra = write(tmp_path / "extra.md", "---\ntitle: Extra\ndate: 2021-01-01\n---\n\nA new article arrives while the vector server is down.\n")
        r = cli("ingest", extra, "--json")
        assert r.code == 1 and "Chroma server" in r.json()["error"]["message"], r
        assert cli("sources", "--json").json()["articles"] == before  # nothing half-written is visible
        r = cli("check", "--json")
        assert r.code == 1  # pending rows, and the index cannot be reached: check says so
        server = _start_chroma(store, port)  # back again, with its data
        r = cli("ingest", extra, "--json")
        assert r.code == 0 and r.json()["recovered"] == 1 and r.json()["unchanged"] == 1, r  # completed, not duplicated
        assert len(cli("sources", "--json").json()["articles"]) == len(before) + 1
        r = cli("check", "--json")
        assert r.code == 0 and r.json()["vectors"] == r.json()["counts"]["chunks"], r
    finally:
        if server.poll() is None:
            _kill(server)
