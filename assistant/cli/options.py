"""Options shared by several commands, each defined once: --json, --wait, and the filters of
search, ask and brief (``@scoped`` adds them; a Scope gathers them for the Assistant)."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import List, Optional

import typer

DATE_FORMS = ("YYYY-MM-DD (or YYYY-MM, YYYY), a written date such as '8 Aug 2019', a relative 7d, 2w, 3m or 1y, "
              "or words such as yesterday or '3 days ago'; 10/05/2022 is refused as ambiguous")
OUTLET_RULE = "its name or its site, with or without www. and the ending (usatoday, usatoday.com, www.usatoday.com), any case"

JsonOpt = typer.Option(False, "--json", help="Print one JSON document on stdout.")
# the model options of ask, chat and brief
EngineOpt = typer.Option(None, "--engine", metavar="ENGINE", help="llm or extractive (default: llm when a model is configured).")
ModelOpt = typer.Option(None, "--model", metavar="NAME", help="Chat model for the llm engine. Env: ASSISTANT_MODEL.")
BaseUrlOpt = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server, e.g. http://localhost:11434/v1. Env: ASSISTANT_BASE_URL.")
WaitOpt = typer.Option(None, "--wait", metavar="SECONDS", help="Seconds to wait for another writer's lock (default: lock_timeout setting).")


@dataclass
class Scope:
    """The filter options of search, ask and brief (defined once, added by ``@scoped``)."""

    since: Optional[str] = None
    until: Optional[str] = None
    as_of: Optional[str] = None
    source: List[str] = field(default_factory=list)
    article: List[str] = field(default_factory=list)
    include_undated: bool = False

    @property
    def dated(self) -> bool:
        return bool(self.since or self.until or self.as_of)

    def kwargs(self) -> dict:
        """As keyword arguments of Assistant.search/context/ask/brief."""
        return {"since": self.since, "until": self.until, "as_of": self.as_of, "source": self.source or None,
                "article": self.article or None, "include_undated": self.include_undated}


_SCOPE_OPTIONS = [  # (name, type, typer option): what --help lists, in this order, where a command has ``scope``
    ("since", Optional[str], typer.Option(None, "--since", metavar="DATE", help="Published on or after this date: " + DATE_FORMS + ".")),
    ("until", Optional[str], typer.Option(None, "--until", metavar="DATE", help="Published on or before this date (same forms as --since).")),
    ("as_of", Optional[str], typer.Option(None, "--as-of", metavar="DATE", help="Only what was published (and the revisions dated) up to this day (same forms as --since).")),
    ("source", List[str], typer.Option(None, "--source", metavar="NAME", help="Only this outlet (repeatable): " + OUTLET_RULE + ".")),
    ("article", List[str], typer.Option(None, "--article", metavar="ID", help="Only this article id (repeatable).")),
    ("include_undated", bool, typer.Option(False, "--include-undated", help="Keep undated articles when a date filter is given.")),
]


def scoped(fn):
    """Give a command the filter options in place of its ``scope`` parameter, and call it with them
    gathered into one Scope. (typer has no option groups; it reads the signature we present.)"""
    sig = inspect.signature(fn, eval_str=True)
    params = []
    for p in sig.parameters.values():
        if p.name == "scope":
            params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=opt, annotation=t) for n, t, opt in _SCOPE_OPTIONS]
        else:
            params.append(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.kind is not inspect.Parameter.KEYWORD_ONLY else p)

    @functools.wraps(fn)
    def command(**kw):
        scope = Scope(**{n: kw.pop(n) for n, _, _ in _SCOPE_OPTIONS})
        scope.source, scope.article = list(scope.source or []), list(scope.article or [])
        return fn(scope=scope, **kw)

    command.__signature__ = sig.replace(parameters=params)
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command
