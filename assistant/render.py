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


def day(value: str | None) -> str:
    """A stored date as the day it names ("2022-10-25T09:00:00+00:00" -> "2022-10-25"); "undated" for none."""
    return value[:10] if value else "undated"


def cell_width(text: str) -> int:
    """Columns a string takes on a terminal (wide East Asian characters take two, combining marks none)."""
    import unicodedata

    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` columns, with an ellipsis when something was cut."""
    text = " ".join(text.split())  # a title with a newline must not break the row
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def table(headers: list[str], rows: list[list[str]], width: int | None, shrink: tuple[int, ...] = (),
          mins: dict[int, int] | None = None, optional: tuple[int, ...] = ()) -> list[str]:
    """Rows as aligned lines of at most ``width`` columns (None: no limit, one row per line whatever its length).

    When too wide, the columns in ``shrink`` (most shrinkable first) are cut down to their minimum
    (``mins``, else 8); when that is not enough, the ``optional`` columns are dropped and the cut
    goes on down to half the minimums."""
    rows = [[" ".join(c.split()) for c in r] for r in rows]
    widths = [max([cell_width(h)] + [cell_width(r[i]) for r in rows]) for i, h in enumerate(headers)]
    if width is not None:
        over = _cut(widths, width, shrink, mins or {})
        if over > 0 and optional:
            keep = [i for i in range(len(headers)) if i not in optional]
            remap = {old: new for new, old in enumerate(keep)}
            return table([headers[i] for i in keep], [[r[i] for i in keep] for r in rows], width,
                         tuple(remap[i] for i in shrink if i in remap), {remap[i]: max(6, (mins or {}).get(i, 8) // 2) for i in shrink if i in remap})
    last = len(headers) - 1

    def line(cells):
        parts = []
        for i, c in enumerate(cells):
            c = clip(c, widths[i])
            parts.append(c if i == last else c + " " * (widths[i] - cell_width(c)))
        return "  ".join(parts).rstrip()

    return [line(headers)] + [line(r) for r in rows]


def _cut(widths: list[int], width: int, shrink: tuple[int, ...], mins: dict[int, int]) -> int:
    """Narrow the shrinkable columns in place; returns how many columns are still too many."""
    over = sum(widths) + 2 * (len(widths) - 1) - width
    for i in shrink:
        if over <= 0:
            break
        cut = min(over, max(0, widths[i] - mins.get(i, 8)))
        widths[i] -= cut
        over -= cut
    return over


def render_refusal(answer) -> str:
    """The refusal text and, on one line, why (the first sentence turned down and its reason)."""
    why = answer.refusal_reason or "the sources do not answer it"
    if answer.rejected:
        r = answer.rejected[0]
        text = r["text"] if len(r["text"]) <= 100 else r["text"][:97] + "..."
        why += f"; turned down: “{text}” ({r['reason']})"
    return f"{answer.answer}\nWhy: {why}."
