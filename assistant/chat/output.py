"""Where the chat prints: rich colour on a terminal (NO_COLOR honoured), plain text otherwise.

Errors and notes go to stderr when output is not a terminal, so a piped transcript holds only
answers; on a terminal everything shares the screen in order.
"""

from __future__ import annotations

import os
import sys

from ..render import render_sentence, render_sources


class Output:
    def __init__(self, stream=None, color: bool | None = None):
        self.stream = stream or sys.stdout
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.tty = tty
        self.color = tty and os.environ.get("NO_COLOR") is None if color is None else color
        self._console = None
        self.errors = 0  # errors shown; a chat off a terminal exits 1 when there were any
        if self.color:
            from rich.console import Console

            self._console = Console(file=self.stream, highlight=False, markup=False, soft_wrap=True, emoji=False)

    # -- primitives --------------------------------------------------------------------
    def line(self, text: str = "", style: str | None = None) -> None:
        if self._console is not None:
            from rich.text import Text

            self._console.print(Text(text, style=style or ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def note(self, text: str) -> None:
        """A dim aside: rewritten questions, engine, scope changes."""
        self.line(text, "dim")

    def error(self, message: str, hint: str | None = None) -> None:
        self.errors += 1
        if self.tty:
            self.line(f"error: {message}", "bold red")
            if hint:
                self.line(f"  hint: {hint}", "yellow")
        else:
            self.stream.flush()
            sys.stderr.write(f"error: {message}\n" + (f"  hint: {hint}\n" if hint else ""))
            sys.stderr.flush()

    # -- answers -----------------------------------------------------------------------
    def sentence(self, sent, citations) -> None:
        if self._console is None:
            self.line(render_sentence(sent, citations))
            return
        from rich.text import Text

        nums = {c.id: c.n for c in citations}
        t = Text(sent.text)
        marks = "".join(f"[{nums[c]}]" for c in sent.citations if c in nums)
        if marks:
            t.append(" " + marks, style="bold cyan")
        if not sent.supported:
            t.append(" (not supported by the sources)", style="yellow")
        self._console.print(t)
        self.stream.flush()

    def sources(self, citations) -> None:
        if not citations:
            return
        self.line("")
        self.line("Sources:", "bold")
        if self._console is None:
            self.line(render_sources(citations))
            return
        from rich.text import Text

        for c in citations:
            meta = ", ".join(x for x in (c.title and f"“{c.title}”", c.source, c.published or "undated") if x)
            t = Text("  ")
            t.append(f"[{c.n}]", style="bold cyan")
            t.append(f" {c.text}\n      ")
            t.append(f"{meta} — {c.id}", style="dim")
            self._console.print(t)
        self.stream.flush()
