"""brief(): what the library's news says, on everything or a topic, every sentence cited.

Scope: the latest revision of each article in the date window (or as of a date), narrowed to
articles that mention the topic. Copies of one text are briefed once; articles of one story
give one point, taken from the story's most recent report (so a superseded figure is not
stated as current) and citing every outlet that carries it; where an earlier report in the
story says something the later one contradicts (a number, a name, a negation), the briefing
says so and cites both.

Engines: extractive (default with no model) selects salient, non-redundant sentences with
assistant.brief.extractive; llm writes from a keyed context with prompts/brief*.txt and goes
through the same citation check as answers. When the sources exceed the model's context, a
map-reduce path writes cited notes per group of stories, then a briefing from the notes; keys
are global, so citations stay valid through both stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import prompts, registry
from ..answer import citing
from ..citations import SupportChecker
from ..errors import NothingToBrief, UsageError
from ..library import search as store_search
from ..library.news import groups_for
from ..tokens import count_tokens
from ..types import Answer, AnswerSentence, Sentence
from . import extractive

DEFAULT_LENGTH = 8
MAX_LENGTH = 50
MAX_SENTENCES_PER_ARTICLE = 30
LOCAL_LEAD = 4  # sentences per article given to a small local model (news puts what matters first)


@dataclass
class Doc:
    article_id: str
    revision: int
    title: str
    source: str
    url: str
    published: str | None
    published_ts: float | None
    sentences: list[Sentence]
    story: str
    copies: list[str] = field(default_factory=list)
    copy_docs: list["Doc"] = field(default_factory=list)  # the same text at other outlets: cited, not briefed again


@dataclass
class Estimate:
    calls: int
    prompt_tokens: int
    completion_tokens: int
    groups: int
    map_reduce: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Briefer:
    def __init__(self, library, retriever, embedder, settings, llm=None):
        from ..answer.pipeline import Answerer

        # the answerer gives the token budget and checks the llm engine's reply (citing.py: one check for both)
        self.answerer = Answerer(library, retriever, embedder, settings, llm)
        self.lib, self.settings, self.llm = library, settings, llm
        self.checker = SupportChecker(None)  # lexical + rules: fast enough for every point
        d = settings.prompts_dir or None
        self.t_system = prompts.load("brief_system", d)
        self.t_brief = prompts.load("brief", d)
        self.t_notes = prompts.load("brief_notes", d)
        self.mode: str | None = None  # the structured form the server takes, once known

    # -- scope --------------------------------------------------------------------------
    def scope(self, topic: str | None, filters) -> list[Doc]:
        conn = self.lib.conn
        rows = store_search.searchable_revisions(conn, filters)
        if topic:
            # articles that mention the topic (full-text match), best first
            from ..retrieve.lexical import search as lexical_search

            hits = lexical_search(conn, topic, filters, 400)
            order: list[str] = []
            for cid, _ in hits:
                a = cid.split("@", 1)[0]
                if a not in order:
                    order.append(a)
            rank = {a: i for i, a in enumerate(order)}
            rows = sorted([r for r in rows if r["article_id"] in rank], key=lambda r: rank[r["article_id"]])
        groups = groups_for(conn, [r["article_id"] for r in rows])
        docs: list[Doc] = []
        representative: dict[str, Doc] = {}
        for r in rows:
            a = r["article_id"]
            copies, story = groups.get(a, ([], None))
            sents = self.lib.sentences(a, r["revision"])[:MAX_SENTENCES_PER_ARTICLE]
            doc = Doc(a, r["revision"], r["title"], r["source"], r["url"], r["published"], r["published_ts"], sents, story or f"article:{a}", [c for c in copies if c != a])
            if a in representative:
                representative[a].copy_docs.append(doc)  # a copy of a text already in scope: cited through that one
                continue
            for c in doc.copies:
                representative.setdefault(c, doc)
            docs.append(doc)
        return docs

    # -- public -------------------------------------------------------------------------
    def brief(self, topic: str | None, filters, length: int | None = None, engine: str | None = None,
              max_tokens: int | None = None, dry_run: bool = False, on_sentence=None) -> Answer:
        length = DEFAULT_LENGTH if length is None else length
        if not 1 <= length <= MAX_LENGTH:
            raise UsageError(f"--length must be between 1 and {MAX_LENGTH} sentences, got {length}", "e.g. --length 8")
        spec = registry.engine(engine, self.settings, have_model=self.llm is not None)
        engine = spec.name
        docs = self.scope(topic, filters)
        if not docs:
            what = f"about {topic!r} " if topic else ""
            raise NothingToBrief(f"nothing to brief: no article {what}in scope", "widen the date window, change the topic, or ingest articles")
        answer = Answer(question=topic or None, answer="", refused=False, engine=engine,
                        model=self.llm.model if spec.uses_model else None, as_of=filters.as_of)
        if not spec.uses_model:
            if dry_run:
                answer.notes.append(f"dry run: {len(docs)} article(s) in scope; the extractive engine makes no model calls")
                answer.usage = {"prompt_tokens": 0, "completion_tokens": 0, "estimate": Estimate(0, 0, 0, 1, False).to_dict()}
                return answer
            return self._extractive(answer, docs, topic, length, on_sentence)
        return self._llm(answer, docs, topic, length, filters, max_tokens, dry_run, on_sentence)

    # -- extractive ---------------------------------------------------------------------
    def _extractive(self, answer: Answer, docs: list[Doc], topic, length: int, on_sentence) -> Answer:
        by_story: dict[str, list[Doc]] = {}
        for d in docs:
            by_story.setdefault(d.story, []).append(d)
        latest = {s: max(ds, key=lambda d: (d.published_ts or 0, d.article_id)) for s, ds in by_story.items()}
        # each story speaks through its most recent report: a superseded figure is not stated as current
        cands = []
        for s, d in latest.items():
            for i, sent in enumerate(d.sentences):
                cands.append(extractive.Candidate(sent.id, sent.text, d.article_id, i, len(d.sentences), d.published_ts, s))
        # one point per story when there are several; a single story gets the whole length
        n_main = min(length, len(latest)) if len(latest) > 1 else length
        weight = {s: story_weight(ds, d_latest=latest[s]) for s, ds in by_story.items()}
        if not topic and len(latest) > 2 * n_main:
            # no topic: what is news is recent and carried widely; brief from the stories that
            # rank highest on both, not from whatever is most "salient" across years of articles
            newest = max((d.published_ts or 0) for d in latest.values())
            keep = set(sorted(latest, key=lambda s: (-story_priority(latest[s], weight[s], newest), s))[: 2 * n_main])
            cands = [c for c in cands if c.story in keep]
        chosen = extractive.select(cands, n_sentences=n_main, query=topic)
        # points newest first (the day of the story's latest report), heavier stories first within a day
        chosen = sorted(extractive.order_for_briefing(chosen), key=lambda c: (-_day(latest[c.story].published_ts), -weight[c.story]))
        doc_of = {d.article_id: d for d in docs}
        numbering: dict[str, int] = {}
        index = self._index(docs)
        room_for_notes = max(0, length - len(chosen))  # "earlier reports" notes count against --length
        for c in chosen:
            d = doc_of[c.article_id]
            sent = next(x for x in d.sentences if x.id == c.id)
            cited = [sent.id]
            # every outlet carrying the point: copies and other reports of the story that support it
            others = d.copy_docs + [o for o in by_story[d.story] if o.article_id != d.article_id]
            for o in others:
                idx = self.checker.best_support(sent.text, [x.text for x in o.sentences], k=1, min_score=0.5)
                if idx and self.checker.check(sent.text, [o.sentences[idx[0]].text]).supported:
                    cited.append(o.sentences[idx[0]].id)
            point = AnswerSentence(text=f"{_who(d)}: “{sent.text}”", citations=cited)
            self._emit(answer, point, index, numbering, on_sentence)
            # an earlier report of the story that says otherwise: say so, cite both, dated
            for o in sorted(by_story[d.story], key=lambda x: x.published_ts or 0):
                if o.article_id == d.article_id or (o.published_ts or 0) >= (d.published_ts or 0):
                    continue
                idx = self.checker.best_support(sent.text, [x.text for x in o.sentences[:8]], k=1, min_score=0.3)
                if not idx:
                    continue
                earlier = o.sentences[idx[0]]
                verdict = self.checker.check(earlier.text, [sent.text])
                if not verdict.supported and any(k in verdict.facts for k in ("number", "name", "negation")) and earlier.id not in cited:
                    if room_for_notes > 0:
                        note = AnswerSentence(text=f"Earlier, {_who(o)} had reported: “{earlier.text}”", citations=[earlier.id])
                        self._emit(answer, note, index, numbering, on_sentence)
                        room_for_notes -= 1
                    break
        answer.answer = " ".join(s.text for s in answer.sentences)
        if not answer.sentences:
            raise NothingToBrief("nothing to brief: no sentence in scope was worth reporting", "widen the scope")
        return answer

    @staticmethod
    def _index(docs: list[Doc]) -> dict:
        """sentence id -> (doc, sentence), copies included."""
        return {s.id: (d, s) for d0 in docs for d in [d0, *d0.copy_docs] for s in d.sentences}

    def _emit(self, answer: Answer, sent: AnswerSentence, index: dict, numbering: dict, on_sentence) -> None:
        def locate(sid: str):
            if sid in index:
                return index[sid]
            s = self.lib.sentence(sid)
            return self.lib.revision(s.article_id, s.revision), s  # a sentence outside the scope: its revision's heading

        citing.number(answer, sent, numbering, locate)
        answer.sentences.append(sent)
        if on_sentence:
            on_sentence(sent, answer.citations)

    # -- llm ----------------------------------------------------------------------------
    def keyed_context(self, docs: list[Doc], start_key: int = 1) -> citing.Context:
        """A keyed context grouped by story; keys are global across map-reduce groups."""
        ctx, blocks, n = citing.Context(), [], start_key - 1
        stories: dict[str, list[Doc]] = {}
        for d in docs:
            stories.setdefault(d.story, []).append(d)
        for docs_of_story in stories.values():
            for d in sorted(docs_of_story, key=lambda x: x.published_ts or 0):
                lines = []
                for s in d.sentences:
                    n += 1
                    ctx.items[str(n)] = citing.keyed(str(n), s, d.title, d.source, d.published, d.url)
                    lines.append((str(n), s.text))
                blocks.append(citing.render_passage(d.title, d.source, d.published, lines))
        ctx.text = "\n\n".join(blocks)
        ctx.tokens = count_tokens(ctx.text)
        return ctx

    def messages(self, template, ctx_text: str, topic, length: int, as_of: str):
        return [
            {"role": "system", "content": self.t_system.render(refusal=prompts.REFUSAL_SENTINEL, as_of=as_of)},
            {"role": "user", "content": template.render(context=ctx_text, topic=f" about {topic}" if topic else "", length=length, as_of=as_of)},
        ]

    def plan(self, docs: list[Doc], topic, length: int, as_of: str, max_tokens: int | None):
        """Groups of stories that each fit the context window, and the estimated spend."""
        budget = self.answerer.budget()
        full = self.keyed_context(docs)
        if full.tokens <= budget:
            msgs = self.messages(self.t_brief, full.text, topic, length, as_of)
            est = Estimate(1, sum(count_tokens(m["content"]) for m in msgs), self.settings.max_answer_tokens, 1, False)
            return [docs], full, est
        groups: list[list[Doc]] = [[]]
        used = 0
        for d in docs:
            cost = count_tokens("\n".join(s.text for s in d.sentences)) + 20
            if groups[-1] and used + cost > budget:
                groups.append([])
                used = 0
            groups[-1].append(d)
            used += cost
        prompt = sum(count_tokens(self.keyed_context(g).text) + 400 for g in groups)
        notes_tokens = self.settings.max_answer_tokens * len(groups)
        est = Estimate(len(groups) + 1, prompt + notes_tokens + 400, notes_tokens + self.settings.max_answer_tokens, len(groups), True)
        return groups, full, est

    def _llm(self, answer, docs, topic, length, filters, max_tokens, dry_run, on_sentence) -> Answer:
        if self.answerer.local:
            # a small model on this machine: each story speaks through its lead, in groups that fit
            # the local prompt budget (map-reduce), never one prompt of thousands of tokens
            docs = [Doc(d.article_id, d.revision, d.title, d.source, d.url, d.published, d.published_ts, d.sentences[:LOCAL_LEAD],
                        d.story, d.copies, d.copy_docs) for d in docs]
            answer.notes.append(f"a model on this machine: each article's first {LOCAL_LEAD} sentences, groups of at most {self.answerer.budget()} tokens")
        as_of = citing.as_of_date(filters, [d.published for d in docs]) or "the date of the newest source"
        groups, full, est = self.plan(docs, topic, length, as_of, max_tokens)
        while max_tokens is not None and est.prompt_tokens + est.completion_tokens > max_tokens and len(docs) > 1:
            docs = docs[: max(1, len(docs) * 3 // 4)]  # drop the least relevant / oldest articles until it fits
            groups, full, est = self.plan(docs, topic, length, as_of, max_tokens)
            answer.notes.append(f"--max-tokens: briefing the {len(docs)} most relevant article(s)")
        if max_tokens is not None and est.prompt_tokens + est.completion_tokens > max_tokens:
            raise UsageError(f"this briefing needs about {est.prompt_tokens + est.completion_tokens} tokens, over --max-tokens {max_tokens}",
                             "raise --max-tokens or narrow the scope (topic, --since, --article)")
        answer.usage = {"prompt_tokens": 0, "completion_tokens": 0, "estimate": est.to_dict()}
        if dry_run:
            answer.notes.append(f"dry run: {len(docs)} article(s), {est.groups} group(s), {est.calls} model call(s), "
                                f"about {est.prompt_tokens} prompt and {est.completion_tokens} completion tokens")
            answer.prompt = self.messages(self.t_brief, full.text if not est.map_reduce else "(notes from the map stage)", topic, length, as_of)
            return answer
        if not est.map_reduce:
            messages = self.messages(self.t_brief, full.text, topic, length, as_of)
            reply = self.complete(answer, messages, min_points=min(length, _stories(docs)))
        else:
            notes, cited = [], set()
            # every group is shown with the global keys, so citations survive both stages
            global_ids = {k.sentence.id: key for key, k in full.items.items()}
            for g in groups:
                text = self._context_text_with_keys(g, global_ids)
                r = self.complete(answer, self.messages(self.t_notes, text, topic, length, as_of), min_points=min(length, _stories(g)))
                for seg in citing.segments(r, self.mode or "text", final=True):
                    keys = [k for k in seg.keys if k in full.items]
                    if keys and seg.text.strip():
                        notes.append(seg.text.strip() + "".join(f" [{k}]" for k in keys))
                        cited.update(keys)
            # reduce: the sentences the notes cite, under their global keys, and the notes themselves
            kept = [Doc(d.article_id, d.revision, d.title, d.source, d.url, d.published, d.published_ts,
                        [x for x in d.sentences if global_ids[x.id] in cited], d.story) for d in docs]
            kept = [d for d in kept if d.sentences]
            notes_text = (self._context_text_with_keys(kept, global_ids)
                          + "\n\nNotes from the sources, each with the keys of its source sentences:\n" + "\n".join(f"- {n}" for n in notes))
            reply = self.complete(answer, self.messages(self.t_brief, notes_text, topic, length, as_of),
                                  min_points=min(length, _stories(kept), len(notes)))
            answer.notes.append(f"map-reduce: {len(groups)} group(s) of sources, {len(notes)} cited note(s)")
        plan = citing.Plan.for_briefing(full, as_of, self.mode)
        answer.raw_reply = reply
        out = self.answerer.check_reply(answer, plan, reply, on_sentence=on_sentence, mode=plan.mode)
        if out.refused:
            raise NothingToBrief("nothing to brief: the model found nothing in the sources it could support", "try the extractive engine: --engine extractive")
        return out

    def _context_text_with_keys(self, docs: list[Doc], global_ids: dict[str, str]) -> str:
        return "\n\n".join(citing.render_passage(d.title, d.source, d.published, [(global_ids[s.id], s.text) for s in d.sentences])
                             for d in docs)

    def complete(self, answer: Answer, messages, min_points: int = 1) -> str:
        """One model call in the structured form the server takes (learned once, as for answers);
        the schema asks for at least ``min_points`` sentences (one per story, up to the length)."""
        from ..errors import ContextTooLong
        from ..llm import structured

        def attempt(mode: str):
            msgs = messages if mode == "text" else _json_messages(messages)
            return msgs, self.llm.complete(msgs, max_tokens=self.settings.max_answer_tokens,
                                           response_format=structured.response_format(mode, structured.brief_schema(min_points), "cited_briefing"))

        try:
            self.mode, (messages, c) = citing.first_form_taken(self.settings, self.llm, attempt, known=self.mode)
        except ContextTooLong:
            raise UsageError("the briefing context is longer than the model's window", "lower context_window so the map-reduce path splits it: assistant config set context_window N")
        answer.usage["prompt_tokens"] = answer.usage.get("prompt_tokens", 0) + c.prompt_tokens
        answer.usage["completion_tokens"] = answer.usage.get("completion_tokens", 0) + c.completion_tokens
        answer.usage["calls"] = answer.usage.get("calls", 0) + 1
        answer.model = c.model or answer.model
        answer.prompt = messages
        return c.text


def _day(ts: float | None) -> int:
    return int(ts // 86400) if ts else -1  # undated stories last


def story_weight(docs: list[Doc], d_latest: Doc | None = None) -> float:
    """How widely a story is carried: distinct outlets (copies included) plus half the further reports."""
    all_docs = [x for d in docs for x in (d, *d.copy_docs)]
    outlets = {(x.source or "").lower().removeprefix("www.") for x in all_docs} - {""}
    return max(1, len(outlets)) + 0.5 * max(0, len(all_docs) - 1)


def story_priority(latest: Doc, weight: float, newest_ts: float) -> float:
    """Recency and weight in one number: the weight halves for every week the story is older than
    the newest report in scope (anchored at the scope, not the clock)."""
    age_days = max(0.0, (newest_ts - (latest.published_ts or 0)) / 86400) if latest.published_ts else 3650.0
    return weight * 0.5 ** (age_days / 7)
JSON_REPLY = ('\n\nReply with JSON only: {"sentences": [{"text": "...", "keys": [3, 7]}]}: one object per sentence, '
              'keys = the numbers of the source sentences that state it.')


def _json_messages(messages: list[dict]) -> list[dict]:
    """The same request, asking for the JSON the schema constrains."""
    out = [dict(m) for m in messages]
    out[-1]["content"] = out[-1]["content"].rstrip() + JSON_REPLY
    return out


def _stories(docs: list[Doc]) -> int:
    return len({d.story or d.article_id for d in docs}) or 1


def _who(d: Doc) -> str:
    return f"{d.source or 'an unnamed outlet'} ({d.published or 'undated'})"
