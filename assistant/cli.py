"""The command line: the only place that prints or chooses exit codes.

Exit codes: 0 success, 1 error, 2 usage, 3 refused for lack of evidence / nothing to brief.
Under --json every command prints exactly one JSON document on stdout, an
{"error": {"message", "hint"}} document when it fails. Heavy libraries (chromadb,
onnxruntime, openai) are imported inside commands, never at start-up.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import AssistantError, UsageError

app = typer.Typer(
    name="assistant",
    help="A news assistant: ingest articles, then search, ask and brief with sentence-level citations.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Show or change settings (stored in <data dir>/config.toml; keys are never stored).", no_args_is_help=True)
app.add_typer(config_app, name="config")


class State:
    data_dir: Optional[Path] = None
    chroma_url: Optional[str] = None
    embedder: Optional[str] = None


state = State()

JsonOpt = typer.Option(False, "--json", help="Print one JSON document on stdout.")
WaitOpt = typer.Option(None, "--wait", help="Seconds to wait for another writer's lock (default: lock_timeout setting).")


def settings():
    from .settings import Settings

    return Settings.load(state.data_dir, chroma_url=state.chroma_url, embedder=state.embedder)


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
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:  # a bug: one line, the traceback only on request
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        from .util import redact

        fail(AssistantError(redact(f"internal error: {exc.__class__.__name__}: {exc}"), "rerun with ASSISTANT_DEBUG=1 for a traceback, and report it"), as_json)


def progress_bar(as_json: bool, label: str):
    """A rich progress bar on a terminal (stderr), else a no-op callback."""
    from contextlib import nullcontext

    if as_json or not sys.stderr.isatty() or os.environ.get("NO_COLOR") is not None and False:
        return nullcontext(lambda n: None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    class _Bar:
        def __enter__(self):
            self.p = Progress(SpinnerColumn(), TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True, console=_stderr_console())
            self.p.__enter__()
            self.task = self.p.add_task(label, total=None)
            return lambda n: self.p.advance(self.task, n)

        def __exit__(self, *a):
            self.p.__exit__(*a)

    return _Bar()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True, no_color=os.environ.get("NO_COLOR") is not None)


def _stdout_console():
    from rich.console import Console

    return Console(no_color=os.environ.get("NO_COLOR") is not None, highlight=False, soft_wrap=not sys.stdout.isatty())


@app.callback()
def _main(
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Library directory (default: ASSISTANT_HOME or the per-user data dir)."),
    chroma_url: Optional[str] = typer.Option(None, "--chroma-url", help="Use a Chroma server (e.g. http://127.0.0.1:8000) instead of the embedded store. Env: ASSISTANT_CHROMA_URL."),
    embedder: Optional[str] = typer.Option(None, "--embedder", help="local (default), openai or hash. Env: ASSISTANT_EMBEDDER."),
):
    state.data_dir, state.chroma_url, state.embedder = data_dir, chroma_url, embedder


# --------------------------------------------------------------------------- ingest
@app.command()
def ingest(
    paths: List[str] = typer.Argument(None, help="Files, folders (recursive), globs, - for stdin, or http(s) URLs of pages and RSS/Atom feeds."),
    seeds: bool = typer.Option(False, "--seeds", help="Ingest the bundled sample articles."),
    field: List[str] = typer.Option(None, "--field", help="JSON field mapping NAME=KEY, e.g. --field text=story (names: title, text, date, updated, url, source, author, id)."),
    max_file_mb: float = typer.Option(100, "--max-file-mb", help="Refuse files larger than this."),
    max_entries: int = typer.Option(200, "--max-entries", min=1, help="Take at most this many entries from each feed (the rest are reported as skipped)."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
    verbose: bool = typer.Option(False, "-v", "--verbose", help="List every input and what happened to it."),
):
    """Add articles to the library: split into sentences, chunk, embed. Re-ingesting is safe. A feed URL is remembered for `update`."""

    def body():
        from . import service
        from .ingest.loaders import FIELD_ALIASES
        from .resources import seeds_dir

        targets = list(paths or [])
        if seeds:
            targets.append(str(seeds_dir()))
        field_map = {}
        for spec in field or []:
            name, sep, key = spec.partition("=")
            if not sep or name not in FIELD_ALIASES or not key:
                raise UsageError(f"bad --field {spec!r}", "use NAME=KEY with NAME one of " + ", ".join(FIELD_ALIASES))
            field_map[name] = key
        cfg = settings()
        with progress_bar(as_json, "ingesting") as tick:
            report = service.ingest(cfg, targets, field_map, int(max_file_mb * 1024 * 1024), tick, wait, max_entries=max_entries)
        _report_ingest(report, cfg, as_json, verbose)

    guarded(as_json, body)


def _report_ingest(report, cfg, as_json: bool, verbose: bool) -> None:
    """Print an ingest/update report (one JSON document, or lines); exit 1 when an input failed."""
    summary = {k: report.count(k) for k in ("added", "revised", "unchanged", "failed", "skipped")}
    feeds = getattr(report, "feeds", None) or []
    if as_json:
        emit_json({**summary, "warnings": report.count("warning"), "recovered": report.recovered, "chunks_embedded": report.chunks_embedded,
                   "seconds": round(report.seconds, 2), "data_dir": str(cfg.home), "feeds": feeds, "outcomes": [o.to_dict() for o in report.outcomes]})
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
                + (f", {f['over_max_entries']} over --max-entries" if f["over_max_entries"] else "") + ")")
        if report.recovered:
            err(f"completed {report.recovered} revision(s) left by an interrupted run")
        print(
            f"{summary['added']} added, {summary['revised']} revised, {summary['unchanged']} unchanged, "
            f"{summary['failed']} failed ({report.chunks_embedded} chunks embedded in {report.seconds:.1f} s) -> {cfg.home}"
        )
    if summary["failed"]:
        raise typer.Exit(1)


@app.command()
def update(
    max_entries: int = typer.Option(200, "--max-entries", min=1, help="Take at most this many entries from each feed."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
    verbose: bool = typer.Option(False, "-v", "--verbose", help="List every entry and what happened to it."),
):
    """Fetch every remembered feed again and ingest new or changed entries (changed ones become revisions)."""

    def body():
        from . import service

        cfg = settings()
        with progress_bar(as_json, "updating") as tick:
            report = service.update(cfg, max_entries, tick, wait)
        _report_ingest(report, cfg, as_json, verbose)

    guarded(as_json, body)


# --------------------------------------------------------------------------- sources / show
@app.command()
def sources(
    source: Optional[str] = typer.Option(None, "--source", help="Only articles whose outlet contains this."),
    as_json: bool = JsonOpt,
):
    """List the articles in the library (latest revisions)."""

    def body():
        from . import service

        arts = service.sources(settings(), source)
        if as_json:
            emit_json({"articles": [{k: a[k] for k in ("article_id", "title", "source", "url", "published", "date_precision", "author", "revision", "sentence_count", "chunk_count", "copies", "story")} for a in arts]})
            return
        if not arts:
            print("The library is empty. Add articles with: assistant ingest PATH  (or: assistant ingest --seeds)")
            return
        from rich.table import Table

        table = Table(show_edge=False, pad_edge=False, box=None)
        sizes: dict = {}
        for a in arts:
            sizes[a["story"]] = sizes.get(a["story"], 0) + 1
        for col in ("id", "date", "outlet", "title", "rev", "sents", "chunks", "story"):
            table.add_column(col, overflow="fold", no_wrap=col in ("id", "date"))
        for a in arts:
            story = f"{a['story']} ({sizes[a['story']]})" if a["story"] and sizes.get(a["story"], 0) > 1 else "-"
            if a["copies"]:
                story += f" copies: {', '.join(a['copies'])}"
            table.add_row(a["article_id"], a["published"] or "undated", a["source"] or "-", a["title"] or "(untitled)", str(a["revision"]), str(a["sentence_count"]), str(a["chunk_count"]), story)
        _stdout_console().print(table)
        print(f"{len(arts)} article(s)")

    guarded(as_json, body)


@app.command()
def show(
    article: str = typer.Argument(..., help="Article id (or a unique prefix, or ID@REVISION, or a sentence id)."),
    revision: Optional[int] = typer.Option(None, "--revision", "-r", help="Show this revision instead of the latest."),
    as_json: bool = JsonOpt,
):
    """Show an article with its sentence ids."""

    def body():
        from . import service

        doc = service.show(settings(), article, revision)
        if as_json:
            emit_json({k: v for k, v in doc.items() if k != "text"})
            return
        print(doc["title"] or "(untitled)")
        meta = " · ".join(x for x in (doc["source"], doc["published"] or "undated", doc["author"], doc["url"]) if x)
        print(meta)
        revs = doc["revisions"]
        print(f"article {doc['article_id']}, revision {doc['revision']} of {len(revs)}" + (f" (revisions: {', '.join(str(r['revision']) + ' ' + r['revised_at'] for r in revs)})" if len(revs) > 1 else ""))
        for h in doc["highlights"]:
            print(f"  • {h}")
        print()
        for s in doc["sentences"]:
            print(f"[{s['id']}] {s['text']}")

    guarded(as_json, body)


# --------------------------------------------------------------------------- search
SinceOpt = typer.Option(None, "--since", help="Published on or after: YYYY-MM-DD or relative (7d, 2w, 3m, 1y).")
UntilOpt = typer.Option(None, "--until", help="Published on or before this date.")
AsOfOpt = typer.Option(None, "--as-of", help="Only what was published (and the revisions dated) up to this day.")
SourceOpt = typer.Option(None, "--source", help="Only this outlet (substring; repeatable).")
ArticleOpt = typer.Option(None, "--article", help="Only this article id (repeatable).")
UndatedOpt = typer.Option(False, "--include-undated", help="Keep undated articles when a date filter is given.")


@app.command()
def search(
    query: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", help="Number of passages."),
    mode: str = typer.Option("hybrid", "--mode", help="dense, lexical or hybrid."),
    since: Optional[str] = SinceOpt,
    until: Optional[str] = UntilOpt,
    as_of: Optional[str] = AsOfOpt,
    source: List[str] = SourceOpt,
    article: List[str] = ArticleOpt,
    include_undated: bool = UndatedOpt,
    per_article: int = typer.Option(2, "--per-article", help="At most this many passages from one article."),
    as_json: bool = JsonOpt,
):
    """Find the passages that match a query: title, date, outlet, score and sentences with their ids."""

    def body():
        from .api import Assistant

        with Assistant(settings=settings()) as a:
            passages = a.search(query, k=k, mode=mode, since=since, until=until, as_of=as_of, source=source or None,
                                article=article or None, include_undated=include_undated, per_article=per_article)
        if as_json:
            emit_json({"query": query, "mode": mode, "results": [p.to_dict() for p in passages]})
            return
        if not passages:
            print("No passages matched." + (" (Date filters exclude undated articles; add --include-undated to keep them.)" if (since or until or as_of) and not include_undated else ""))
            return
        for i, p in enumerate(passages, 1):
            outlets = ", ".join([p.source] + [s for s in p.copy_sources if s != p.source]) or "unknown outlet"
            print(f"{i}. {p.title or '(untitled)'} — {outlets}, {p.published or 'undated'}  [score {p.score:.3f}]")
            for s in p.sentences:
                print(f"   [{s.id}] {s.text}")
            print()

    guarded(as_json, body)


# --------------------------------------------------------------------------- ask
EXIT_REFUSED = 3


def _settings_with(model=None, base_url=None):
    from dataclasses import replace

    cfg = settings()
    if model:
        cfg = replace(cfg, model=model)
    if base_url:
        cfg = replace(cfg, base_url=base_url)
    return cfg


from .render import render_sentence, render_sources  # noqa: E402,F401  (shared with chat)


@app.command()
def ask(
    question: Optional[str] = typer.Argument(None, help="The question (or --batch FILE)."),
    batch: Optional[str] = typer.Option(None, "--batch", help="Answer one question per line of FILE (- for stdin); print JSON Lines in order."),
    engine: Optional[str] = typer.Option(None, "--engine", help="llm or extractive (default: llm when a model is configured)."),
    model: Optional[str] = typer.Option(None, "--model", help="Chat model for the llm engine. Env: ASSISTANT_MODEL."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible server, e.g. http://localhost:11434/v1."),
    k: Optional[int] = typer.Option(None, "-k", help="Passages to retrieve (default 8; 4 for a model on this machine)."),
    strict: bool = typer.Option(False, "--strict", help="Remove sentences the sources do not support."),
    show_context: bool = typer.Option(False, "--show-context", help="Print the retrieved passages and the exact prompt; do not call the model."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Also log the context and prompt to stderr."),
    since: Optional[str] = SinceOpt,
    until: Optional[str] = UntilOpt,
    as_of: Optional[str] = AsOfOpt,
    source: List[str] = SourceOpt,
    article: List[str] = ArticleOpt,
    include_undated: bool = UndatedOpt,
    as_json: bool = JsonOpt,
):
    """Answer from the library only; every sentence cites the source sentences that support it (exit 3: refused)."""

    if batch is not None:
        return _ask_batch(batch, question, engine, model, base_url, k, strict, show_context, since, until, as_of, source, article, include_undated)
    if question is None:
        fail(UsageError("give a question, or --batch FILE", 'e.g. assistant ask "Who is the governor of Puerto Rico?"'), as_json)

    def body():
        from .api import Assistant

        with Assistant(settings=_settings_with(model, base_url)) as a:
            f = a.filters(since, until, as_of, source or None, article or None, include_undated)
            progress = Progress()
            a.on_progress = progress
            ans = a.answerer()
            if show_context:
                plan = ans.plan(question, f, k)
                if as_json:
                    emit_json({"question": question, "passages": [p.to_dict() for p in plan.passages], "messages": plan.messages})
                else:
                    for m in plan.messages:
                        print(f"----- {m['role']} -----\n{m['content']}")
                return
            streamed = []

            def on_sentence(sent, citations):
                streamed.append(sent)
                print(render_sentence(sent, citations), flush=True)

            stream_ok = not as_json and not strict

            def on_sentence_shown(sent, citations):
                progress.clear()
                on_sentence(sent, citations)

            try:
                result = ans.ask(question, f, engine=engine, k=k, strict=strict, on_sentence=on_sentence_shown if stream_ok else None)
            finally:
                progress.clear()
        if verbose:
            for m in result.prompt:
                err(f"----- {m['role']} -----\n{m['content']}")
            if result.raw_reply:
                err(f"----- model reply (raw) -----\n{result.raw_reply}")
        if as_json:
            emit_json(result.to_dict())
        else:
            if result.refused:
                print(result.answer)
            else:
                if not streamed:
                    for sent in result.sentences:
                        print(render_sentence(sent, result.citations))
                print("\nSources:\n" + render_sources(result.citations))
            who = f"{result.engine} engine" + (f", model {result.model}" if result.model else "")
            err(f"({who}" + "".join(f"; {n}" for n in result.notes if not n.startswith("refused:")) + ")")
        if result.refused:
            raise typer.Exit(EXIT_REFUSED)

    guarded(as_json, body)


class Progress:
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


def _ask_batch(batch, question, engine, model, base_url, k, strict, show_context, since, until, as_of, source, article, include_undated):
    """ask --batch: JSON Lines on stdout, one summary line on stderr; exit 1 if any failed, else 3 if any refused."""
    if question is not None or show_context:
        fail(UsageError("--batch takes no question argument and no --show-context", "put the questions in the file, one per line"), True)

    def body():
        from . import batch as batchmod
        from .api import Assistant

        lines = batchmod.read_lines(batch)

        def emit(doc):
            sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
            sys.stdout.flush()

        with Assistant(settings=_settings_with(model, base_url)) as a:
            f = a.filters(since, until, as_of, source or None, article or None, include_undated)
            ans = a.answerer()
            counts = batchmod.run(lines, lambda q: ans.ask(q, f, engine=engine, k=k, strict=strict), emit)
        err(f"{len(lines)} question(s): {counts['answered']} answered, {counts['refused']} refused, {counts['failed']} failed")
        if counts["exit_code"]:
            raise typer.Exit(counts["exit_code"])

    guarded(True, body)


# --------------------------------------------------------------------------- brief
def render_markdown(result, topic: Optional[str]) -> str:
    """Points with footnote-style citations listing title, outlet, date and URL."""
    nums = {c.id: c.n for c in result.citations}
    title = f"# Briefing: {topic}" if topic else "# Briefing"
    scope = f"as of {result.as_of}" if result.as_of else "from the library"
    lines = [title, "", f"_{len(result.sentences)} points {scope}; {result.engine} engine" + (f", model {result.model}" if result.model else "") + "_", ""]
    for sent in result.sentences:
        marks = "".join(f"[^{nums[c]}]" for c in sent.citations if c in nums)
        flag = " _(not supported by the sources)_" if not sent.supported else ""
        lines.append(f"- {sent.text}{marks}{flag}")
    lines.append("")
    for c in result.citations:
        link = f" <{c.url}>" if c.url else ""
        lines.append(f"[^{c.n}]: “{c.text}” — *{c.title or 'untitled'}*, {c.source or 'unknown outlet'}, {c.published or 'undated'}.{link} (`{c.id}`)")
    return "\n".join(lines) + "\n"


@app.command()
def brief(
    topic: Optional[str] = typer.Argument(None, help="What to brief on (default: everything in scope)."),
    length: Optional[int] = typer.Option(None, "--length", help="Number of sentences (default 8: one point per story, then earlier reports that differ)."),
    fmt: str = typer.Option("text", "--format", help="text, markdown or json."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the briefing to this file (atomically)."),
    engine: Optional[str] = typer.Option(None, "--engine", help="llm or extractive (default: llm when a model is configured)."),
    model: Optional[str] = typer.Option(None, "--model", help="Chat model for the llm engine."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible server URL."),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Cap the tokens spent (prompt + completion, estimated with tiktoken)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan and the token estimate; call no model."),
    since: Optional[str] = SinceOpt,
    until: Optional[str] = UntilOpt,
    as_of: Optional[str] = AsOfOpt,
    source: List[str] = SourceOpt,
    article: List[str] = ArticleOpt,
    include_undated: bool = UndatedOpt,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
):
    """A briefing of the library's news (or a topic) in which every sentence cites its sources (exit 3: nothing to brief)."""
    fmt_ = "json" if as_json else fmt
    if fmt_ not in ("text", "markdown", "json"):
        fail(UsageError(f"unknown format {fmt_!r}", "use text, markdown or json"), as_json)

    def body():
        from .api import Assistant
        from .util import atomic_write_text

        streamed = []
        stream_ok = fmt_ == "text" and output is None and not dry_run

        progress = Progress()

        def on_sentence(sent, citations):
            progress.clear()
            streamed.append(sent)
            print(render_sentence(sent, citations), flush=True)

        with Assistant(settings=_settings_with(model, base_url)) as a:
            a.on_progress = progress
            try:
                result = a.brief(topic, length=length, engine=engine, since=since, until=until, as_of=as_of, source=source or None,
                                 article=article or None, include_undated=include_undated, max_tokens=max_tokens, dry_run=dry_run,
                                 on_sentence=on_sentence if stream_ok else None)
            finally:
                progress.clear()
        if dry_run:
            doc = {"topic": topic, "engine": result.engine, "model": result.model, "estimate": result.usage.get("estimate"), "notes": result.notes}
            if fmt_ == "json":
                emit_json(doc)
            else:
                for n in result.notes:
                    print(n)
            return
        if fmt_ == "json":
            text = json.dumps(result.to_dict(topic=True), ensure_ascii=False, indent=2) + "\n"
        elif fmt_ == "markdown":
            text = render_markdown(result, topic)
        else:
            text = "\n".join(render_sentence(s, result.citations) for s in result.sentences) + "\n\nSources:\n" + render_sources(result.citations) + "\n"
        if output:
            atomic_write_text(output, text)
            err(f"wrote {output}")
        elif fmt_ == "markdown" and sys.stdout.isatty():
            from rich.markdown import Markdown

            _stdout_console().print(Markdown(text))
        elif stream_ok:
            print("\nSources:\n" + render_sources(result.citations))
        else:
            sys.stdout.write(text)
        who = f"{result.engine} engine" + (f", model {result.model}" if result.model else "")
        err(f"({who}" + "".join(f"; {n}" for n in result.notes) + ")")

    guarded(as_json or fmt_ == "json", body)


