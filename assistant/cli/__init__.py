"""The command line: the only place that prints or chooses exit codes. A thin client of the
Python API: each command parses its options, calls one Assistant (assistant.api) and renders
the typed result.

Exit codes: 0 success, 1 error, 2 usage, 3 refused for lack of evidence / nothing to brief.
Under --json every command prints exactly one JSON document on stdout, an
{"error": {"message", "hint"}} document when it fails. Heavy libraries (chromadb,
onnxruntime, openai) are imported inside commands, never at start-up.

    app.py          the typer app, global options, the Session (one Assistant per command), main()
    options.py      options defined once: --json, --wait, the filters (@scoped, Scope)
    output.py       JSON and lines, errors -> one line and an exit code, broken pipes, progress
    ingesting.py    ingest, update
    reading.py      sources, show, search
    answering.py    ask (--batch, --show-context), brief, chat
    maintenance.py  forget, reindex, check
    transfer.py     export, import (the library as JSON Lines)
    config.py       config show, config set
    evals.py        eval retrieval
"""

from __future__ import annotations

from .app import app, main

# the command modules register their commands on ``app``; imported in the order --help lists them
from . import ingesting, reading, answering, maintenance, transfer, config, evals  # noqa: E402,F401  isort:skip

__all__ = ["app", "main"]
