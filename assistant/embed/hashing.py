"""A deterministic embedder for tests: feature hashing of words and word pairs, no model."""

from __future__ import annotations

import hashlib
import math
import re
from functools import partial
from operator import methodcaller

from .base import Embedder

_WORD = re.compile(r"[a-z0-9]+")
_HASH8 = partial(hashlib.blake2b, digest_size=8)
_DIGEST = methodcaller("digest")


class HashEmbedder(Embedder):
    name = "hash-256"
    dimensions = 256
    max_tokens = 100_000

    def _vector(self, text: str) -> list[float]:
        """Each word and word pair adds +1 or -1 to one of the dimensions, chosen by its blake2b
        digest: the slot is the digest's first 4 bytes (little-endian) modulo the dimensions, the
        sign bit 0 of its fifth byte; then the vector is L2-normalised. The per-feature work runs
        in C (map) and numpy; it was a Python loop, the largest item of an ingest's CPU with this
        embedder (tests/test_embedders.py checks the vectors against that loop)."""
        import numpy as np

        words = _WORD.findall(text.lower())
        feats = words + list(map(" ".join, zip(words, words[1:])))
        d = np.frombuffer(b"".join(map(_DIGEST, map(_HASH8, map(str.encode, feats)))), dtype=np.uint8).reshape(-1, 8)
        slots = d[:, :4].copy().view("<u4").ravel() % self.dimensions
        counts = np.bincount(slots * 2 + (d[:, 4] & 1), minlength=2 * self.dimensions)
        vec = (counts[1::2] - counts[0::2]).astype(np.float64)  # sums of +-1: exact, whatever the order
        norm = math.sqrt(float(vec @ vec)) or 1.0
        return (vec / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]
