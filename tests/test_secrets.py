"""Secrets and paths: a planted API key appears nowhere, symlinks out of a folder are reported, writes are atomic.

The key is planted in OPENAI_API_KEY; then ingest (hash and OpenAI-compatible embedders), config,
ask (fake model: answers, faults, a server that echoes the Authorization header back in its error
body), brief and errors run, and every output, every log record and every file under the data
directory (SQLite library, Chroma store, config file) is searched for the key.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import SEEDS, run_subprocess, write

KEY = "sk-planted-" + uuid.uuid4().hex
Q = "Which nerve agent poisoned Alexei Navalny?"


class EchoServer:
    """An OpenAI-compatible server that fails every request and echoes the Authorization header back."""

    def __init__(self, status: int):
        status_ = status

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _reply(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization", "")
                body = json.dumps({"error": {"message": f"bad request; you sent {auth}", "type": "invalid_request_error", "code": None}}).encode()
                self.send_response(status_)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _reply

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()


def leaks(blob) -> bool:
    if isinstance(blob, bytes):
        return KEY.encode() in blob or KEY.encode("utf-16-le") in blob
    return KEY in str(blob)


def scan_dir(root: Path) -> list[str]:
    return [str(p) for p in Path(root).rglob("*") if p.is_file() and leaks(p.read_bytes())]


@pytest.fixture
def planted(home, monkeypatch, fake_openai, caplog):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "0")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "2")
    caplog.set_level(logging.DEBUG)  # openai/httpx/chromadb debug logging included
    return fake_openai


def test_planted_key_appears_nowhere(cli, home, planted, tmp_path, caplog, monkeypatch):
    outputs = []

    def run(*args, code=None):
        r = cli(*args)
        outputs.append((args, r))
        if code is not None:
            assert r.code == code, (args, r)
        return r

    run("ingest", SEEDS, "--json", code=0)
    run("config", "set", "model", "fake-model", code=0)
    run("config", "set", "base_url", planted.url + "/v1", code=0)
    run("config", "set", "api_key_env", "OPENAI_API_KEY", code=0)
    r = run("config", "set", "api_key_env", KEY)  # a key where a variable name belongs is refused, not stored
    assert r.code == 1 and "must name an environment variable" in r.stderr
    run("config", "show", "--json", code=0)
    run("config", "show", code=0)
    run("ask", Q, "--json", code=0)
    run("ask", Q, "-v", code=0)  # verbose: the prompt goes to stderr
    run("ask", Q, "--show-context", "--json", code=0)
    run("brief", "--json", code=0)
    (tmp_path / "out").mkdir()
    run("brief", "--format", "markdown", "-o", tmp_path / "out" / "brief.md", code=0)
    for fault in ("401", "403", "404_model", "429", "500", "malformed", "cut_stream"):
        planted.queue_fault(fault, **({"retry_after": 0} if fault == "429" else {}))
        r = run("ask", Q, "--json")
        assert r.code == 1, (fault, r)
    for status in (400, 401, 403, 404, 418, 422, 500):
        with EchoServer(status) as url:
            r = run("ask", Q, "--base-url", url, "--json")
            assert r.code == 1 and r.json()["error"]["message"], r
    # embeddings through an OpenAI-compatible server: one library that works, one server that echoes
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "openai")
    monkeypatch.setenv("ASSISTANT_EMBED_MODEL", "fake-embed")
    monkeypatch.setenv("ASSISTANT_EMBED_BASE_URL", planted.url + "/v1")
    other = home.parent / "home-openai"
    run("--data-dir", other, "ingest", SEEDS / "news", "--json", code=0)
    run("--data-dir", other, "search", "Navalny Novichok", "--json", code=0)
    with EchoServer(400) as url:
        monkeypatch.setenv("ASSISTANT_EMBED_BASE_URL", url)
        r = run("--data-dir", home.parent / "home-echo", "ingest", SEEDS / "news", "--json")
        assert r.code == 1 and "embedding request failed" in r.json()["error"]["message"], r

    # the fake server did receive the key: it was really used
    assert any(q.headers.get("authorization") == f"Bearer {KEY}" for q in planted.requests)
    leaked = [(a, "stdout" if leaks(r.stdout) else "stderr") for a, r in outputs if leaks(r.stdout) or leaks(r.stderr)]
    assert not leaked, leaked
    assert not [rec.getMessage()[:200] for rec in caplog.records if leaks(rec.getMessage()) or leaks(rec.args)]
    for root in (home, other, home.parent / "home-echo", tmp_path / "out"):
        assert root.exists()
        assert scan_dir(root) == [], root
    assert "api_key_env" in (home / "config.toml").read_text() and not leaks((home / "config.toml").read_text())
    # Chroma metadata, read back through Chroma itself
    from assistant.library.access import open_library
    from assistant.vectors.access import vector_index
    from assistant.settings import Settings

    for root in (home, other):
        cfg = Settings.load(root)
        with open_library(cfg) as lib:
            got = vector_index(cfg, lib).collection.get(include=["metadatas", "documents"])
            assert got["ids"] and not leaks(json.dumps(got["metadatas"])) and not leaks(json.dumps(got["documents"]))


# --------------------------------------------------------------------------- freed heap memory
# Chroma's HNSW index mallocs its element buffer without clearing it and writes all of it, unused
# slots included, to data_level0.bin (and length.bin) each time the store is opened, until 1,000
# vectors have been synced; freed heap of the process went to disk that way, once with the key in it
# (assistant/vectors/heap.py). These two tests make that leak deterministic.
def _glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError):
        return False


needs_glibc = pytest.mark.skipif(not _glibc(), reason="the heap scrubbing is glibc's M_PERTURB")

_REUSE = """
import ctypes, json, sys
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
key = sys.argv[2].encode()