# --------------------------------------------------------------------------- chat
@app.command()
def chat(
    session_id: Optional[str] = typer.Argument(None, help="A saved session to resume (with --resume; default: the latest)."),
    resume: bool = typer.Option(False, "--resume", help="Resume a saved session: the one named, else the latest."),
    engine: Optional[str] = typer.Option(None, "--engine", help="llm or extractive (default: llm when a model is configured)."),
    model: Optional[str] = typer.Option(None, "--model", help="Chat model for the llm engine. Env: ASSISTANT_MODEL."),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="OpenAI-compatible server, e.g. http://localhost:11434/v1."),
    k: Optional[int] = typer.Option(None, "-k", help="Passages to retrieve per question (default 8; 4 for a model on this machine)."),
    history_tokens: Optional[int] = typer.Option(None, "--history-tokens", min=100, help="Token budget of the conversation kept for follow-ups (default 1500)."),
):
    """An interactive session: questions, follow-ups, /commands (/help). Ctrl-C cancels an answer, Ctrl-D leaves."""

    def body():
        from .api import Assistant
        from .chat.repl import run

        with Assistant(settings=_settings_with(model, base_url)) as a:
            rid = (session_id or "latest") if (resume or session_id) else None
            return run(a, engine=engine, resume=rid, k=k, budget=history_tokens)

    code = guarded(False, body)
    if code:
        raise typer.Exit(code)


