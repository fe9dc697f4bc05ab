"""Follow-up questions rewritten into standalone questions before retrieval.

With a model: the ``condense`` prompt template through ``LLM.complete``. Without one, a
deterministic rule that rewrites only a question that depends on the previous turn:

* a pronoun (he, she, they, it, his, her, their, its, him, them) with nothing in the question
  it could refer to: replaced by the entity the previous answer is about: the short answer
  when it names someone or something ("Who won?" -> "Dustin Johnson"; "he" -> Dustin Johnson),
  else the name the previous question was about; a person pronoun takes a person's name;
* "what about X?" / "and X?": the previous question with its subject replaced by X;
* "the first one", "the second one", "the other one", "the latter": the n-th entity of the
  previous answer ("Kroger and Albertsons");
* an ellipsis (a fragment of a few words with no verb): completed from the previous question.

Anything else is self-contained and goes unchanged: "Which two supermarkets plan to merge?"
after a golf question is not about golf.
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


_PERSON_PRONOUNS = {"he", "she", "him", "his", "her", "hers"}
_PLURAL_PRONOUNS = {"they", "them", "their", "theirs"}
_THING_PRONOUNS = {"it", "its"}
_ORDINALS = {"first": 0, "former": 0, "second": 1, "latter": -1, "other": -1, "last": -1, "third": 2}
_ORDINAL_RE = re.compile(r"\b(?:the\s+)?(first|second|third|other|last)\s+one\b|\bthe\s+(former|latter)\b", re.I)
_ABOUT_RE = re.compile(r"^\s*(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(.+?)\s*[?.!]*\s*$", re.I)
_AND_RE = re.compile(r"^\s*(?:and|or|but|also)\s+(.+?)\s*[?.!]*\s*$", re.I)
_VERBISH = re.compile(
    r"\b(?:is|are|was|were|be|been|am|do|does|did|has|have|had|will|would|can|could|should|may|might|must|shall|"
    r"won|win|wins|say|says|said|go|goes|went|get|got|make|made|take|took|plan|plans|happen|happened|die|died|"
    r"kill|killed|cost|costs|pay|paid|buy|bought|lead|leads|led|run|runs|ran)\b|\w{3,}ed\b", re.I)
_WH_ONLY = re.compile(r"^\s*(?:and\s+)?(?:who|what|when|where|why|how(?:\s+(?:many|much|old|long))?|which)\s*[?.!]*\s*$", re.I)


def _person_like(name: str) -> bool:
    from ..answer.short import candidates

    return bool(candidates(name, "person")) and len(name.split()) >= 2


def _entity_like(text: str | None) -> bool:
    """A name (capitalised), not an amount, a number or a date."""
    return bool(text) and bool(re.match(r"[A-Z“\"]", text.strip())) and not re.search(r"\d", text)


def _entities(previous_short: str | None) -> list[str]:
    if not _entity_like(previous_short):
        return []
    return [x.strip() for x in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s+&\s+", previous_short) if x.strip()]


def _subject(previous_question: str, previous_short: str | None, previous_answer: str, want: str) -> str | None:
    """The entity a pronoun of the kind ``want`` (person, thing, plural) stands for."""
    from ..answer.short import candidates

    short_is_name = _entity_like(previous_short)
    if want == "person":
        if short_is_name and _person_like(previous_short):
            return previous_short
        for text in (previous_question, previous_answer):
            people = [n for _, n in candidates(text or "", "person")]
            if people:
                return people[0]
        return main_name(previous_question, previous_answer)
    if want == "plural" and short_is_name:
        return previous_short
    if want == "thing" and short_is_name and not _person_like(previous_short):
        return previous_short
    names = [n for n in names_in(previous_question) if not (want == "thing" and _person_like(n))]
    return names[0] if names else (previous_short if short_is_name else main_name(previous_question, previous_answer))


def _refers_inside(question: str, pronoun_at: int, want: str) -> bool:
    """The question names something the pronoun can refer to before it ("Did Liz Truss say she ...")."""
    before = question[:pronoun_at]
    names = names_in(before)
    if want == "person":
        return any(_person_like(n) for n in names)
    return bool(names)


def depends_on_previous(question: str) -> str | None:
    """How a question depends on the previous turn ("pronoun", "about", "ordinal", "ellipsis"), or None."""
    q = question.strip()
    if _ABOUT_RE.match(q):
        return "about"
    if _ORDINAL_RE.search(q):
        return "ordinal"
    for m in _PRONOUN_RE.finditer(q):
        w = m.group(1).lower()
        want = "person" if w in _PERSON_PRONOUNS else "plural" if w in _PLURAL_PRONOUNS else "thing"
        if _refers_inside(q, m.start(), want):
            continue
        if want == "thing" and (names_in(q) or len(_content_words(q)) > 3):
            continue  # "Is it illegal to pump gas in New Jersey?": an "it" of the question's own
        return "pronoun"
    words = re.findall(r"[\w’'$%.-]+", q)
    if _WH_ONLY.match(q) or (len(words) <= 4 and not _VERBISH.search(q) and not re.match(r"^\s*(?:who|what|when|where|why|how|which)\b", q, re.I)):
        return "ellipsis"
    if _AND_RE.match(q) and len(words) <= 5 and not _VERBISH.search(q):
        return "ellipsis"
    return None


def _content_words(text: str) -> list[str]:
    stop = {"the", "a", "an", "of", "to", "in", "on", "at", "for", "is", "are", "was", "were", "it", "its", "did", "does", "do",
            "what", "who", "when", "where", "why", "how", "which", "and", "or", "be", "been", "has", "have", "had", "with", "this", "that"}
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in stop and len(w) > 1]


def _replace_subject(previous_question: str, new: str, previous_short: str | None) -> str:
    """The previous question about ``new`` instead of what it was about."""
    names = names_in(previous_question)
    if names:
        return re.sub(re.escape(names[0]), new, previous_question, count=1)
    return f"{previous_question.rstrip('?. ')} ({new})?"


def rule_rewrite(question: str, previous_question: str | None, previous_answer: str = "", previous_short: str | None = None) -> str:
    """The deterministic rewrite used by the extractive engine (no model)."""
    q = question.strip()
    if not previous_question:
        return q
    if previous_short is None:  # a resumed session keeps the answer text: its first sentence when short
        first = re.split(r"(?<=[.!?])\s+", (previous_answer or "").strip(), maxsplit=1)[0].rstrip(".")
        previous_short = first if first and len(first.split()) <= 8 and not first.startswith("According to") else None
    how = depends_on_previous(q)
    if how is None:
        return q
    if how == "about":
        x = _ABOUT_RE.match(q).group(1).strip()
        x = _resolve_ordinals(x, previous_short) or x
        return _replace_subject(previous_question, x, previous_short)
    if how == "ordinal":
        resolved = _resolve_ordinals(q, previous_short, whole=False)
        if resolved is None:
            return q
        rest = _AND_RE.match(resolved)
        core = rest.group(1) if rest else resolved
        if len(re.findall(r"\w+", core)) <= 4 and not _VERBISH.search(core):  # "And the second one?"
            return _replace_subject(previous_question, core.strip(" ?.!"), previous_short)
        return resolved
    if how == "pronoun":
        used: set[str] = set()

        def sub(m):
            w = m.group(1)
            lw = w.lower()
            want = "person" if lw in _PERSON_PRONOUNS else "plural" if lw in _PLURAL_PRONOUNS else "thing"
            if _refers_inside(q, m.start(), want):
                return w
            name = _subject(previous_question, previous_short, previous_answer, want)
            if not name or (want == "thing" and name in used):
                return w  # "When did they announce it?": "it" is not "they" again
            used.add(name)
            after = q[m.end():].lstrip()
            possessive = lw in ("his", "their", "its", "hers", "theirs") or (
                lw == "her" and re.match(r"[a-z]", after) and not re.match(r"(?:and|or|in|on|at|to|for|with|from|by|after|before|when|about)\b", after))
            return name + ("'s" if possessive and lw not in ("hers", "theirs") else "")

        out = _PRONOUN_RE.sub(sub, q)
        return out[0].upper() + out[1:] if out else out
    # ellipsis: "And Albertsons?" -> the previous question about it; "In 2019?" / "How much?" -> completed
    frag = q.strip(" ?.!")
    m = _AND_RE.match(q)
    core = (m.group(1) if m else frag).strip(" ?.!")
    if _WH_ONLY.match(q):
        name = _subject(previous_question, previous_short, previous_answer, "thing")
        return f"{core[0].upper() + core[1:]} ({name})?" if name else q
    if names_in(core) and not re.match(r"(?:in|on|at|during|since|before|after)\b", core, re.I):
        return _replace_subject(previous_question, core, previous_short)
    core = core if names_in(core) else core[:1].lower() + core[1:]
    return f"{previous_question.rstrip('?. ')} {core}?"


def _resolve_ordinals(text: str, previous_short: str | None, whole: bool = True) -> str | None:
    items = _entities(previous_short)
    m = _ORDINAL_RE.search(text)
    if not m or not items:
        return None
    idx = _ORDINALS[(m.group(1) or m.group(2)).lower()]
    try:
        item = items[idx]
    except IndexError:
        return None
    return text[: m.start()] + item + text[m.end():]


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
