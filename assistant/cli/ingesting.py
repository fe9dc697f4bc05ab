"""ingest and update: add articles (files, folders, URLs, feeds) and fetch remembered feeds again."""

from __future__ import annotations

from typing import List, Optional

import typer

from ..errors import UsageError
from .app import app, assistant
from .options import JsonOpt, WaitOpt
from .output import emit_json, err, guarded, progress_bar


@app.command()
def ingest(
    ctx: typer.Context,
    paths: List[str] = typer.Argument(None, help="Files, folders (recursive), globs, - for stdin, or http(s) URLs of pages and RSS/Atom feeds."),
    seeds: bool = typer.Option(False, "--seeds", help="Ingest the bundled sample articles."),
    field: List[str] = typer.Option(None, "--field", metavar="NAME=KEY", help="JSON field mapping NAME=KEY, e.g. --field text=story (names: title, text, date, updated, url, source, author, id)."),
    max_file_mb: float = typer.Option(100, "--max-file-mb", metavar="MB", help="Refuse files larger than this."),
    max_entries: int = typer.Option(200, "--max-entries", min=1, help="Take at most this many entries from each feed (the rest are reported as skipped)."),
    large_articles: str = typer.Option("warn", "--large-articles", metavar="warn|split|skip",
                                       help="An article over 1 MB of text (news is under 0.1 MB): ingest it whole with a warning, split it into parts, or skip it."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
    verbose: bool = typer.Option(False, "-v", "--verbose", help="List every input and what happened to it."),
):
    """Add articles to the library: split into sentences, chunk, embed. Re-ingesting is safe. A feed URL is remembered for `update`."""

    def body():
        from ..ingest.loaders import FIELD_ALIASES
        from ..resources import seeds_dir

        field_map = {}
        for spec in field or []:
            name, sep, key = spec.partition("=")
            if not sep or name not in FIELD_ALIASES or not key:
                raise UsageError(f"bad --field {spec!r}", "use NAME=KEY with NAME one of " + ", ".join(FIELD_ALIASES))
            field_map[name] = key
        a = assistant(ctx)
        with progress_bar(as_json, "ingesting") as tick:
            result = a.ingest(list(paths or []), seeds=seeds, fields=field_map, max_bytes=int(max_file_mb * 1024 * 1024), max_entries=max_entries,
                              large_articles=large_articles, wait=wait, progress=tick)
        if seeds:  # the bundled SOURCES.md is skipped by design: no line about our own file
            bundled = str(seeds_dir())
            result.outcomes = [o for o in result.outcomes if not (o.action == "skipped" and str(o.origin).startswith(bundled))]
            result.skipped = sum(o.action == "skipped" for o in result.outcomes)
        _report_ingest(result, as_json, verbose)

    guarded(as_json, body)


def _report_ingest(report, as_json: bool, verbose: bool) -> None:
    """Print an ingest/update result (one JSON document, or lines); exit 1 when an input failed."""
    feeds = report.feeds
    if as_json:
        emit_json(report.to_dict())
    else:
        for o in report.outcomes:
            if o.action == "failed":
                err(f"error: {o.message}" + (f"\n  hint: {o.hint}" if o.hint else ""))
            elif o.action == "skipped":
                err(f"skipped {o.origin}: {o.message}")
            elif o.action == "warning":
                err(f"warning: {o.message}")
            elif verbose:
                err(f"{o.action:9} {o.article_id}@{o.revision}  {o.origin}")
        for f in feeds:
            err(f"feed {f['url']}: {f['status']}, {f['entries']} entries ({f['already_seen']} already seen, {f['pages_fetched']} pages fetched"
                + (f", {f['summaries']} from the feed's summary" if f.get("summaries") else "")
                + (f", {f['pages_rechecked']} recent pages re-checked" if f.get("pages_rechecked") else "")
                + (f", {f['over_max_entries']} over --max-entries" if f["over_max_entries"] else "") + ")")
        if report.recovered:
            err(f"completed {report.recovered} revision(s) left by an interrupted run")
        if verbose:
            for line in report.retried:
                err(f"retried {line}")
        print(
            f"{report.added} added, {report.revised} revised, {report.unchanged} unchanged, "
            f"{report.failed} failed ({report.chunks_embedded} chunks embedded in {report.seconds:.1f} s) -> {report.data_dir}"
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def update(
    ctx: typer.Context,
    max_entries: int = typer.Option(200, "--max-entries", min=1, help="Take at most this many entries from each feed."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
    verbose: bool = typer.Option(False, "-v", "--verbose", help="List every entry and what happened to it."),
):
    """Fetch every remembered feed again and ingest new or changed entries (changed ones become revisions)."""

    def body():
        a = assistant(ctx)
        with progress_bar(as_json, "updating") as tick:
            result = a.update(max_entries=max_entries, wait=wait, progress=tick)
        _report_ingest(result, as_json, verbose)

    guarded(as_json, body)
