"""The project's errors. Each carries a message and a hint that tells the user what to do.

Only the ``assistant.cli`` package turns them into printed lines and exit codes.
"""


class AssistantError(Exception):
    """An error meant for the user: ``message`` says what went wrong, ``hint`` what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_dict(self) -> dict:
        return {"message": self.message, "hint": self.hint}


class UsageError(AssistantError):
    """Bad options or arguments (exit code 2)."""

    exit_code = 2


class InputError(AssistantError):
    """A file or record that cannot be ingested."""


class NotFound(AssistantError):
    """An article, revision or sentence id that the library does not hold."""


class LockedError(AssistantError):
    """Another process holds the library's write lock."""


class EmbedderMismatch(AssistantError):
    """The library was built with another embedder or chunker than the one configured."""


class VectorStoreError(AssistantError):
    """Chroma could not be reached or answered with an error."""


class ConfigError(AssistantError):
    """The config file or a setting is invalid."""


class LLMError(AssistantError):
    """The chat model's server failed or answered with something unusable."""


class ContextTooLong(AssistantError):
    """The prompt exceeded the model's context window."""


class FormatUnsupported(AssistantError):
    """The server rejected the requested response_format (learned, then the next form is tried)."""


class CorruptSession(AssistantError):
    """A saved chat session cannot be read."""


class NothingToBrief(AssistantError):
    """No article passes the briefing's filters (exit code 3, like a refused answer)."""

    exit_code = 3


class NewerLibrary(AssistantError):
    """The library was written by a newer version of the assistant (a higher schema version)."""
