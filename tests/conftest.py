"""Shared fixtures: an isolated data directory, the CLI in-process and as a subprocess, a real Chroma server."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_DATA = Path(os.environ.get("ASSISTANT_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty data directory, with the fast deterministic hash embedder unless a test says otherwise."""
    h = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(h))
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "hash")
    for var in ("ASSISTANT_CHROMA_URL", "ASSISTANT_LIBRARY_URL", "ASSISTANT_MODEL", "ASSISTANT_FAULT", "ASSISTANT_CHUNK_TOKENS"):
        monkeypatch.delenv(var, raising=False)
    return h


class Result:
    def __init__(self, code, stdout, stderr):
        self.code, self.stdout, self.stderr = code, stdout, stderr

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return f"<exit {self.code}\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}>"


@pytest.fixture
def cli(home):
    """Run the CLI in-process (fast); returns Result(code, stdout, stderr)."""
    from assistant.cli import app

    runner = CliRunner()

    def run(*args, input=None):
        r = runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
        _collect_if_many_files()
        return Result(r.exit_code, r.stdout, r.stderr)

    return run


def default_sigint() -> None:
    """preexec_fn for children that must take Ctrl-C: a test run started in the background by a
    non-interactive shell ignores SIGINT, children inherit the ignoring, and Python then installs
    no KeyboardInterrupt handler (as a real background job should); these children are meant to get it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _collect_if_many_files(limit: int = 400) -> None:
    """The CLI leaves the embedded Chroma store's files to its process's exit (assistant.api
    Assistant.close(collect=False)); in-process runs share one process, so collect now and then."""
    try:
        if len(os.listdir("/proc/self/fd")) > limit:
            import gc

            gc.collect()
    except OSError:
        pass


def run_subprocess(*args, env=None, input=None, timeout=120):
    """Run the real console entry point in a new process."""
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *[str(a) for a in args]],
        capture_output=True, text=True, env=e, input=input, timeout=timeout, cwd=REPO,
    )
    return Result(p.returncode, p.stdout, p.stderr)


@pytest.fixture
def sh(home):
    return run_subprocess


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on loopback for the session."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma command is not installed (it comes with chromadb)")
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")
    proc = subprocess.Popen([exe, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            break
        except Exception:
            if proc.poll() is not None:
                pytest.fail("chroma server exited: " + (path / "server.log").read_text()[-2000:])
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(autouse=True)
def _no_learned_output_forms():
    """What a server accepts is learned per process too: each test starts without that memory."""
    yield
    from assistant.llm import structured

    structured.forget_process_memory()


@pytest.fixture
def fake_openai():
    from tests.fakes.openai_server import FakeOpenAIServer

    with FakeOpenAIServer() as server:
        yield server


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def seeded(cli):
    """The CLI runner over a library holding the bundled seeds."""
    assert cli("ingest", SEEDS).code == 0
    return cli


@pytest.fixture
def llm(monkeypatch, fake_openai):
    """The llm engine pointed at the fake OpenAI-compatible server (no retries, a test key)."""
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    monkeypatch.setenv("ASSISTANT_BASE_URL", fake_openai.url + "/v1")
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", "0")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-000")
    return fake_openai


# -- PostgreSQL (issue 15) -------------------------------------------------------------------------
def _postgres_unavailable(reason: str):
    """Skip where PostgreSQL or psycopg is missing; in CI (CI=true) fail instead: CI must run these tests."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (CI=true: the PostgreSQL tests must run; .ci/run installs the server)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on a temporary directory and a loopback port, for the session."""
    from tests.postgres_server import PostgresServer, find_binaries

    try:
        import psycopg  # noqa: F401
    except ImportError:
        _postgres_unavailable("psycopg is not installed (pip install 'news-assistant[postgres]')")
    binaries = find_binaries()
    if binaries is None:
        _postgres_unavailable("PostgreSQL is not installed (initdb, pg_ctl, postgres not on PATH nor under /usr/lib/postgresql/*/bin)")
    server = PostgresServer(binaries)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        server.stop()
        _postgres_unavailable(f"PostgreSQL did not start: {exc}")
    yield server
    server.stop()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's server (postgresql://...)."""
    return postgres_server.create_database(f"t{os.getpid()}_{next(_databases)}")
