"""One chat session: questions (condensed when they follow up), slash commands, scope, saving.

No terminal handling here: lines come in through ``handle(line)`` (False means leave) and
everything is printed through an ``Output``. Ctrl-C arrives as KeyboardInterrupt from inside
``handle``; the caller catches it and the session carries on (the turn is not recorded).
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

from ..errors import AssistantError, CorruptSession, UsageError
from . import store
from .condense import llm_rewrite, rule_rewrite
from .history import DEFAULT_BUDGET, History, Turn
from .. import registry

from ..limits import check_question

HELP = """\
Ask a question, or type a command:
  /help                 this list
  /sources [N|all]      the articles in scope, newest first (the first 20 unless N or all)
  /show N               citation N of the last answer with its neighbouring sentences
  /brief [TOPIC]        a briefing of what is in scope (or of a topic)
  /since DATE           only articles published on or after DATE (YYYY-MM-DD or 7d, 2w, 3m, 1y; "off" clears)
  /until DATE           only articles published on or before DATE ("off" clears)
  /as-of DATE           only what was published, and the revisions dated, up to DATE ("off" clears)
  /engine [llm|extractive]  show or change the engine
  /context              what the last answer was given (the exact messages)
  /reset                forget the conversation (scope stays) and start a new session
  /save FILE            write the session to FILE (JSON; .md or .txt: a transcript)
  /exit                 leave (so does Ctrl-D)
