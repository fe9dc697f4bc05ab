"""A deterministic embedder for tests: feature hashing of words and word pairs, no model."""

from __future__ import annotations

import hashlib
import math
import re

from .base import Embedder

_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder(Embedder):
    name = "hash-256"
    dimensions = 256
    max_tokens = 100_000

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dimensions
        words = _WORD.findall(text.lower())
        feats = words + [a + " " + b for a, b in zip(words, words[1:])]
        for feat in feats:
            h = hashlib.blake2b(feat.encode(), digest_size=8).digest()
            idx = int.from_bytes(h[:4], "little") % self.dimensions
            vec[idx] += 1.0 if h[4] & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]
