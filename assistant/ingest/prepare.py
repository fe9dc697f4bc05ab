"""What the library stores for an article, computed from its parsed text: its identity, a hash
of its content, its sentences with offsets and its chunks (the embedder's token budget).

The library's writer (library/writer.py) calls these for each article it is handed, and for
every stored revision when it re-chunks (reindex); nothing here touches the library.
"""

from __future__ import annotations

from ..errors import InputError
from ..types import ParsedArticle
from . import chunking, sentences
from .identity import content_hash, identity_for


class Preparer:
    def __init__(self, embedder, settings):
        self.count_tokens_batch = embedder.count_tokens_batch
        self.chunk_tokens = settings.chunk_tokens
        self.chunk_overlap = settings.chunk_overlap
        self.chunk_opening_tokens = settings.chunk_opening_tokens

    def identity(self, art: ParsedArticle) -> tuple[str, str]:
        return identity_for(art)

    def content_hash(self, art: ParsedArticle) -> str:
        return content_hash(art)

    def sentences(self, art: ParsedArticle) -> list[tuple[int, int, str]]:
        sents = sentences.split(art.text)
        if not sents:
            raise InputError(f"{art.origin}: no sentences found in the text", "check that the file holds an article body")
        return sents

    def chunks(self, sentence_texts: list[str], title: str, published: str, source: str) -> list[tuple[int, int, str, int]]:
        return chunking.make_chunks(sentence_texts, title, published, source, self.count_tokens_batch, self.chunk_tokens, self.chunk_overlap,
                                     self.chunk_opening_tokens)
