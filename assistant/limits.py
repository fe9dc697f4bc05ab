"""Limits shared by every way in (ask, ask --batch, chat, the Python API), so one rule holds everywhere."""

from __future__ import annotations

from .errors import UsageError

MAX_QUESTION_CHARS = 4000  # a question, not a document: longer input is almost always a paste gone wrong


def check_question(question: str, where: str = "the question") -> str:
    """``question`` unchanged, or a UsageError when it is longer than MAX_QUESTION_CHARS."""
    if len(question) > MAX_QUESTION_CHARS:
        raise UsageError(f"{where} is {len(question):,} characters long; questions are limited to {MAX_QUESTION_CHARS:,}",
                         "ask about one thing at a time; to summarise many articles use brief")
    return question