# --------------------------------------------------------------------------- eval
eval_app = typer.Typer(help="Evaluations on public data (see docs/).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: str = typer.Option("seeds", "--dataset", help="realtimeqa (needs --data) or seeds (built in)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Dataset directory, e.g. ../shared/data/realtimeqa."),
    work_dir: Path = typer.Option(Path(".eval-work"), "--work-dir", help="Where the ingested corpora are kept between runs."),
    eval_embedder: str = typer.Option("local", "--eval-embedder", help="Embedder for the eval corpus."),
    chunk_tokens: int = typer.Option(256, "--chunk-tokens", help="Chunk budget in word pieces."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the full result as JSON here."),
    as_json: bool = JsonOpt,
):
    """Article-level recall@1/5/10 and MRR@10 for dense, lexical and hybrid retrieval, with 95% intervals."""

    def body():
        from .evaluation import retrieval

        result = retrieval.run(dataset, data, work_dir, eval_embedder, chunk_tokens, log=err)
        if out:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(result, indent=2))
        if as_json:
            emit_json(result)
        else:
            print(retrieval.format_table(result))

    guarded(as_json, body)


# --------------------------------------------------------------------------- forget / reindex / check
@app.command()
def forget(
    articles: List[str] = typer.Argument(None, help="Article ids to forget."),
    before: Optional[str] = typer.Option(None, "--before", help="Forget articles published before this date."),
    source: Optional[str] = typer.Option(None, "--source", help="Forget every article from this outlet."),
    wait: Optional[float] = WaitOpt,
    as_json: bool = JsonOpt,
):
    """Remove articles (all their revisions, sentences, chunks and vectors)."""

    def body():
        from . import service

        ids = service.forget(settings(), list(articles or []), before, source, wait)
        if as_json:
            emit_json({"forgotten": ids})
        else:
            print(f"forgot {len(ids)} article(s)" + (": " + ", ".join(ids) if ids and len(ids) <= 10 else ""))

    guarded(as_json, body)


