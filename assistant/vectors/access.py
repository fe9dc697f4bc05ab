"""The vector index of a library, as the settings say (embedded Chroma store or a Chroma server)."""

from __future__ import annotations

from pathlib import Path


def vector_index(settings, library):
    from .chroma_index import ChromaIndex

    home = Path(settings.home)
    if library.read_only and not settings.chroma_url:
        home = _read_only_vectors(home)
    return ChromaIndex(home, library.library_id, settings.chroma_url)


def _read_only_vectors(home: Path) -> Path:
    """The embedded Chroma store writes when it opens, so a read-only library's vectors are read from a
    temporary copy (removed at exit); searches and answers are then the same as on a writable disk."""
    import atexit
    import shutil
    import tempfile

    src = home / "chroma"
    if not src.is_dir():
        return home
    tmp = Path(tempfile.mkdtemp(prefix="assistant-ro-"))
    atexit.register(shutil.rmtree, tmp, True)
    shutil.copytree(src, tmp / "chroma")
    return tmp
