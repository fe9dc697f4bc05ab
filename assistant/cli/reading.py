"""sources, show and search: what the library holds, one article with its sentence ids, passages for a query."""

from __future__ import annotations

import shutil
import sys

from typing import List, Optional

import typer

from .app import app, assistant
from .options import OUTLET_RULE, JsonOpt, Scope, scoped
from .output import emit_json, guarded


@app.command()
def sources(
    ctx: typer.Context,
    source: Optional[str] = typer.Option(None, "--source", metavar="NAME", help="Only this outlet: " + OUTLET_RULE + "."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only articles published on or after this date (same forms as search --since)."),
    sort: str = typer.Option("date", "--sort", help="date (newest first, undated last), title or outlet."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="List at most this many articles."),
    as_json: bool = JsonOpt,
):
    """List the articles in the library (latest revisions); on a terminal cut to its width."""
    def body():
        arts = assistant(ctx).sources(source, since=since, sort=sort)
        total = arts.total
        shown = arts[:limit] if limit else arts
        if as_json:
            emit_json({"articles": [a.to_dict() for a in shown]})
            return
        if not total:
            print("The library is empty. Add articles with: assistant ingest PATH  (or: assistant ingest --seeds)")
            return
        _print_sources_table(shown, arts.story_sizes)
        more = f" of {len(arts)} (--limit {limit})" if len(shown) < len(arts) else ""
        print(f"{len(shown)} article(s){more}" + (f"; {total - len(arts)} before --since {since} or undated" if since and total > len(arts) else ""))

    guarded(as_json, body)


def _print_sources_table(arts: list, sizes: dict) -> None:
    """One line per article: cut to the terminal's width; on a pipe whole (a script reads every field)."""
    from ..render import day, table

    rows = []
    for a in arts:
        story = f"{a.story} ({sizes[a.story]})" if a.story and sizes.get(a.story, 0) > 1 else "-"
        if a.copies:
            story += f" copies: {', '.join(a.copies)}"
        rows.append([a.article_id, day(a.published), a.source or "-", a.title or "(untitled)", str(a.revision),
                     str(a.sentence_count), str(a.chunk_count), story])
    width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else None
    # too wide: cut the story note, the outlet, the title; still too wide: drop the counts (show and --json have them)
    for line in table(["id", "date", "outlet", "title", "rev", "sents", "chunks", "story"], rows, width, shrink=(7, 2, 3),
                      mins={7: 16, 2: 18, 3: 30}, optional=(4, 5, 6)):
        print(line)


@app.command()
def show(
    ctx: typer.Context,
    article: str = typer.Argument(..., help="Article id (or a unique prefix, or ID@REVISION, or a sentence id)."),
    revision: Optional[int] = typer.Option(None, "--revision", "-r", help="Show this revision instead of the latest."),
    as_json: bool = JsonOpt,
):
    """Show an article with its sentence ids."""

    def body():
        doc = assistant(ctx).show(article, revision)
        if as_json:
            emit_json(doc.to_dict())
            return
        print(doc.title or "(untitled)")
        meta = " · ".join(x for x in (doc.source, doc.published or "undated", doc.author, doc.url) if x)
        print(meta)
        revs = doc.revisions
        print(f"article {doc.article_id}, revision {doc.revision} of {len(revs)}" + (f" (revisions: {', '.join(str(r.revision) + ' ' + r.revised_at for r in revs)})" if len(revs) > 1 else ""))
        for h in doc.highlights:
            print(f"  • {h}")
        print()
        for s in doc.sentences:
            print(f"[{s.id}] {s.text}")

    guarded(as_json, body)


@app.command()
@scoped
def search(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", help="Number of passages."),
    mode: str = typer.Option("hybrid", "--mode", help="dense, lexical or hybrid."),
    scope: Scope = None,
    per_article: int = typer.Option(2, "--per-article", help="At most this many passages from one article."),
    as_json: bool = JsonOpt,
):
    """Find the passages that match a query: title, date, outlet, score and sentences with their ids."""

    def body():
        passages = assistant(ctx).search(query, k=k, mode=mode, per_article=per_article, **scope.kwargs())
        if as_json:
            emit_json(passages.to_dict())
            return
        if not passages:
            print("No passages matched." + (" (Date filters exclude undated articles; add --include-undated to keep them.)" if scope.dated and not scope.include_undated else ""))
            return
        from ..retrieve.grouping import by_article

        # one heading per article (its best score), every passage from it underneath
        for i, group in enumerate(by_article(passages), 1):
            p = group[0]
            outlets = ", ".join([p.source] + [s for g in group for s in g.copy_sources if s != p.source]) or "unknown outlet"
            print(f"{i}. {p.title or '(untitled)'} — {outlets}, {p.published or 'undated'}  [score {p.score:.3f}]")
            for j, passage in enumerate(group):
                if j:
                    print("   …")
                for s in passage.sentences:
                    print(f"   [{s.id}] {s.text}")
            print()

    guarded(as_json, body)
