"""Engines and embedders are chosen by name in one place (assistant/registry.py)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO, SEEDS


def test_engines_by_name():
    from assistant import registry
    from assistant.errors import UsageError
    from assistant.settings import Settings

    plain, with_model = Settings.load(model=""), Settings.load(model="some-model")
    assert registry.engine(None, plain).name == "extractive" and not registry.engine(None, plain).uses_model
    assert registry.engine(None, with_model).name == "llm" and registry.engine("llm", with_model).uses_model
    assert registry.engine("extractive", with_model).name == "extractive"
    with pytest.raises(UsageError, match="unknown engine 'fancy'") as e:
        registry.engine("fancy", with_model)
    assert e.value.hint == "use llm or extractive"
    with pytest.raises(UsageError, match="the llm engine needs a model"):
        registry.engine("llm", plain)
    with pytest.raises(UsageError, match="needs a model"):
        registry.engine("llm", with_model, have_model=False)  # the caller built no model client


def test_no_other_module_compares_engine_or_embedder_names():
    pattern = re.compile(r"""(==|!=|\bin)\s*\(?\s*["'](llm|extractive|local|hash|openai)["']|startswith\(["']hash""")
    offenders = []
    for path in sorted((REPO / "assistant").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in ("assistant/registry.py", "assistant/evaluation/summaries.py"):  # summaries: its own --embedder local|none switch
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{rel}:{i}: {line.strip()}")
    assert offenders == []


def test_a_registered_embedder_is_used_everywhere(home, tmp_path):
    from assistant import Assistant
    from assistant.embed.hashing import HashEmbedder
    from assistant.errors import ConfigError
    from assistant.registry import EMBEDDERS, build_embedder, embedder_is_semantic, register_embedder
    from assistant.settings import Settings

    made = []

    class Counting(HashEmbedder):
        name = "counting-64"

        def embed_documents(self, texts):
            made.append(len(texts))
            return super().embed_documents(texts)

    register_embedder("counting", lambda settings: Counting(), semantic=False, help="test")
    try:
        assert not embedder_is_semantic("counting-64") and embedder_is_semantic("all-MiniLM-L6-v2") and not embedder_is_semantic("hash-256")
        with Assistant(tmp_path / "h", embedder="counting") as a:  # a name: the setting, built by the registry
            assert a.ingest([SEEDS]).added == 12 and made  # the writer built it by name
            n = len(made)
            assert a.search("Navalny", k=1)[0].title and made[n:] == [1]  # the query, embedded by it too
            assert a.check().ok
        with pytest.raises(ConfigError, match="unknown embedder 'nope'") as e:
            build_embedder(Settings.load(embedder="nope"))
        assert "counting" in e.value.hint and "local" in e.value.hint
    finally:
        EMBEDDERS.pop("counting", None)
