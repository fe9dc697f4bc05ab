"""Plain-text rendering of answers shared by `ask`, `brief` and `chat`: no I/O, no heavy imports."""

from __future__ import annotations


def render_sentence(sent, citations) -> str:
    """One answer sentence with its citation numbers, flagged when the sources do not support it."""
    nums = {c.id: c.n for c in citations}
    marks = "".join(f"[{nums[c]}]" for c in sent.citations if c in nums)
    flag = "" if sent.supported else " (not supported by the sources)"
    return f"{sent.text} {marks}{flag}".rstrip()


def render_sources(citations) -> str:
    """The numbered cited sentences with title, outlet, date and sentence id."""
    lines = []
    for c in citations:
        meta = ", ".join(x for x in (c.title and f"“{c.title}”", c.source, c.published or "undated") if x)
        lines.append(f"  [{c.n}] {c.text}\n      {meta} — {c.id}")
    return "\n".join(lines)


def render_refusal(answer) -> str:
    """The refusal text and, on one line, why (the first sentence turned down and its reason)."""
    why = answer.refusal_reason or "the sources do not answer it"
    if answer.rejected:
        r = answer.rejected[0]
        text = r["text"] if len(r["text"]) <= 100 else r["text"][:97] + "..."
        why += f"; turned down: “{text}” ({r['reason']})"
    return f"{answer.answer}\nWhy: {why}."