@app.command()
def reindex(wait: Optional[float] = WaitOpt, as_json: bool = JsonOpt):
    """Rebuild chunks and vectors from the library (new embedder or chunk settings, lost Chroma data)."""

    def body():
        from . import service

        with progress_bar(as_json, "reindexing") as tick:
            result = service.reindex(settings(), tick, wait)
        if as_json:
            emit_json(result)
        else:
            print(f"reindexed {result['revisions']} revision(s), {result['chunks']} chunks in {result['seconds']} s")

    guarded(as_json, body)


@app.command()
def check(as_json: bool = JsonOpt):
    """Verify that the library and the vector index agree, and say how to fix what does not."""

    def body():
        from . import service

        result = service.check(settings())
        if as_json:
            emit_json(result)
        else:
            c = result["counts"]
            print(f"{c['articles']} articles, {c['revisions']} revisions, {c['sentences']} sentences, {c['chunks']} chunks, {result['vectors'] if result['vectors'] is not None else 0} vectors")
            for p in result["problems"]:
                print(f"problem: {p['problem']}\n  fix: {p['fix']}")
            print("ok" if result["ok"] else "NOT ok")
        if not result["ok"]:
            raise typer.Exit(1)

    guarded(as_json, body)


# --------------------------------------------------------------------------- config
@config_app.command("show")
def config_show(as_json: bool = JsonOpt):
    """Print the effective settings (defaults < config file < ASSISTANT_* env < options)."""

    def body():
        cfg = settings()
        doc = cfg.public_dict()
        doc["config_file"] = str(cfg.config_path)
        if as_json:
            emit_json(doc)
        else:
            for k, v in doc.items():
                print(f"{k} = {v}")

    guarded(as_json, body)


