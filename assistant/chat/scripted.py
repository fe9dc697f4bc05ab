"""A chat session for scripts: ``Assistant.chat()`` returns one.

    chat = a.chat()
    chat.ask("Who is Jim Mattis?")
    answer = chat.ask("How old is he?")      # rewritten with the conversation before searching
    print(answer.question, answer.citations)

It is the session ``assistant chat`` runs (same rewriting of follow-ups, scope commands,
autosave to <data dir>/sessions/), with results returned instead of printed; what the session
would have printed is kept in ``transcript``.
"""

from __future__ import annotations

from .session import ChatSession


class Transcript:
    """The Output of a chat that prints nothing: (kind, text) lines, kept for the caller."""

    def __init__(self):
        self.lines: list[tuple[str, str]] = []

    def line(self, text: str = "", style: str | None = None) -> None:
        self.lines.append(("line", text))

    def note(self, text: str) -> None:
        self.lines.append(("note", text))

    def error(self, message: str, hint: str | None = None) -> None:
        self.lines.append(("error", message + (f" (hint: {hint})" if hint else "")))

    def sentence(self, sent, citations) -> None:
        self.lines.append(("sentence", sent.text))

    def sources(self, citations) -> None:
        pass


class Chat:
    def __init__(self, session: ChatSession):
        self.session = session

    @property
    def id(self) -> str:
        return self.session.id

    @property
    def transcript(self) -> list[tuple[str, str]]:
        return self.session.out.lines

    @property
    def scope(self) -> dict:
        """since / until / as_of for the rest of the session (change them with ``command``)."""
        return dict(self.session.scope)

    @property
    def turns(self) -> list:
        return list(self.session.history.turns)

    def standalone(self, question: str) -> str:
        """The question as it would be searched: a follow-up rewritten with the conversation."""
        return self.session.standalone(question)

    def ask(self, question: str):
        """The Answer to a question or follow-up (its ``question`` is the rewritten, searched one)."""
        self.session.ask(question)
        return self.session.last

    def brief(self, topic: str | None = None):
        """A Briefing of what is in scope (or of a topic); ``empty`` when there is nothing to brief."""
        return self.session.brief(topic)

    def command(self, line: str) -> bool:
        """Run a slash command (``/since 7d``, ``/engine extractive``, ``/reset``...) as the chat does;
        raises AssistantError for a bad one. False for /exit."""
        return self.session.command(line)
