"""The Embedder interface."""

from __future__ import annotations

import re

_WORDISH = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class Embedder:
    """Turns texts into vectors. ``name`` and ``dimensions`` go into the library's manifest,
    so a library is never queried with vectors from another model."""

    name: str = "base"
    dimensions: int = 0
    max_tokens: int = 512

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return self.count_tokens_batch([text])[0]

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        """Tokens in the embedder's own tokenizer; this default approximates word pieces."""
        return [len(_WORDISH.findall(t)) for t in texts]
