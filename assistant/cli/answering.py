"""ask (also --batch and --show-context), brief and chat: answers and briefings whose every
sentence cites the source sentences that support it (exit 3: refused, or nothing to brief)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import UsageError
from ..render import render_refusal, render_sentence, render_sources
from .app import app, assistant
from .options import BaseUrlOpt, EngineOpt, JsonOpt, ModelOpt, Scope, scoped
from .output import ModelProgress, emit_json, err, fail, guarded, stdout_console

EXIT_REFUSED = 3


@app.command()
@scoped
def ask(
    ctx: typer.Context,
    question: Optional[str] = typer.Argument(None, help="The question (or --batch FILE)."),
    batch: Optional[str] = typer.Option(None, "--batch", metavar="FILE", help="Answer one question per line of FILE (- for stdin); print JSON Lines in order."),
    engine: Optional[str] = EngineOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    k: Optional[int] = typer.Option(None, "-k", help="Passages to retrieve (default 8; 4 for a model on this machine)."),
    strict: bool = typer.Option(False, "--strict", help="Remove sentences the sources do not support."),
    show_context: bool = typer.Option(False, "--show-context", help="Print the retrieved passages and the exact prompt; do not call the model."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Also log the context and prompt to stderr."),
    scope: Scope = None,
    as_json: bool = JsonOpt,
):
    """Answer from the library only; every sentence cites the source sentences that support it (exit 3: refused)."""

    if batch is not None:
        return _ask_batch(ctx, batch, question, engine, model, base_url, k, strict, show_context, scope)
    if question is None:
        fail(UsageError("give a question, or --batch FILE", 'e.g. assistant ask "Who is the governor of Puerto Rico?"'), as_json)
    from ..limits import check_question

    try:
        check_question(question)
    except UsageError as exc:
        fail(exc, as_json)

    def body():
        from ..ingest.language import question_warning

        lang_note = question_warning(question)
        if lang_note and not as_json:
            err(f"note: {lang_note}")

        a = assistant(ctx, model, base_url)
        if show_context:
            context = a.context(question, k=k, **scope.kwargs())
            if as_json:
                emit_json(context.to_dict())
            else:
                for m in context.messages:
                    print(f"----- {m['role']} -----\n{m['content']}")
            return
        streamed = False
        progress = ModelProgress()  # "the model is reading/writing" while a model works
        a.on_progress = progress
        try:
            if not as_json and not strict:  # print each checked sentence as it passes
                response = a.ask(question, engine=engine, k=k, strict=strict, stream=True, **scope.kwargs())
                for sent in response:
                    streamed = True
                    progress.clear()
                    print(render_sentence(sent, response.citations), flush=True)
                result = response.answer
            else:
                result = a.ask(question, engine=engine, k=k, strict=strict, **scope.kwargs())
        finally:
            progress.clear()
        if lang_note and as_json:  # on a terminal it was said before the answer
            result.notes.append(lang_note)
        if verbose:
            for m in result.prompt:
                err(f"----- {m['role']} -----\n{m['content']}")
            if result.raw_reply:
                err(f"----- model reply (raw) -----\n{result.raw_reply}")
        if as_json:
            emit_json(result.to_dict())
        else:
            if result.refused:
                print(render_refusal(result))
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


def _ask_batch(ctx, batch, question, engine, model, base_url, k, strict, show_context, scope: Scope):
    """ask --batch: JSON Lines on stdout, one summary line on stderr; exit 1 if any failed, else 3 if any refused."""
    if question is not None or show_context:
        fail(UsageError("--batch takes no question argument and no --show-context", "put the questions in the file, one per line"), True)

    def body():
        from .. import batch as batchmod

        lines = batchmod.read_lines(batch)

        def emit(doc):
            sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
            sys.stdout.flush()

        a = assistant(ctx, model, base_url)
        a.filters(**scope.kwargs())  # a bad date or article fails the batch once, before any question
        counts = batchmod.run(lines, lambda q: a.ask(q, engine=engine, k=k, strict=strict, **scope.kwargs()), emit)
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
@scoped
def brief(
    ctx: typer.Context,
    topic: Optional[str] = typer.Argument(None, help="What to brief on (default: everything in scope)."),
    length: Optional[int] = typer.Option(None, "--length", help="Number of sentences (default 8: one point per story, then earlier reports that differ)."),
    fmt: str = typer.Option("text", "--format", help="text, markdown or json."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the briefing to this file (atomically)."),
    engine: Optional[str] = EngineOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="Cap the tokens spent (prompt + completion, estimated with tiktoken)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan and the token estimate; call no model."),
    scope: Scope = None,
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
):
    """A briefing of the library's news (or a topic) in which every sentence cites its sources (exit 3: nothing to brief)."""
    fmt_ = "json" if as_json else fmt
    if fmt_ not in ("text", "markdown", "json"):
        fail(UsageError(f"unknown format {fmt_!r}", "use text, markdown or json"), as_json)

    def body():
        from ..util import atomic_write_text

        stream_ok = fmt_ == "text" and output is None and not dry_run
        a = assistant(ctx, model, base_url)
        args = dict(length=length, engine=engine, max_tokens=max_tokens, dry_run=dry_run, **scope.kwargs())
        progress = ModelProgress()
        a.on_progress = progress
        try:
            if stream_ok:  # print each point as it passes
                response = a.brief(topic, stream=True, **args)
                for sent in response:
                    progress.clear()
                    print(render_sentence(sent, response.citations), flush=True)
                result = response.briefing
            else:
                result = a.brief(topic, **args)
        finally:
            progress.clear()
        if result.empty:
            raise result.error()  # nothing to brief: exit 3
        if dry_run:
            if fmt_ == "json":
                emit_json(result.to_dict())
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

            stdout_console().print(Markdown(text))
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
    ctx: typer.Context,
    session_id: Optional[str] = typer.Argument(None, help="A saved session to resume (with --resume; default: the latest)."),
    resume: bool = typer.Option(False, "--resume", help="Resume a saved session: the one named, else the latest."),
    engine: Optional[str] = EngineOpt,
    model: Optional[str] = ModelOpt,
    base_url: Optional[str] = BaseUrlOpt,
    k: Optional[int] = typer.Option(None, "-k", help="Passages to retrieve per question (default 8; 4 for a model on this machine)."),
    history_tokens: Optional[int] = typer.Option(None, "--history-tokens", min=100, help="Token budget of the conversation kept for follow-ups (default 1500)."),
):
    """An interactive session: questions, follow-ups, /commands (/help). Ctrl-C cancels an answer, Ctrl-D leaves."""

    def body():
        from ..chat.repl import run

        a = assistant(ctx, model, base_url)
        a.library  # no library there: say so before the first question
        rid = (session_id or "latest") if (resume or session_id) else None
        return run(a, engine=engine, resume=rid, k=k, budget=history_tokens)

    code = guarded(False, body)
    if code:
        raise typer.Exit(code)
