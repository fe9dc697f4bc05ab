"""Embeddings from any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp) via the openai client."""

from __future__ import annotations

import os

from ..errors import AssistantError, ConfigError
from .base import Embedder


class OpenAIEmbedder(Embedder):
    max_tokens = 8191

    def __init__(self, model: str, base_url: str | None = None, api_key_env: str = "OPENAI_API_KEY", batch_size: int = 64, timeout: float = 60.0):
        self.model = model
        self.base_url = base_url
        self.api_key_env = api_key_env
        self.batch_size = batch_size
        self.timeout = timeout
        self.name = f"openai:{model}"
        self.dimensions = 0  # learnt from the first response
        self._client = None

    @property
    def client(self):
        if self._client is None:
            import openai

            key = os.environ.get(self.api_key_env) or ("not-needed" if self.base_url or os.environ.get("OPENAI_BASE_URL") else None)
            if not key:
                raise ConfigError(
                    f"the openai embedder needs an API key in ${self.api_key_env}",
                    f"export {self.api_key_env}=... or set embed_base_url for a local server",
                )
            self._client = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=3)
        return self._client

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import openai

        out: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = texts[i : i + self.batch_size]
            try:
                resp = self.client.embeddings.create(model=self.model, input=batch)
            except openai.APIConnectionError as exc:
                raise AssistantError(f"embedding server not reachable ({exc.__class__.__name__})", "check embed_base_url / OPENAI_BASE_URL and that the server runs")
            except openai.AuthenticationError:
                raise AssistantError("the embedding server refused the API key", f"check ${self.api_key_env}")
            except openai.NotFoundError:
                raise AssistantError(f"the embedding server does not know the model {self.model!r}", "set embed_model to a model it serves")
            except openai.APIError as exc:
                from ..util import redact

                raise AssistantError(f"embedding request failed: {redact(str(exc), self.api_key_env, 'OPENAI_API_KEY')}", "try again later")
            vectors = [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
            out.extend(vectors)
        if out and not self.dimensions:
            self.dimensions = len(out[0])
        return out

    def count_tokens_batch(self, texts: list[str]) -> list[int]:
        from ..tokens import count_tokens

        return [count_tokens(t) for t in texts]
