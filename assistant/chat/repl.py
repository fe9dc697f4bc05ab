"""The interactive loop: prompt_toolkit on a terminal, plain lines from a pipe.

Keys (terminal): Enter sends; a line ending in \\ continues on the next line, and Esc then Enter
inserts a newline; Up/Down and Ctrl-R search the input history (<data dir>/chat_history);
Ctrl-C at the prompt clears the line, Ctrl-C while an answer is written cancels it; Ctrl-D
on an empty line (or /exit) leaves.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import AssistantError
from .output import Output
from .session import ChatSession

PROMPT = "> "


def _history(path: Path):
    from prompt_toolkit.history import FileHistory

    class SafeFileHistory(FileHistory):
        """Never fails on undecodable input (lone surrogates from binary pastes) or an unwritable file."""

        def store_string(self, string: str) -> None:
            try:
                super().store_string(string.encode("utf-8", "replace").decode("utf-8"))
            except OSError:
                pass

        def load_history_strings(self):
            try:
                yield from super().load_history_strings()
            except (OSError, UnicodeDecodeError):
                return

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass
    return SafeFileHistory(str(path))


def _prompt_lines(session: ChatSession, out: Output):
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings

    kb = KeyBindings()

    @kb.add("escape", "enter")
    def _newline(event):
        event.current_buffer.insert_text("\n")

    ps = PromptSession(history=_history(session.home / "chat_history"), key_bindings=kb, multiline=False,
                       prompt_continuation=lambda width, line_number, wrap_count: "." * (width - 1) + " ")
    while True:
        try:
            text = ps.prompt(PROMPT)
            while text.endswith("\\") and not text.endswith("\\\\"):
                text = text[:-1] + "\n" + ps.prompt("... ")
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt: a fresh line
        except EOFError:
            return
        yield text


def _pipe_lines():
    """Lines from a non-terminal stdin; bytes that are not UTF-8 become U+FFFD (and are reported)."""
    buf = sys.stdin.buffer
    pending = ""
    for raw in buf:
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if line.endswith("\\"):
            pending += line[:-1] + "\n"
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def run(assistant, *, engine: str | None = None, resume: str | None = None, k: int | None = None, budget: int | None = None) -> int:
    """Run a chat session (``resume``: None for a new one, "latest" or an id); returns the exit code."""
    out = Output()
    kwargs = {"budget": budget} if budget else {}
    session = ChatSession(assistant, out, engine=engine, k=k, **kwargs)
    if resume is not None:
        session.resume(None if resume in ("", "latest") else resume)
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if interactive:
        out.note(f"news assistant chat ({session.engine_name()} engine; session {session.id}). /help for commands, Ctrl-D to leave.")
    lines = _prompt_lines(session, out) if interactive else _pipe_lines()
    for text in lines:
        try:
            if not session.handle(text):
                break
        except KeyboardInterrupt:
            if not interactive:
                raise
            out.line("")
            out.note("(cancelled)")
        except AssistantError as exc:
            out.error(exc.message, exc.hint)
    if interactive:
        out.note(f"session saved as {session.id} (resume: assistant chat --resume {session.id})" if session.history.turns else "bye")
        return 0
    # off a terminal a script reads the exit code: a line that failed makes the chat fail (as ask --batch does)
    return 1 if out.errors else 0