def freed_block_comes_back(size=64 * 1024):
    p = libc.malloc(size)
    ctypes.memmove(p, key * (size // len(key)), size // len(key) * len(key))
    spacer = libc.malloc(64)  # keeps the block from merging into the top chunk
    libc.free(p)
    q = libc.malloc(size)
    data = ctypes.string_at(q, size)
    libc.free(q)
    libc.free(spacer)
    return {"key": key in data, "zeros": data.count(0) == size}

before = freed_block_comes_back()
from assistant.vectors.chroma_index import ChromaIndex
index = ChromaIndex(sys.argv[1], "0123456789abcdef")
index.count()
after = freed_block_comes_back()
index.close()
print(json.dumps({"before": before, "after": after}))
"""


@needs_glibc
def test_a_freed_block_comes_back_as_zeros_once_an_embedded_store_is_open(tmp_path):
    """In a new process (the setting is process-wide and stays on): a freed 64 KB block holding the
    key comes back whole from the next malloc of that size (the control: what the store's index
    buffer got); once an embedded store is open it comes back as zeros."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("MALLOC_PERTURB_", "GLIBC_TUNABLES")}  # the control needs plain malloc
    p = subprocess.run([sys.executable, "-c", _REUSE, str(tmp_path / "home"), KEY], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parent.parent, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout.strip().splitlines()[-1])
    assert got["before"] == {"key": True, "zeros": False}, got
    assert got["after"] == {"key": False, "zeros": True}, got


@needs_glibc
def test_freed_buffers_holding_the_key_stay_out_of_the_embedded_store(cli, home):
    """The leak, amplified: 32 threads at once (more than glibc's 8 malloc arenas per core on a
    2-core machine, so they share the store's threads' arenas) free buffers holding the key
    between live spacers, then a search reopens the store, which re-creates its HNSW files.
    Without the scrubbing a round found the key in data_level0.bin or length.bin 27 times in 40
    (docs/reliability.md); five rounds here."""
    assert cli("ingest", SEEDS, "--json").code == 0
    line = f"Authorization: Bearer {KEY}\r\n".encode()
    for _ in range(5):
        barrier, spacers = threading.Barrier(32), []

        def spray():
            buffers, mine = [], []
            for n in range(2000, 130_000, 12_000):
                buffers.append(line * (n // len(line) + 1))
                mine.append(bytes(1100))  # live spacers keep the freed buffers in the bins
            barrier.wait()
            del buffers
            spacers.append(mine)

        threads = [threading.Thread(target=spray) for _ in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert cli("search", "Navalny Novichok", "--json").code == 0
        del spacers
        assert scan_dir(home / "chroma") == []


def test_planted_key_not_in_subprocess_stderr_with_debug_logging(home, fake_openai):
    env = {"OPENAI_API_KEY": KEY, "ASSISTANT_MODEL": "fake-model", "ASSISTANT_BASE_URL": fake_openai.url + "/v1",
           "ASSISTANT_LLM_RETRIES": "0", "OPENAI_LOG": "debug", "ASSISTANT_DEBUG": "1"}
    assert run_subprocess("ingest", SEEDS / "news", env=env).code == 0
    ok = run_subprocess("ask", Q, "--json", env=env)
    assert ok.code == 0, ok
    assert "Request options" in ok.stderr or "HTTP Request" in ok.stderr or ok.stderr  # debug logging was on
    fake_openai.queue_fault("401")
    bad = run_subprocess("ask", Q, env=env)
    assert bad.code == 1, bad
    with EchoServer(400) as url:
        echo = run_subprocess("ask", Q, "--json", env={**env, "ASSISTANT_BASE_URL": url, "ASSISTANT_DEBUG": ""})
        assert echo.code == 1 and "***" in echo.json()["error"]["message"], echo
    for r in (ok, bad, echo):
        assert not leaks(r.stdout) and not leaks(r.stderr), r
    assert scan_dir(home) == []


def test_redact_cuts_keys_out_of_messages(monkeypatch):
    from assistant.util import redact

    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-1234567890")
    monkeypatch.setenv("CUSTOM_VAR", KEY)
    assert redact(f"sent Bearer {KEY} and tok-1234567890", "CUSTOM_VAR") == "sent Bearer *** and ***"
    monkeypatch.setenv("ASSISTANT_API_KEY_ENV", "OPENAI_API_KEY")  # a variable's *name* is not a secret
    assert redact("check $OPENAI_API_KEY") == "check $OPENAI_API_KEY"


# --------------------------------------------------------------------------- paths
def test_symlinks_out_of_the_folder_are_skipped_and_said(cli, home, tmp_path):
    outside = write(tmp_path / "outside" / "secret.md", "---\ntitle: Outside\n---\n\nThis file lives outside the folder being ingested.\n")
    write(tmp_path / "outside" / "sub" / "deep.md", "---\ntitle: Deep\n---\n\nThis one sits in a folder outside as well.\n")
    folder = tmp_path / "news"
    write(folder / "inside.md", "---\ntitle: Inside\n---\n\nThis article is inside the folder.\n")
    (folder / "link-out.md").symlink_to(outside)
    (folder / "link-in.md").symlink_to(folder / "inside.md")  # inside: same file, ingested once
    (folder / "dir-out").symlink_to(tmp_path / "outside" / "sub", target_is_directory=True)
    (folder / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    r = cli("ingest", folder, "--json")
    doc = r.json()
    titles = {o.get("title") for o in doc["outcomes"] if o["action"] == "added"}
    assert titles == {"Inside"}, doc
    skipped = {Path(o["origin"]).name: o["message"] for o in doc["outcomes"] if o["action"] == "skipped"}
    assert "symlink pointing outside the folder" in skipped["link-out.md"]
    assert "symlink" in skipped["dir-out"]  # a linked folder is not walked, and the user is told
    assert "dangling.md" in skipped or any("dangling.md" in o["origin"] for o in doc["outcomes"] if o["action"] == "failed")
    text = cli("ingest", folder)
    assert "skipped" in text.stderr and "link-out.md" in text.stderr
    # named explicitly, a link is followed: the user asked for it
    r = cli("ingest", folder / "link-out.md", "--json")
    assert r.json()["added"] == 1


def test_config_write_is_atomic(cli, home, monkeypatch):
    from assistant import util

    assert cli("config", "set", "chunk_tokens", "200").code == 0
    before = (home / "config.toml").read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(util.os, "replace", broken_replace)
    r = cli("config", "set", "model", "fake-model", "--json")
    assert r.code == 1 and "No space left" in r.json()["error"]["message"]
    monkeypatch.undo()
    assert (home / "config.toml").read_bytes() == before
    assert sorted(p.name for p in home.iterdir() if p.name.startswith(".config")) == []  # no temp file left

    class Boom(Exception):
        pass

    real_fdopen = os.fdopen

    def fdopen_that_dies_mid_write(fd, *a, **kw):
        fh = real_fdopen(fd, *a, **kw)
        real_write = fh.write

        def write_half(text):
            real_write(text[: len(text) // 2])
            raise Boom("killed mid-write")

        fh.write = write_half
        return fh

    monkeypatch.setattr(util.os, "fdopen", fdopen_that_dies_mid_write)
    with pytest.raises(Boom):
        util.atomic_write_text(home / "config.toml", 'model = "half-written-value-that-must-never-appear"\n')
    monkeypatch.undo()
    assert (home / "config.toml").read_bytes() == before
    assert [p.name for p in home.iterdir() if p.name.endswith(".tmp")] == []


def test_atomic_write_survives_sigkill_mid_write(tmp_path):
    """A writer killed while writing a large file leaves the old file whole (and at worst a stray temp file)."""
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "briefing.md"
    target.write_text("old briefing\n")
    code = ("import sys; from assistant.util import atomic_write_text\n"
            "class Slow(str):\n    pass\n"
            "import os\n"
            "real = os.fsync\n"
            "def slow_fsync(fd):\n    print('writing', flush=True); import time; time.sleep(30)\n"
            "os.fsync = slow_fsync\n"
            f"atomic_write_text({str(target)!r}, 'new ' * 2_000_000)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    assert target.read_text() == "old briefing\n"


def test_brief_output_file_untouched_when_the_command_fails(cli, home, tmp_path):
    out = write(tmp_path / "brief.md", "yesterday's briefing\n")
    from assistant.library.store import Library

    Library.open(home).close()
    r = cli("brief", "-o", out)  # empty library: nothing to brief
    assert r.code == 3
    assert out.read_text() == "yesterday's briefing\n"
