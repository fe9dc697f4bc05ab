"""The Python API: ``Assistant(...)`` opens a library and answers search (and later ask/brief) calls.

    from assistant import Assistant
    with Assistant(data_dir="~/news") as a:
        for p in a.search("Who became governor of Puerto Rico?", k=3):
            print(p.title, p.sentence_ids)

Every model or store can be passed in explicitly; otherwise settings build them lazily.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from .settings import Settings


class Assistant:
    def __init__(self, data_dir: str | Path | None = None, *, settings: Settings | None = None, embedder=None, index=None, **overrides):
        self.settings = settings or Settings.load(data_dir, **overrides)
        self._embedder = embedder
        self._index = index
        self.on_progress = None  # (state, seconds, tokens) while a model works: "waiting" for the first token, then "writing"

    @cached_property
    def library(self):
        from .service import open_library

        return open_library(self.settings)

    @property
    def embedder(self):
        if self._embedder is None:
            from .embed import build_embedder

            self._embedder = build_embedder(self.settings)
        return self._embedder

    @property
    def index(self):
        if self._index is None:
            from .service import vector_index

            self._index = vector_index(self.settings, self.library)
        return self._index

    def retriever(self, mode: str = "hybrid"):
        from .retrieve import Retriever

        if mode == "lexical":
            return Retriever(self.library)
        return Retriever(self.library, self.embedder, self.index)

    def search(self, query: str, k: int = 5, mode: str = "hybrid", *, since=None, until=None, as_of=None,
               source=None, article=None, include_undated: bool = False, per_article: int = 2):
        """Passages (typed objects) for a query, best first; an empty list when nothing matches."""
        filters = self.filters(since, until, as_of, source, article, include_undated)
        return self.retriever(mode).search(query, k=k, mode=mode, filters=filters, per_article=per_article)

    def filters(self, since=None, until=None, as_of=None, source=None, article=None, include_undated: bool = False):
        from .retrieve import Filters

        return Filters(since=since, until=until, as_of=as_of, sources=_listify(source),
                       article_ids=[self.library.resolve_article(a) for a in _listify(article)], include_undated=include_undated)

    def llm(self):
        """The configured chat model, or None (then the extractive engine answers)."""
        if not self.settings.model:
            return None
        from .llm.client import LLM

        return LLM(self.settings.model, self.settings.base_url or None, self.settings.api_key_env,
                   timeout=self.settings.llm_timeout, retries=self.settings.llm_retries,
                   first_token_timeout=self.settings.llm_first_token_timeout or None, on_progress=self.on_progress)

    def answerer(self):
        from .answer.pipeline import Answerer

        return Answerer(self.library, self.retriever("hybrid"), self.embedder, self.settings, self.llm())

    def ask(self, question: str, *, engine: str | None = None, k: int | None = None, strict: bool = False, since=None, until=None,
            as_of=None, source=None, article=None, include_undated: bool = False, on_sentence=None):
        """An Answer whose every sentence cites source sentence ids; ``refused`` when the sources do not support one."""
        f = self.filters(since, until, as_of, source, article, include_undated)
        return self.answerer().ask(question, f, engine=engine, k=k, strict=strict, on_sentence=on_sentence)

    def briefer(self):
        from .brief.pipeline import Briefer

        return Briefer(self.library, self.retriever("hybrid"), self.embedder, self.settings, self.llm())

    def brief(self, topic: str | None = None, *, length: int | None = None, engine: str | None = None, since=None, until=None,
              as_of=None, source=None, article=None, include_undated: bool = False, max_tokens: int | None = None,
              dry_run: bool = False, on_sentence=None):
        """A briefing (an Answer with the topic as its question) whose every sentence cites source sentences.
        Raises NothingToBrief (exit code 3) when nothing is in scope."""
        f = self.filters(since, until, as_of, source, article, include_undated)
        return self.briefer().brief(topic, f, length=length, engine=engine, max_tokens=max_tokens, dry_run=dry_run, on_sentence=on_sentence)

    def close(self) -> None:
        if "library" in self.__dict__:
            self.library.close()
            del self.__dict__["library"]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _listify(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)
