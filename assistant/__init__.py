"""News assistant: a library of news articles whose answers cite exact source sentences.

The public Python API is imported lazily so that ``import assistant`` stays cheap.
"""

__version__ = "0.1.0"

# public name -> the module that defines it (imported on first use: PEP 562)
_EXPORTS = {
    "Assistant": "api",
    "Library": "library.store",
    "Settings": "settings",
    "AssistantError": "errors",
    # results (every to_dict() is the CLI's --json document)
    "Answer": "types",
    "AnswerStream": "streaming",
    "BriefingStream": "streaming",
    "AnswerSentence": "types",
    "Citation": "types",
    "Sentence": "types",
    "Passage": "retrieve.retriever",
    "AnswerContext": "results",
    "ArticleDetail": "results",
    "ArticleInfo": "results",
    "ArticleList": "results",
    "Briefing": "results",
    "Chat": "chat.scripted",
    "CheckResult": "results",
    "ExportResult": "results",
    "ForgetResult": "results",
    "ImportResult": "results",
    "IngestResult": "results",
    "Problem": "results",
    "ReindexResult": "results",
    "RevisionInfo": "results",
    "SearchResults": "results",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name):  # PEP 562: keep heavy modules out of start-up
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(name)
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)