Multi-line input: end a line with \\ to continue it, or press Esc then Enter for a new line.
Ctrl-C cancels the answer being written; the session goes on."""


def clean_text(text: str) -> tuple[str, int]:
    """The text without control characters or undecodable bytes; and how many were removed."""
    out, removed = [], 0
    for ch in text:
        if ch in "\n\t":
            out.append(" " if ch == "\t" else ch)
        elif 0xD800 <= ord(ch) <= 0xDFFF or ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            removed += 1
        else:
            out.append(ch)
    return "".join(out), removed


class ChatSession:
    def __init__(self, assistant, out, *, engine: str | None = None, k: int | None = None, budget: int = DEFAULT_BUDGET, session_id: str | None = None):
        self.a = assistant
        self.out = out
        self.engine = engine
        self.k = k
        self.history = History(budget)
        self.scope: dict = {"since": None, "until": None, "as_of": None}
        self.last = None  # the last Answer (or briefing)
        self.id = session_id or store.new_id()
        self.created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if engine:
            self._check_engine(engine)

    # -- settings ----------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return Path(self.a.settings.home)

    def engine_name(self) -> str:
        return self.engine or registry.default_engine(self.a.settings).name

    def _check_engine(self, name: str) -> None:
        registry.engine(name, self.a.settings)  # a UsageError for an unknown engine, or one whose model is missing

    # -- the loop body -----------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Process one input; False when the session should end."""
        text, removed = clean_text(line)
        text = text.strip()
        if removed:
            self.out.error(f"ignored {removed} control or undecodable character(s) in the input", "type or paste text (UTF-8)")
        if not text:
            return True
        try:
            if text.startswith("/"):
                return self.command(text)
            self.ask(text)
        except AssistantError as exc:
            self.out.error(exc.message, exc.hint)
        return True

    def command(self, text: str) -> bool:
        name, _, arg = text.partition(" ")
        name, arg = name.lower(), arg.strip()
        if name in ("/exit", "/quit"):
            return False
        fn = {
            "/help": lambda: self.out.line(HELP),
            "/sources": lambda: self.cmd_sources(arg),
            "/show": lambda: self.cmd_show(arg),
            "/brief": lambda: self.cmd_brief(arg or None),
            "/since": lambda: self.cmd_scope("since", arg),
            "/until": lambda: self.cmd_scope("until", arg),
            "/as-of": lambda: self.cmd_scope("as_of", arg),
            "/asof": lambda: self.cmd_scope("as_of", arg),
            "/engine": lambda: self.cmd_engine(arg),
            "/context": self.cmd_context,
            "/reset": self.cmd_reset,
            "/save": lambda: self.cmd_save(arg),
        }.get(name)
        if fn is None:
            self.out.error(f"unknown command {name}", "type /help for the list of commands")
            return True
        fn()
        return True

    # -- questions ---------------------------------------------------------------------
    def standalone(self, question: str) -> str:
        asks = [t for t in self.history.turns if t.kind == "ask"]
        if not asks:
            return question
        if registry.engine(self.engine_name(), self.a.settings).uses_model:
            from .. import prompts

            template = prompts.load("condense", self.a.settings.prompts_dir or None)
            return llm_rewrite(self.a.llm(), template, question, self.history.text())
        last = self.last if self.last is not None and getattr(self.last, "question", None) == asks[-1].standalone else None
        return rule_rewrite(question, asks[-1].standalone, asks[-1].answer, getattr(last, "short_answer", None) if last else None)

    def ask(self, question: str) -> None:
        check_question(question)
        from ..ingest.language import question_warning

        lang_note = question_warning(question)
        if lang_note:
            self.out.note(f"({lang_note})")
        standalone = self.standalone(question)
        if standalone != question:
            self.out.note(f"(searching for: {standalone})")
        streamed: list = []

        def on_sentence(sent, citations):
            streamed.append(sent)
            self.out.sentence(sent, citations)

        result = self.a.ask(standalone, engine=self.engine, k=self.k, on_sentence=on_sentence, **self.scope)
        self._render(result, streamed)
        self.last = result
        self.history.add(Turn(question=question, standalone=standalone, answer=result.answer, refused=result.refused,
                              engine=result.engine, model=result.model, citations=[c.id for c in result.citations]))
        self.autosave()

    def _render(self, result, streamed) -> None:
        if result.refused:
            from ..render import render_refusal

            self.out.line(render_refusal(result))
        else:
            if not streamed:
                for s in result.sentences:
                    self.out.sentence(s, result.citations)
            self.out.sources(result.citations)
        who = f"{result.engine} engine" + (f", model {result.model}" if result.model else "")
        self.out.note(f"({who}" + "".join(f"; {n}" for n in result.notes if not n.startswith("refused:")) + ")")

    # -- commands ----------------------------------------------------------------------
    SOURCES_SHOWN = 20  # /sources lists the newest 20; "/sources N" or "/sources all" for more

    def cmd_sources(self, arg: str = "") -> None:
        import shutil

        from ..render import clip, day

        if arg.lower() == "all":
            limit = None
        elif arg:
            try:
                limit = int(arg)
                if limit < 1:
                    raise ValueError
            except ValueError:
                raise UsageError(f"/sources takes a number or all, not {arg!r}", "e.g. /sources 50, or /sources all") from None
        else:
            limit = self.SOURCES_SHOWN
        lib = self.a.library
        f = self.a.filters(**self.scope)
        from ..library.search import articles_with_revision_in

        ids = articles_with_revision_in(lib.conn, f)
        arts = [x for x in lib.list_articles() if x["article_id"] in ids]
        width = shutil.get_terminal_size((100, 24)).columns - 1 if self.out.tty else None
        for x in arts[:limit]:
            line = f"{x['article_id']}  {day(x['published']):10}  {x['source'] or '-'}: {x['title'] or '(untitled)'}"
            self.out.line(clip(line, width) if width else line)
        if limit is not None and len(arts) > limit:
            self.out.note(f"{limit} of {len(arts)} article(s) in scope{self.scope_text()} (/sources all lists every one)")
        else:
            self.out.note(f"{len(arts)} article(s) in scope{self.scope_text()}")

    def scope_text(self) -> str:
        parts = [f"{k.replace('_', '-')} {v}" for k, v in self.scope.items() if v]
        return (" (" + ", ".join(parts) + ")") if parts else ""

    def cmd_show(self, arg: str) -> None:
        from ..types import parse_sentence_id

        if self.last is None or not self.last.citations:
            raise UsageError("there is no citation to show yet", "ask a question first")
        try:
            n = int(arg)
        except ValueError:
            raise UsageError(f"/show needs a citation number, not {arg!r}", f"e.g. /show 1 (1 to {len(self.last.citations)})") from None
        c = next((c for c in self.last.citations if c.n == n), None)
        if c is None:
            raise UsageError(f"the last answer has no citation [{n}]", f"use 1 to {len(self.last.citations)}")
        _, _, index = parse_sentence_id(c.id)
        sents = self.a.library.sentences(c.article_id, c.revision)
        meta = ", ".join(x for x in (c.title and f"“{c.title}”", c.source, c.published or "undated") if x)
        self.out.line(f"[{n}] {meta} — {c.article_id}@{c.revision}", "bold")
        for s in sents[max(0, index - 2): index + 3]:
            if s.index == index:
                self.out.line(f"→ [{s.id}] {s.text}", "bold cyan")
            else:
                self.out.line(f"  [{s.id}] {s.text}", "dim")

    def cmd_brief(self, topic: str | None) -> None:
        result = self.brief(topic)
        if result.empty:
            raise result.error()  # said as the error it is (exit 3 off a terminal); the session goes on

    def brief(self, topic: str | None):
        """Brief (each point shown as it passes), render and remember it; an ``empty`` Briefing is returned untouched."""
        streamed: list = []

        def on_sentence(sent, citations):  # in this thread, as for ask: Ctrl-C cancels a slow model call at once
            streamed.append(sent)
            self.out.sentence(sent, citations)

        result = self.a.brief(topic, engine=self.engine, on_sentence=on_sentence, **self.scope)
        if result.empty:
            return result
        self._render(result, streamed)
        self.last = result
        self.history.add(Turn(question=f"/brief {topic or ''}".strip(), standalone=f"a briefing on {topic or 'the news in scope'}",
                              answer=result.answer, refused=result.refused, engine=result.engine, model=result.model,
                              citations=[c.id for c in result.citations], kind="brief"))
        self.autosave()
        return result

    def cmd_scope(self, key: str, arg: str) -> None:
        from ..dates import parse_date_bound

        label = key.replace("_", "-")
        if not arg:
            self.out.line(f"{label}: {self.scope[key] or 'not set'}")
            return
        if arg.lower() in ("off", "none", "clear", "-"):
            self.scope[key] = None
            self.out.note(f"{label} cleared; scope:{self.scope_text() or ' everything'}")
        else:
            parse_date_bound(arg)  # a UsageError with a hint when unreadable
            self.scope[key] = arg
            self.out.note(f"scope for the rest of the session:{self.scope_text()}")
        self.autosave()

    def cmd_engine(self, arg: str) -> None:
        if arg:
            self._check_engine(arg)
            self.engine = arg
        model = self.a.settings.model if registry.engine(self.engine_name(), self.a.settings).uses_model else None
        self.out.line(f"engine: {self.engine_name()}" + (f" (model {model})" if model else ""))
        self.autosave()

    def cmd_context(self) -> None:
        if self.last is None or not getattr(self.last, "prompt", None):
            raise UsageError("no answer yet, so no context to show", "ask a question first")
        for m in self.last.prompt:
            self.out.line(f"----- {m['role']} -----", "bold")
            self.out.line(m["content"])

    def cmd_reset(self) -> None:
        self.history.clear()
        self.last = None
        self.id = store.new_id()
        self.created = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.out.note(f"conversation cleared; new session {self.id} (scope kept{self.scope_text()})")

    def cmd_save(self, arg: str) -> None:
        from ..util import atomic_write_text

        if not arg:
            raise UsageError("/save needs a file name", "e.g. /save chat.json (or chat.md for a transcript)")
        path = Path(arg).expanduser()
        text = self.transcript() if path.suffix.lower() in (".md", ".txt") else store.dump(self.to_doc())
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            raise AssistantError(f"cannot write {path}: {exc.strerror or exc}", "check that the folder exists and is writable") from None
        self.out.note(f"saved to {path}")

    # -- persistence -------------------------------------------------------------------
    def to_doc(self) -> dict:
        """The saved session: conversation, scope, engine and model names; never keys or other settings."""
        return {
            "format": store.FORMAT,
            "id": self.id,
            "created": self.created,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "engine": self.engine,
            "model": self.a.settings.model or None,
            "scope": dict(self.scope),
            "budget": self.history.budget,
            "summary": list(self.history.summary),
            "turns": [t.to_dict() for t in self.history.turns],
        }

    def transcript(self) -> str:
        lines = [f"# Chat session {self.id}", ""]
        if self.history.summary:
            lines += ["Earlier questions: " + "; ".join(self.history.summary), ""]
        for t in self.history.turns:
            lines += [f"> {t.question}", ""]
            if t.standalone != t.question:
                lines += [f"(searching for: {t.standalone})", ""]
            lines += [t.answer, ""] + [f"- {c}" for c in t.citations] + [""]
        return "\n".join(lines)

    def autosave(self) -> None:
        if not self.history.turns:
            return
        try:
            store.save(self.home, self.id, self.to_doc())
        except OSError as exc:
            self.out.error(f"could not save the session: {exc.strerror or exc}", "the conversation goes on; /save FILE writes it elsewhere")

    def resume(self, session_id: str | None) -> bool:
        """Load a saved session (the latest when no id); False (and one clear line) when it cannot be read."""
        sid = session_id or store.latest(self.home)
        if sid is None:
            self.out.note("no saved session to resume; starting a new one")
            return False
        try:
            doc = store.load(self.home, sid)
            turns = [Turn.from_dict(t) for t in doc["turns"]]
        except AssistantError as exc:  # corrupt, unreadable or unknown: one clear line, a fresh session
            self.out.error(exc.message, exc.hint if isinstance(exc, CorruptSession) else "starting a new session")
            return False
        except (TypeError, ValueError, AttributeError) as exc:
            self.out.error(f"the chat session {sid} is damaged ({exc})", "starting a new session")
            return False
        self.id = sid
        self.created = doc.get("created") or self.created
        self.history = History(int(doc.get("budget") or self.history.budget), turns, [str(s) for s in doc.get("summary") or []])
        scope = doc.get("scope") or {}
        for key in self.scope:
            v = scope.get(key)
            if isinstance(v, str) and v:
                self.scope[key] = v
        eng = doc.get("engine")
        if eng in registry.engine_names():
            try:
                self._check_engine(eng)
                self.engine = eng
            except UsageError:
                self.out.note(f"the saved session used the {eng} engine, which is not available now; using {self.engine_name()}")
        self.out.note(f"resumed session {sid}: {len(turns)} turn(s){self.scope_text()}")
        if turns:
            self.out.note(f"last question: {turns[-1].question}")
        return True
