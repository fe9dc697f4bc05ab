"""A real PostgreSQL server for the tests: initdb on a temporary directory, pg_ctl start on loopback.

initdb and postgres refuse to run as root, and CI runs as root: then both run as nobody
(uid/gid 65534) through setpriv, on a directory that user owns. The socket lives in the data
directory (-k), so nothing is written to /var/run. ``find_binaries`` looks on PATH and under
/usr/lib/postgresql/*/bin (where stock Debian keeps them).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

NOBODY = 65534


def _ports() -> range:
    """This project's loopback range for test servers: 55400-55499, or 100 ports from
    ASSISTANT_TEST_PG_PORT (so that two people running the PostgreSQL tests on one machine do not
    race for the same ports)."""
    base = os.environ.get("ASSISTANT_TEST_PG_PORT", "").strip()
    start = int(base) if base.isdigit() and 1024 <= int(base) <= 65435 else 55400
    return range(start, start + 100)


PORTS = _ports()


def find_binaries() -> dict[str, str] | None:
    """{initdb, pg_ctl, postgres: path} from one installation, or None."""
    dirs = []
    initdb = shutil.which("initdb")
    if initdb:
        dirs.append(str(Path(initdb).resolve().parent))
        dirs.append(str(Path(initdb).parent))
    dirs += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for d in dirs:
        found = {name: os.path.join(d, name) for name in ("initdb", "pg_ctl", "postgres")}
        if all(os.access(p, os.X_OK) for p in found.values()):
            return found
    return None


def _free_port() -> int:
    for port in _ports():
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:  # the range is taken: any free port
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, binaries: dict[str, str], options: str = ""):
        self.bin = binaries
        self.options = options  # more server settings, e.g. "-c shared_preload_libraries=pg_stat_statements"
        self.dir = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.dir / "data"
        self.port = 0
        self._as_nobody = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self._as_nobody:
            cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.dir)

    def start(self) -> None:
        if self._as_nobody:
            os.chown(self.dir, NOBODY, NOBODY)
        r = self._run(self.bin["initdb"], "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C")
        if r.returncode != 0:
            raise RuntimeError("initdb failed: " + (r.stderr or r.stdout)[-2000:])
        self.port = _free_port()
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100 {self.options}".rstrip()
        r = self._run(self.bin["pg_ctl"], "-D", str(self.data), "-o", opts, "-l", str(self.data / "server.log"), "-w", "-t", "60", "start")
        if r.returncode != 0:
            log = self.data / "server.log"
            raise RuntimeError("pg_ctl start failed: " + (r.stderr or r.stdout)[-1000:] + (log.read_text()[-1000:] if log.exists() else ""))

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_lines(self, word: str, context: int = 12) -> str:
        """The server log's lines around each mention of word (e.g. "deadlock": PostgreSQL's report
        names both statements), for a failing test's message; "" when there are none."""
        log = self.data / "server.log"
        lines = log.read_text(errors="replace").splitlines() if log.exists() else []
        hits = [i for i, line in enumerate(lines) if word in line]
        return "\n".join("\n".join(lines[max(0, i - 2): i + context]) for i in hits[:3])

    def stop(self) -> None:
        try:
            if self.port:
                self._run(self.bin["pg_ctl"], "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