@config_app.command("set")
def config_set(key: str, value: str, as_json: bool = JsonOpt):
    """Set KEY to VALUE in the config file. Keys are never stored: name the variable that holds one (api_key_env)."""

    def body():
        from .settings import write_config

        cfg = settings()
        data = write_config(cfg.config_path, key, value)
        if as_json:
            emit_json({"config_file": str(cfg.config_path), "settings": data})
        else:
            print(f"{key} = {data[key]}  ({cfg.config_path})")

    guarded(as_json, body)


def main() -> None:
    """Entry point: usage errors under --json still produce a JSON error document."""
    try:  # recent typer vendors click as typer._click
        from typer import _click as click
    except ImportError:  # pragma: no cover - older typer
        import click

    try:
        rv = app(standalone_mode=False)
    except click.exceptions.NoSuchOption as exc:
        _usage_error(exc)
    except click.exceptions.UsageError as exc:  # typer._click exports it only under .exceptions
        _usage_error(exc)
    except typer.Abort:
        err("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err("interrupted")
        sys.exit(130)
    sys.exit(rv if isinstance(rv, int) else 0)


def _usage_error(exc) -> None:
    if "--json" in sys.argv[1:]:
        emit_json({"error": {"message": exc.format_message(), "hint": "see --help"}})
    exc.show()
    sys.exit(2)


if __name__ == "__main__":
    main()
