"""export and import: the library as JSON Lines, to back it up or move it to another library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import UsageError
from .app import app, assistant
from .options import JsonOpt, WaitOpt
from .output import emit_json, err, guarded, progress_bar


@app.command()
def export(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(None, "-o", "--output", metavar="FILE", help="Write to FILE (whole, or not at all) instead of stdout."),
    as_json: bool = JsonOpt,
):
    """Write the library as JSON Lines: every article with every revision, its sentences and ids, and the feeds (for import)."""

    def body():
        if as_json and output is None:
            raise UsageError("--json needs -o FILE (without it the export itself goes to stdout)", "e.g. assistant export -o library.jsonl --json")
        a = assistant(ctx)
        result = a.export(output) if output is not None else a.export(stream=sys.stdout)
        if as_json:
            emit_json(result.to_dict())
            return
        line = f"exported {result.articles} article(s), {result.revisions} revision(s), {result.feeds} feed(s)"
        if output is not None:
            print(f"{line} -> {output}")
        else:
            err(line)

    guarded(as_json, body)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="A file written by assistant export."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
):
    """Rebuild the articles of an export with the same ids, revisions and sentence ids, then embed and regroup them. Articles the library has already are kept as they are."""

    def body():
        a = assistant(ctx)
        with progress_bar(as_json, "importing") as tick:
            result = a.import_(file, wait=wait, progress=tick)
        if as_json:
            emit_json(result.to_dict())
            return
        for s in result.skipped:
            err(f"skipped {s['article_id']}: {s['reason']}")
        if result.recovered:
            err(f"completed {result.recovered} revision(s) left by an interrupted run")
        print(f"imported {result.imported} article(s), {result.revisions} revision(s), {result.feeds} feed(s); "
              f"{len(result.skipped)} skipped ({result.chunks} chunks embedded in {result.seconds:.1f} s)")

    guarded(as_json, body)
