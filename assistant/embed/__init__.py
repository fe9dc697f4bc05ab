"""Embedders: local ONNX MiniLM (default, offline), OpenAI-compatible /v1/embeddings, deterministic hash (tests)."""

from __future__ import annotations

from .base import Embedder


def build_embedder(settings) -> Embedder:
    """The embedder named by settings.embedder (the factories live in assistant.registry)."""
    from ..registry import build_embedder as build

    return build(settings)


def embedder_named(name: str) -> Embedder | None:
    """For the evals' --embedder flag: local, hash or openai as configured; "none" means no embedder."""
    if name in ("none", "", None):
        return None
    from ..settings import Settings

    return build_embedder(Settings.load(embedder=name))


__all__ = ["Embedder", "build_embedder", "embedder_named"]
