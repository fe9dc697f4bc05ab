"""`assistant ask --batch FILE|-`: one question per line in, one JSON document per line out, in order.

Each output line is an answer document (as ``ask --json``) or, when that question failed,
``{"question": ..., "error": {"message", "hint"}}``; a failure never stops the other questions.
Blank lines and lines starting with ``#`` are skipped. Exit code: 1 if any question failed,
else 3 if any was refused, else 0. No printing here: documents go to ``emit``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from .errors import AssistantError, InputError
from .limits import MAX_QUESTION_CHARS, check_question


def read_lines(source: str) -> list[tuple[int, bytes]]:
    """The non-blank lines of FILE (or stdin for ``-``) with their line numbers, as bytes."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        p = Path(source).expanduser()
        if not p.exists():
            raise InputError(f"the batch file {source} does not exist", "give a file with one question per line, or - for stdin")
        if p.is_dir():
            raise InputError(f"the batch file {source} is a folder", "give a file with one question per line")
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read the batch file {source}: {exc.strerror or exc}", "check its permissions") from None
    out = []
    for n, raw in enumerate(data.split(b"\n"), 1):
        raw = raw.rstrip(b"\r")
        if raw.strip() and not raw.lstrip().startswith(b"#"):
            out.append((n, raw))
    return out


def decode(n: int, raw: bytes) -> str:
    """The question on line n; an error for binary or non-UTF-8 lines and over-long questions."""
    if b"\x00" in raw:
        raise InputError(f"line {n} is binary data, not a question", "give one question per line as UTF-8 text")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InputError(f"line {n} is not UTF-8 text", "save the file as UTF-8") from None
    return check_question(text, f"the question on line {n}")


def run(lines: list[tuple[int, bytes]], ask: Callable[[str], object], emit: Callable[[dict], None]) -> dict:
    """Answer every line with ``ask(question) -> Answer``; returns counts and the exit code."""
    counts = {"answered": 0, "refused": 0, "failed": 0}
    for n, raw in lines:
        question = raw.decode("utf-8", "replace").strip()
        try:
            question = decode(n, raw)
            result = ask(question)
        except KeyboardInterrupt:
            raise
        except AssistantError as exc:
            counts["failed"] += 1
            emit({"question": question[:MAX_QUESTION_CHARS], "error": exc.to_dict()})
            continue
        except Exception as exc:  # a bug on one question must not lose the others
            from .util import redact

            counts["failed"] += 1
            emit({"question": question[:MAX_QUESTION_CHARS], "error": {"message": redact(f"internal error: {exc.__class__.__name__}: {exc}"),
                                                                       "hint": "rerun that question with ASSISTANT_DEBUG=1 for a traceback, and report it"}})
            continue
        counts["refused" if result.refused else "answered"] += 1
        emit(result.to_dict())
    counts["exit_code"] = 1 if counts["failed"] else 3 if counts["refused"] else 0
    return counts
