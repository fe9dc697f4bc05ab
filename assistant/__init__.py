"""News assistant: a library of news articles whose answers cite exact source sentences.

The public Python API is imported lazily so that ``import assistant`` stays cheap.
"""

__version__ = "0.1.0"

__all__ = ["Assistant", "Library", "Settings", "AssistantError", "__version__"]


def __getattr__(name):  # PEP 562: keep heavy modules out of start-up
    if name == "Assistant":
        from .api import Assistant

        return Assistant
    if name == "Library":
        from .library.store import Library

        return Library
    if name == "Settings":
        from .settings import Settings

        return Settings
    if name == "AssistantError":
        from .errors import AssistantError

        return AssistantError
    raise AttributeError(name)
