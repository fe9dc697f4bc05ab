"""What the commands print and how they end: one JSON document or lines, errors as one clear
line (with a hint) and an exit code, a quiet exit on a broken pipe, the progress bar on stderr."""

from __future__ import annotations

import json
import os
import sys

import typer

from ..errors import AssistantError


def emit_json(doc) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")


def err(line: str) -> None:
    sys.stderr.write(line + "\n")


def fail(exc: AssistantError, as_json: bool) -> None:
    if as_json:
        emit_json({"error": exc.to_dict()})
    err(f"error: {exc.message}")
    if exc.hint:
        err(f"  hint: {exc.hint}")
    raise typer.Exit(exc.exit_code)


def guarded(as_json: bool, fn):
    """Run a command body; turn project errors into one clear line and an exit code."""
    try:
        return fn()
    except AssistantError as exc:
        fail(exc, as_json)
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(130)
    except BrokenPipeError:
        quiet_broken_pipe()
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        from ..util import redact

        fail(AssistantError(redact(f"internal error: {exc.__class__.__name__}: {exc}"), "rerun with ASSISTANT_DEBUG=1 for a traceback, and report it"), as_json)


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a Unix tool whose reader went away


def quiet_broken_pipe() -> None:
    """The reader of stdout went away (`assistant sources | head`): stop without a word, as Unix tools do.

    stdout is pointed at /dev/null first, so the interpreter's final flush cannot raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (in-process test runner)
        pass
    raise typer.Exit(EXIT_BROKEN_PIPE)


def progress_bar(as_json: bool, label: str):
    """A rich progress bar of chunks embedded on a terminal (stderr), with a total and an ETA once the
    writer knows them; else a callback that only passes notes on (a resumed run is never silent)."""
    from contextlib import nullcontext

    if as_json or not sys.stderr.isatty():
        def tick(n):
            pass

        tick.add_total = lambda n: None
        tick.note = (lambda msg: None) if as_json else (lambda msg: err(f"note: {msg}"))
        return nullcontext(tick)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    class _Bar:
        def __enter__(self):
            self.p = Progress(SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                              TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), transient=True, console=stderr_console())
            self.p.__enter__()
            self.task = self.p.add_task(label, total=None)
            self.total = 0

            def tick(n):
                self.p.advance(self.task, n)

            def add_total(n):
                self.total += n
                self.p.update(self.task, total=self.total)

            tick.add_total = add_total
            tick.note = lambda msg: self.p.console.print(f"note: {msg}", highlight=False)
            return tick

        def __exit__(self, *a):
            self.p.__exit__(*a)

    return _Bar()


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, no_color=os.environ.get("NO_COLOR") is not None)


def stdout_console():
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich would exit 1 by itself; the CLI decides (quietly, 141)
            self.quiet = True
            raise BrokenPipeError

    return _Console(no_color=os.environ.get("NO_COLOR") is not None, highlight=False, soft_wrap=not sys.stdout.isatty())


class ModelProgress:
    """Shows on stderr (a terminal only) that a model is working: how long it has been reading
    the prompt, then how many tokens it has written. One line, rewritten in place."""

    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.shown = False
        self.last = -1.0

    def __call__(self, state: str, seconds: float, tokens: int) -> None:
        if not self.tty or seconds < 2 or seconds - self.last < 1:
            return
        self.last = seconds
        what = f"the model is reading the sources ({seconds:.0f} s)" if state == "waiting" else f"the model is writing ({tokens} tokens, {seconds:.0f} s)"
        sys.stderr.write("\r\x1b[2K" + what)
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
            self.shown = False
