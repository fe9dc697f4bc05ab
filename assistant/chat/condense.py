"""Follow-up questions rewritten into standalone questions before retrieval.

With a model: the ``condense`` prompt template through ``LLM.complete``. Without one: a
deterministic rule: pronouns (he, she, they, it, him, her, them, his, their, its) are replaced
by the main name of the previous question (or, failing that, of its answer); a short follow-up
with no name and no pronoun gets the previous question's names appended.
"""

from __future__ import annotations

import re

# capitalised words that start questions or sentences rather than naming something
_NOT_NAMES = set(
    """
    A An The And Or But If In On At To For From By With About As Of Is Are Was Were Be Been Do Does Did Has Have Had
    What Who Whom Whose Which When Where Why How Can Could Would Should Will Shall May Might Must Tell Give List Show
    Explain Describe Please According It He She They We You I His Her Their Its Our My Your This That These Those
    There Here Then So Also Any Some All No Not Yes Than More Most Less Mr Mrs Ms Dr Sir On Wednesday Monday Tuesday
    Thursday Friday Saturday Sunday Today Yesterday Tomorrow
    """.split()
)
_WORD = re.compile(r"[A-Za-z][\w’'.-]*")
_SUBJECT = {"he", "she", "they", "him", "them", "it"}
_POSSESSIVE = {"his", "her", "their", "its", "hers", "theirs"}
_PRONOUN_RE = re.compile(r"\b(he|she|they|him|them|it|his|her|hers|their|theirs|its)\b", re.I)


def names_in(text: str) -> list[str]:
    """Runs of capitalised words (``Jim Mattis``, ``Alexei Navalny``, ``Puerto Rico``), longest first, then in order."""
    runs: list[list[str]] = []
    cur: list[str] = []
    for m in re.finditer(r"\S+", text or ""):
        tok = m.group(0)
        w = _WORD.match(tok.strip("“”\"'(["))
        word = w.group(0).rstrip(".’'") if w else ""
        if word and word[0].isupper() and word not in _NOT_NAMES and not word.isupper() or (word.isupper() and len(word) > 1 and word not in _NOT_NAMES):
            cur.append(word.removesuffix("’s").removesuffix("'s"))
        else:
            if cur:
                runs.append(cur)
            cur = []
        if cur and re.search(r"[,;:?!)\]”\"]$|[.](?!\w)$", tok):  # punctuation ends a name
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    seen, out = set(), []
    for r in runs:
        name = " ".join(r)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return sorted(out, key=lambda n: -len(n.split()))  # stable: multi-word names first, in order


def main_name(previous_question: str, previous_answer: str = "") -> str | None:
    for text in (previous_question, previous_answer):
        names = names_in(text)
        if names:
            return names[0]
    return None


def rule_rewrite(question: str, previous_question: str | None, previous_answer: str = "") -> str:
    """The deterministic rewrite used by the extractive engine (no model)."""
    q = question.strip()
    if not previous_question:
        return q
    name = main_name(previous_question, previous_answer)
    if not name:
        return q
    if _PRONOUN_RE.search(q):
        def sub(m):
            w = m.group(1)
            if w.lower() in _POSSESSIVE:
                return name + "'s"
            return name

        return _PRONOUN_RE.sub(sub, q)
    if not names_in(q) and len(q.split()) <= 6:
        extra = " ".join(n for n in names_in(previous_question)[:2]) or name
        return f"{q.rstrip('?. ')} ({extra})?"
    return q


def llm_rewrite(llm, template, question: str, history_text: str) -> str:
    """The model's rewrite; the question itself when the reply is empty, a refusal, or implausibly long."""
    from ..prompts import REFUSAL_SENTINEL

    prompt = template.render(history=history_text, question=question)
    c = llm.complete([{"role": "user", "content": prompt}], max_tokens=120)
    text = (c.text or "").strip().splitlines()[0].strip() if (c.text or "").strip() else ""
    text = text.strip("\"“”' ")
    if text.lower().startswith(("rewritten question:", "standalone question:", "question:")):
        text = text.split(":", 1)[1].strip()
    if not text or REFUSAL_SENTINEL in text or len(text) > 3 * len(question) + 200:
        return question.strip()
    return text
