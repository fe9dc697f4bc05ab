"""Embedders: local ONNX MiniLM (default, offline), OpenAI-compatible /v1/embeddings, deterministic hash (tests)."""

from __future__ import annotations

from .base import Embedder


def build_embedder(settings) -> Embedder:
    """The embedder named by settings.embedder; imports its heavy parts lazily."""
    from ..errors import ConfigError

    kind = settings.embedder
    if kind == "local":
        from .local import LocalEmbedder

        return LocalEmbedder()
    if kind == "hash":
        from .hashing import HashEmbedder

        return HashEmbedder()
    if kind == "openai":
        from .openai_compat import OpenAIEmbedder

        return OpenAIEmbedder(
            model=settings.embed_model,
            base_url=settings.embed_base_url or None,
            api_key_env=settings.embed_api_key_env,
        )
    raise ConfigError(f"unknown embedder {kind!r}", "use local, openai or hash: assistant config set embedder local")


def embedder_named(name: str) -> Embedder | None:
    """For the evals' --embedder flag: local, hash or openai as configured; "none" means no embedder."""
    if name in ("none", "", None):
        return None
    from ..settings import Settings

    return build_embedder(Settings.load(embedder=name))


__all__ = ["Embedder", "build_embedder", "embedder_named"]
