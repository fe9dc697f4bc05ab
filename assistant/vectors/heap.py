"""Zero heap blocks before the embedded Chroma store can write them to disk.

Why: Chroma's HNSW index (hnswlib, inside chromadb's Rust bindings) mallocs its element buffer
(capacity x bytes per element: 100 x 1,164 bytes at 256 dimensions) without clearing it, and writes
the whole buffer, unused slots included, to ``data_level0.bin`` (likewise its 400-byte lengths buffer
to ``length.bin``). It does so every time the store is opened for writing until the first 1,000
vectors have been synced (``hnsw:sync_threshold``): before that the store re-creates the index on
each open, and a search or an ask opens it for writing. With glibc that buffer is often memory
another thread freed earlier: the thread that sent an HTTP request with ``Authorization: Bearer
<key>``, whose malloc arena a new Chroma thread takes over. The key was found on disk that way
(tests/test_secrets.py; docs/reliability.md has the measurements).

glibc's ``M_PERTURB`` (the ``mallopt`` form of ``MALLOC_PERTURB_``) makes malloc fill every block it
hands out of its bins, the top chunk or mmap with ``byte ^ 0xFF`` and free fill every block it takes
back into its bins with ``byte``. With 0xFF, new blocks read as zeros, as fresh pages do, so the
files hold zeros where they held stale heap; freed blocks hold 0xFF instead of their old content.

Limits: glibc only (elsewhere nothing is done and False is returned). Blocks of up to 1,032 bytes
that a thread reuses from its own cache (tcache) are not filled; Chroma's threads never see the key,
so their caches cannot hold it. The setting is process-wide and stays on: the store may re-create
its files at any later open in the same process.
"""

from __future__ import annotations

import os
import sys

M_PERTURB = -6  # from glibc's <malloc.h>
FILL = 0xFF  # malloc fills with FILL ^ 0xFF == 0

_enabled: bool | None = None


def zero_fresh_heap_blocks() -> bool:
    """Turn on glibc's M_PERTURB for this process (once); True when it is on."""
    global _enabled
    if _enabled is None:
        _enabled = _mallopt_perturb()
    return _enabled


def _mallopt_perturb() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return False  # musl and others: no M_PERTURB
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(M_PERTURB, FILL) == 1
