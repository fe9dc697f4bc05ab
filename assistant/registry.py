"""Engines and embedders by name, with their factories: the one place that knows their names.

Everything else asks here: ``engine(name, settings)`` resolves (and checks) an engine choice,
``build_embedder(settings)`` makes the configured embedder. A script can add an embedder:

    from assistant.registry import register_embedder
    register_embedder("mine", lambda settings: MyEmbedder(), semantic=True, help="my vectors")

Factories import their heavy parts (onnxruntime, openai) only when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .errors import ConfigError, UsageError


@dataclass(frozen=True)
class EngineInfo:
    """How answers and briefings are written. ``uses_model``: the engine calls the chat model
    (settings.model); otherwise it quotes source sentences and never calls a model."""

    name: str
    uses_model: bool
    help: str


@dataclass(frozen=True)
class EmbedderInfo:
    name: str
    factory: Callable  # settings -> Embedder
    semantic: bool  # vectors carry meaning; False: near-duplicates and stories are grouped by words instead
    help: str


ENGINES: dict[str, EngineInfo] = {
    "llm": EngineInfo("llm", True, "a chat model writes from the retrieved sentences; every sentence is checked"),
    "extractive": EngineInfo("extractive", False, "quotes the best-supporting source sentences; no model"),
}
# the default: the engine that uses the configured model, or the one that needs none
_WITH_MODEL, _WITHOUT_MODEL = "llm", "extractive"


def engine_names() -> list[str]:
    return list(ENGINES)


def default_engine(settings) -> EngineInfo:
    return ENGINES[_WITH_MODEL if getattr(settings, "model", "") else _WITHOUT_MODEL]


def engine(name: str | None, settings, have_model: bool | None = None) -> EngineInfo:
    """The engine named (the default when None); a UsageError for an unknown name, or for an
    engine that needs a model when none is configured (``have_model``: default settings.model)."""
    if not name:
        return default_engine(settings)
    info = ENGINES.get(name)
    if info is None:
        raise UsageError(f"unknown engine {name!r}", "use " + " or ".join(ENGINES))
    if have_model is None:
        have_model = bool(getattr(settings, "model", ""))
    if info.uses_model and not have_model:
        raise UsageError(f"the {name} engine needs a model", "set one: assistant config set model NAME, --model NAME or ASSISTANT_MODEL")
    return info


# -- embedders -----------------------------------------------------------------------------


def _local(settings):
    from .embed.local import LocalEmbedder

    return LocalEmbedder()


def _hash(settings):
    from .embed.hashing import HashEmbedder

    return HashEmbedder()


def _openai(settings):
    from .embed.openai_compat import OpenAIEmbedder

    return OpenAIEmbedder(model=settings.embed_model, base_url=settings.embed_base_url or None, api_key_env=settings.embed_api_key_env)


EMBEDDERS: dict[str, EmbedderInfo] = {
    "local": EmbedderInfo("local", _local, True, "MiniLM (int8 ONNX) on this machine; the default"),
    "openai": EmbedderInfo("openai", _openai, True, "any OpenAI-compatible /v1/embeddings server"),
    "hash": EmbedderInfo("hash", _hash, False, "hashed words: fast and deterministic, for tests"),
}


def register_embedder(name: str, factory: Callable, *, semantic: bool = True, help: str = "") -> None:
    """Make ``factory(settings) -> Embedder`` available as ``embedder = name``."""
    EMBEDDERS[name] = EmbedderInfo(name, factory, semantic, help)


def embedder_names() -> list[str]:
    return list(EMBEDDERS)


def build_embedder(settings):
    """The embedder named by settings.embedder."""
    info = EMBEDDERS.get(settings.embedder)
    if info is None:
        raise ConfigError(f"unknown embedder {settings.embedder!r}",
                          "use " + ", ".join(EMBEDDERS) + ": assistant config set embedder local")
    return info.factory(settings)


def embedder_is_semantic(name: str | None) -> bool:
    """Whether vectors of the embedder recorded as ``name`` (an Embedder.name such as
    "hash-256", or a registry name) carry meaning. Unknown names count as semantic."""
    if not name:
        return True
    for info in EMBEDDERS.values():
        if name == info.name or name.startswith(info.name + "-"):
            return info.semantic
    return True
