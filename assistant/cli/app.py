"""The typer application: its global options, the Session each command gets in its context (one
Assistant per command), and the entry point that turns usage errors into exit code 2."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .output import EXIT_BROKEN_PIPE, emit_json, err, quiet_broken_pipe


def _plain_help_types() -> None:
    """Help without programming types: flags show no value (not ``--json <bool>``) and an option
    shows its metavar or click's plain name (``--source NAME``, ``-k INTEGER``, not ``<list[str]>``).

    typer 0.29 renders the types column through display_type_rich; pyproject pins typer to the
    0.29 series this was tested with, and an unknown typer keeps its own rendering."""
    try:
        from typer.core import TyperArgument, TyperOption
    except ImportError:  # pragma: no cover
        return

    def option_type(self, ctx):
        if self.is_flag or self.count:
            return None
        if self.metavar:
            return self.metavar
        bare = self.bare_type()
        bare = bare[5:-1] if bare.startswith("list[") else bare
        return {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH"}.get(bare, bare.upper())

    if hasattr(TyperOption, "display_type_rich"):
        TyperOption.display_type_rich = option_type
    if hasattr(TyperArgument, "display_type_rich"):
        TyperArgument.display_type_rich = lambda self, ctx: None  # the argument's name is shown already


_plain_help_types()

app = typer.Typer(
    name="assistant",
    help="A news assistant: ingest articles, then search, ask and brief with sentence-level citations.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Show or change settings (stored in <data dir>/config.toml; keys are never stored).", no_args_is_help=True)
app.add_typer(config_app, name="config")


class Session:
    """What the global options chose, carried in the typer context (``ctx.obj``) to every command:
    it builds the one Assistant a command talks to, and closes it when the command ends."""

    def __init__(self, data_dir: Optional[Path] = None, chroma_url: Optional[str] = None, embedder: Optional[str] = None,
                 library_url: Optional[str] = None):
        self.data_dir, self.chroma_url, self.embedder, self.library_url = data_dir, chroma_url, embedder, library_url
        self._assistant = None

    def assistant(self, model: Optional[str] = None, base_url: Optional[str] = None):
        """The command's Assistant (built on first use, inside the command's error handling:
        a broken config file is one clear line); ``model``/``base_url`` from ask, brief and chat."""
        if self._assistant is None:
            from ..api import Assistant

            self._assistant = Assistant(self.data_dir, chroma_url=self.chroma_url, embedder=self.embedder, model=model, base_url=base_url,
                                        library_url=self.library_url)
        return self._assistant

    def close(self) -> None:
        if self._assistant is not None:
            self._assistant.close(collect=False)  # the process ends next: no need to collect Chroma's files now


def assistant(ctx: typer.Context, model: Optional[str] = None, base_url: Optional[str] = None):
    return ctx.ensure_object(Session).assistant(model, base_url)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from .. import __version__

        try:
            v = version("news-assistant")
        except PackageNotFoundError:  # run from a source tree that was never installed
            v = __version__
        print(f"assistant (news-assistant) {v}")
        raise typer.Exit(0)


@app.callback()
def _main(
    ctx: typer.Context,
    _show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", metavar="DIR", help="Library directory (default: ASSISTANT_HOME or the per-user data dir)."),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", metavar="URL", help="Use a Chroma server (e.g. http://127.0.0.1:8000) instead of the embedded store. Env: ASSISTANT_CHROMA_URL."),
    embedder: Optional[str] = typer.Option(None, "--embedder", metavar="NAME", help="local (default), openai or hash. Env: ASSISTANT_EMBEDDER."),
    library_url: Optional[str] = typer.Option(None, "--library", metavar="URL", help="A PostgreSQL library (postgresql://USER@HOST:PORT/DB) instead of SQLite in the data dir. Env: ASSISTANT_LIBRARY_URL."),
):
    ctx.obj = Session(data_dir, chroma_url, embedder, library_url)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    """Entry point: usage errors under --json still produce a JSON error document."""
    code = _run()
    try:  # output still buffered must reach the reader now, while a broken pipe can still be handled quietly
        sys.stdout.flush()
    except BrokenPipeError:
        code = _broken_pipe_code()
    sys.exit(code)


def _broken_pipe_code() -> int:
    try:
        quiet_broken_pipe()
    except typer.Exit as exc:
        return exc.exit_code
    return EXIT_BROKEN_PIPE  # pragma: no cover - quiet_broken_pipe always raises


def _run() -> int:
    try:  # recent typer vendors click as typer._click
        from typer import _click as click
    except ImportError:  # pragma: no cover - older typer
        import click

    try:
        rv = app(standalone_mode=False)
    except click.exceptions.NoSuchOption as exc:
        return _usage_error(exc)
    except click.exceptions.UsageError as exc:  # typer._click exports it only under .exceptions
        return _usage_error(exc)
    except typer.Abort:
        err("aborted")
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except BrokenPipeError:
        return _broken_pipe_code()
    return rv if isinstance(rv, int) else 0


def _usage_error(exc) -> int:
    if "--json" in sys.argv[1:]:
        emit_json({"error": {"message": exc.format_message(), "hint": "see --help"}})
    exc.show()
    return 2

