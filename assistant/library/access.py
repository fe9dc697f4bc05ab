"""Opening a library for reading: reading never creates one (a mistyped --data-dir must not answer from nothing)."""

from __future__ import annotations

from pathlib import Path

from ..errors import NotFound
from .store import Library


def open_library(settings, create: bool = False, missing_ok: bool = True) -> Library:
    """Open the library at ``settings.home`` (a Settings, or anything with home and lock_timeout) for reading. Reading never creates one: where none exists, an empty
    in-memory library stands in (``sources`` lists nothing), or with ``missing_ok=False`` the
    user is told (``ask``/``search``/``brief`` on a mistyped --data-dir must not answer from nothing)."""
    home = Path(settings.home)
    url = getattr(settings, "library_url", "")
    if url:
        if not create and not Library.exists_at(url):
            if not missing_ok:
                from .pg import display

                raise NotFound(f"no library at {display(url)}: ingest articles first",
                               "e.g. assistant --library URL ingest --seeds, or check --library / ASSISTANT_LIBRARY_URL")
            return Library.empty(home)
        return Library.open(home, create=create, url=url)
    if not create and not (home / "library.sqlite3").exists():
        if home.exists() and not home.is_dir():
            return Library.open(home, create=False)  # raises: the data directory is a file
        if not missing_ok:
            raise NotFound(f"no library at {home}: ingest articles first",
                           "e.g. assistant ingest --seeds, or check --data-dir / ASSISTANT_HOME")
        return Library.empty(home)
    return Library.open(home, create=create, lock_timeout=settings.lock_timeout)
