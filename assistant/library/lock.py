"""One writer at a time per data directory.

Chroma's embedded client is not safe with writers in several processes, and ingest
writes SQLite and Chroma together, so every writing command takes this lock. Readers
take none: SQLite's WAL mode lets them read committed rows during an ingest.

A PostgreSQL library (--library) has no file lock of its own: its writers hold advisory locks
scoped to what they write (pg.py). The data-directory lock is still taken there when the vectors
are in the embedded Chroma store (single-writer); with a Chroma server (--chroma-url) writers on
several machines run at once.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, nullcontext
from pathlib import Path

from ..errors import LockedError

LOCK_NAME = "write.lock"
PID_NAME = "write.pid"  # only while a writer holds the lock (a killed writer leaves it behind)


def raise_unwritable(home: Path, exc: OSError):
    from ..errors import AssistantError

    reason = exc.strerror or str(exc)
    raise AssistantError(f"cannot write to {home}: {reason}",
                         "writing commands need a writable data directory: point --data-dir or ASSISTANT_HOME at one "
                         "(reading commands work on a read-only library)") from None


@contextmanager
def write_lock(home: Path, timeout: float = 10.0):
    from filelock import FileLock, Timeout

    home = Path(home)
    lock = FileLock(str(home / LOCK_NAME))
    try:
        home.mkdir(parents=True, exist_ok=True)
        lock.acquire(timeout=max(timeout, 0))
    except Timeout:  # before OSError: filelock's Timeout is a TimeoutError, an OSError
        raise LockedError(
            f"another assistant process is writing to {home}",
            f"wait for it to finish, or wait longer with --wait SECONDS (waited {timeout:g} s)",
        )
    except OSError as exc:  # a read-only disk or HOME, no permission: one line naming the directory
        raise_unwritable(home, exc)
    pid_file = home / PID_NAME
    try:
        pid_file.write_text(str(os.getpid()))
        yield
    finally:
        try:  # the pid says who holds the lock (benchmarks/kill_loop.py watches it); gone with the lock
            pid_file.unlink()
        except OSError:
            pass
        lock.release()


@contextmanager
def writing(settings, timeout: float, exclusive: bool = False, create: bool = True):
    """The library opened for a writer, with the locks its backend needs (see the module's text);
    ``exclusive``: no other writer at all (reindex)."""
    from .store import Library

    home = Path(settings.home)
    url = getattr(settings, "library_url", "")
    if not url:
        with write_lock(home, timeout):
            lib = Library.open(home, create=create, locked=True)
            try:
                yield lib
            finally:
                lib.close()
        return
    with write_lock(home, timeout) if not settings.chroma_url else nullcontext():
        lib = Library.open(home, create=create, url=url)
        try:  # closing the connection releases every advisory lock it holds
            lib.lock_library(exclusive, timeout)
            yield lib
        finally:
            lib.close()
