"""Small helpers with no heavy imports."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_id(identity: str, length: int = 12) -> str:
    """A short, stable id derived from an article's identity string."""
    return hashlib.sha1(identity.encode("utf-8")).hexdigest()[:length]


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and rename, so readers never see half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def redact(text: str, *env_names: str) -> str:
    """``text`` with the values of these environment variables, and of any whose name says KEY, TOKEN,
    SECRET or PASSWORD, replaced by ``***``.

    Servers sometimes echo the request's Authorization header in an error body; such
    messages are shown to the user, so the key is cut out first."""
    import re

    names = {n for n in env_names if n} | {k for k in os.environ if re.search(r"KEY|TOKEN|SECRET|PASSWORD", k, re.I)}
    for name in sorted(names):
        value = os.environ.get(name)
        if value and len(value) >= 8 and not re.fullmatch(r"[A-Z][A-Z0-9_]*", value):  # not a variable's name
            text = text.replace(value, "***")
    return text


def fault_point(name: str) -> None:
    """Crash-test hook: SIGKILL this process when ASSISTANT_FAULT names this point.

    The kill tests set ``ASSISTANT_FAULT=<point>[:<n>]`` to kill an ingest at the
    n-th time (default first) it passes that point. Costs one dict lookup otherwise.
    """
    spec = os.environ.get("ASSISTANT_FAULT")
    if not spec:
        return
    point, _, nth = spec.partition(":")
    if point != name:
        return
    count = _fault_counts.get(name, 0) + 1
    _fault_counts[name] = count
    if count >= int(nth or 1):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


_fault_counts: dict[str, int] = {}
