"""forget, reindex and check: remove articles, rebuild chunks and vectors, verify the library."""

from __future__ import annotations

import sys

from typing import List, Optional

import typer

from ..errors import UsageError
from ..render import day
from .app import app, assistant
from .options import DATE_FORMS, OUTLET_RULE, JsonOpt, WaitOpt
from .output import emit_json, err, guarded, progress_bar

@app.command()
def forget(
    ctx: typer.Context,
    articles: List[str] = typer.Argument(None, help="Article ids to forget."),
    before: Optional[str] = typer.Option(None, "--before", metavar="DATE", help="Forget articles published before this date: " + DATE_FORMS + "."),
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Forget every article from this outlet: " + OUTLET_RULE + "."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be forgotten; forget nothing."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask before a bulk delete (--before, --source); needed off a terminal."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
):
    """Remove articles (all their revisions, sentences, chunks and vectors). --before and --source ask first."""

    def body():
        a = assistant(ctx)
        refs = list(articles or [])
        bulk = bool(before or source)
        only = None
        if dry_run or (bulk and not yes):
            planned = a.forget(refs, before=before, source=source, dry_run=True)
            plan = planned.planned
            if dry_run:
                if as_json:
                    emit_json(planned.to_dict())
                else:
                    for p in plan:
                        print(f"{p['article_id']}  {day(p['published'])}  {p['source'] or '-'}  {p['title'] or '(untitled)'}")
                    print(f"would forget {len(plan)} article(s) (dry run: nothing was forgotten)")
                return
            if plan and not _confirm_bulk(plan, as_json):
                err("nothing forgotten")
                raise typer.Exit(1)
            only = [p["article_id"] for p in plan]
        with progress_bar(as_json, "forgetting") as tick:  # a run interrupted earlier is completed first, with progress
            result = a.forget(refs, before=before, source=source, wait=wait, only=only, progress=tick)
        ids = result.forgotten
        if as_json:
            emit_json(result.to_dict())
        else:
            print(f"forgot {len(ids)} article(s)" + (": " + ", ".join(ids) if ids and len(ids) <= 10 else ""))

    guarded(as_json, body)


def _confirm_bulk(plan: list, as_json: bool) -> bool:
    """Ask on a terminal; off one (a script, a pipe, --json) a bulk delete needs --yes."""
    if as_json or not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise UsageError(f"this would forget {len(plan)} article(s); add --yes to confirm",
                         "list them first with --dry-run")
    for p in plan[:10]:
        err(f"  {p['article_id']}  {day(p['published'])}  {p['source'] or '-'}  {p['title'] or '(untitled)'}")
    if len(plan) > 10:
        err(f"  ... and {len(plan) - 10} more")
    return typer.confirm(f"Forget these {len(plan)} article(s)?", default=False, err=True)


@app.command()
def reindex(ctx: typer.Context, wait: Optional[float] = WaitOpt, as_json: bool = JsonOpt):
    """Rebuild chunks and vectors from the library (new embedder or chunk settings, lost Chroma data)."""

    def body():
        a = assistant(ctx)
        with progress_bar(as_json, "reindexing") as tick:
            result = a.reindex(wait=wait, progress=tick)
        if as_json:
            emit_json(result.to_dict())
        else:
            print(f"reindexed {result.revisions} revision(s), {result.chunks} chunks in {result.seconds} s")

    guarded(as_json, body)


@app.command()
def check(
    ctx: typer.Context,
    discard_pending: bool = typer.Option(False, "--discard-pending", help="Drop the revisions an interrupted ingest left unfinished instead of completing them."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
):
    """Verify that the library and the vector index agree, and say how to fix what does not."""

    def body():
        result = assistant(ctx).check(discard_pending=discard_pending, wait=wait)
        if as_json:
            emit_json(result.to_dict())
        else:
            if result.discarded is not None:
                print(f"dropped {result.discarded} unfinished revision(s)")
            c = result.counts
            print(f"{c['articles']} articles, {c['revisions']} revisions, {c['sentences']} sentences, {c['chunks']} chunks, {result.vectors if result.vectors is not None else 0} vectors")
            for p in result.problems:
                print(f"problem: {p.problem}\n  fix: {p.fix}")
            for n in result.notes:
                print(f"note: {n}")
            print("ok" if result.ok else "NOT ok")
        if not result.ok:
            raise typer.Exit(1)

    guarded(as_json, body)
