"""ask(): retrieve -> keyed context -> model or extractive engine -> citations parsed and checked.

The model's output is never trusted: keys it invented (or outside the context) are removed,
every sentence is checked against the sentences it cites, sentences without citations get
them attached afterwards from the best-supporting context sentences (or are flagged), and an
answer with no supported sentence becomes a refusal. Streaming and checking agree: sentences
are buffered, checked, then handed to ``on_sentence`` as they complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .. import prompts, registry
from ..citations import SupportChecker, parse_citations
from ..errors import UsageError
from ..types import Answer, AnswerSentence, Citation
from . import context as ctxmod
from . import extractive

DEFAULT_K = 8


@dataclass
class Plan:
    question: str
    passages: list
    context: ctxmod.Context
    messages: list[dict]
    match: str = ""  # the question without its time words: what sentences are matched against


class Answerer:
    def __init__(self, library, retriever, embedder, settings, llm=None):
        self.lib = library
        self.retriever = retriever
        self.embedder = embedder
        self.settings = settings
        self.llm = llm
        self.checker = SupportChecker(embedder)
        d = settings.prompts_dir or None
        self.t_system = prompts.load("system", d)
        self.t_answer = prompts.load("answer", d)
        self.refusal_text = prompts.load("refusal", d).render().strip()

    # -- planning -----------------------------------------------------------------------
    def budget(self) -> int:
        """Tokens the context may use: the window minus the answer, the templates and a 10% margin."""
        from ..tokens import count_tokens

        fixed = count_tokens(self.t_system.text) + count_tokens(self.t_answer.text) + 64
        return max(256, int(0.9 * (self.settings.context_window - self.settings.max_answer_tokens - fixed)))

    def plan(self, question: str, filters, k: int = DEFAULT_K, budget: int | None = None, passages=None) -> Plan:
        question = (question or "").strip()
        if not question:
            raise UsageError("the question is empty", 'e.g. assistant ask "Who is the governor of Puerto Rico?"')
        from ..retrieve import recency

        tw = recency.split(question)  # "this week", "recently": a recency preference, not words to match
        if passages is None:
            if tw.window_days is None:
                passages = self.retriever.search(tw.query, k=k, filters=filters, per_article=2)
            else:
                found = self.retriever.search(tw.query, k=2 * k, filters=filters, per_article=2)
                passages = recency.prefer(found, recency.anchor_ts(filters, self.lib.conn), tw.window_days)[:k]
        ctx = ctxmod.build(passages, budget or self.budget())
        as_of = filters.as_of if filters and filters.as_of else "today"
        messages = [
            {"role": "system", "content": self.t_system.render(refusal=prompts.REFUSAL_SENTINEL, as_of=as_of)},
            {"role": "user", "content": self.t_answer.render(context=ctx.text, question=question, as_of=as_of)},
        ]
        return Plan(question, passages, ctx, messages, tw.query)

    # -- answering ----------------------------------------------------------------------
    def ask(self, question: str, filters=None, engine: str | None = None, k: int = DEFAULT_K, strict: bool = False,
            on_sentence: Callable[[AnswerSentence, list[Citation]], None] | None = None) -> Answer:
        spec = registry.engine(engine, self.settings, have_model=self.llm is not None)
        engine = spec.name
        plan = self.plan(question, filters, k)
        as_of = filters.as_of if filters else None
        answer = Answer(question=plan.question, answer="", refused=False, engine=engine,
                        model=self.llm.model if spec.uses_model else None, as_of=as_of, prompt=plan.messages)
        if not plan.context.items:
            return self._refuse(answer, "no article in scope matched the question")
        if not spec.uses_model:
            return self._extractive(answer, plan, on_sentence)
        return self._llm(answer, plan, filters, k, strict, on_sentence)

    def _refuse(self, answer: Answer, why: str, plan: Plan | None = None) -> Answer:
        # what was turned down stays visible (JSON "rejected"), so a user or a script can see why
        key_of = {k.sentence.id: key for key, k in plan.context.items.items()} if plan else {}
        for s in answer.sentences:
            if not s.supported:
                answer.rejected.append({"text": s.text, "keys": [key_of.get(c, c) for c in s.citations],
                                        "reason": "; ".join(s.reasons) or "not supported by the cited sources"})
        answer.refused = True
        answer.answer = self.refusal_text
        answer.short_answer = None
        answer.sentences = []
        answer.citations = []
        answer.notes.append(f"refused: {why}")
        return answer

    def _extractive(self, answer: Answer, plan: Plan, on_sentence) -> Answer:
        items = list(plan.context.evidence.values())
        ranks = []
        for k in items:  # rank of the passage each sentence came from
            ranks.append(next((i for i, p in enumerate(plan.passages) if p.article_id == k.sentence.article_id and k.sentence.id in p.sentence_ids), 0))
        texts = [k.sentence.text for k in items]
        emb, min_score = extractive.settings_for(self.embedder)
        q = plan.match or plan.question
        where = [(k.sentence.article_id, k.sentence.index) for k in items]
        d = extractive.decide(q, texts, extractive.score(q, texts, ranks, emb), min_score, where)
        if not d.chosen:
            answer.rejected += [{"text": texts[i], "keys": [items[i].key], "reason": why} for i, why in d.rejected]
            return self._refuse(answer, d.refusal or "no source sentence answers the question")
        numbering: dict[str, int] = {}
        if d.short:
            # the answer first, in a few words, citing the sentence that holds it
            k = items[d.short_index]
            sent = AnswerSentence(text=d.short.rstrip(".") + ".", citations=[k.sentence.id])
            answer.short_answer = d.short
            answer.sentences.append(sent)
            self._number(answer, sent, plan, numbering)
            if on_sentence:
                on_sentence(sent, answer.citations)
        for i in d.chosen:
            k = items[i]
            who = ", ".join(x for x in (k.source, k.published) if x) or "an undated source"
            sent = AnswerSentence(text=f"According to {who}: “{k.sentence.text}”", citations=[k.sentence.id])
            answer.sentences.append(sent)
            self._number(answer, sent, plan, numbering)
            if on_sentence:
                on_sentence(sent, answer.citations)
        answer.answer = " ".join(s.text for s in answer.sentences)
        return answer

    def _llm(self, answer: Answer, plan: Plan, filters, k: int, strict: bool, on_sentence) -> Answer:
        from ..errors import ContextTooLong

        stream = on_sentence is not None and not strict
        try:
            reply = self._call(answer, plan, stream, on_sentence)
        except ContextTooLong:
            # shrink the context to half and retry once
            smaller = self.plan(plan.question, filters, k, budget=max(128, plan.context.tokens // 2), passages=plan.passages)
            answer.notes.append("the context was too long for the model; retried with half of it")
            answer.prompt = smaller.messages
            plan = smaller
            reply = self._call(answer, plan, stream, on_sentence)
        return self._finish(answer, plan, reply, strict, on_sentence if not stream else None, streamed=stream)

    def _call(self, answer: Answer, plan: Plan, stream: bool, on_sentence) -> str:
        if not stream:
            c = self.llm.complete(plan.messages, max_tokens=self.settings.max_answer_tokens)
            answer.usage = {"prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens}
            answer.model = c.model or answer.model
            return c.text
        # streaming: check each sentence as soon as the next one has begun, then hand it on
        s = self.llm.stream(plan.messages, max_tokens=self.settings.max_answer_tokens)
        buf = ""
        self._stream_state = {"done": 0, "numbering": {}, "held": [], "any_supported": False, "cb": on_sentence}
        for delta in s:
            buf += delta
            if prompts.REFUSAL_SENTINEL.startswith(buf.strip()):
                continue  # could still become the refusal sentinel
            segs = parse_citations(buf)
            # a sentence is complete once the next one has begun (its keys may trail its full stop)
            complete = segs[:-1] if len(segs) > 1 else []
            for seg in complete[self._stream_state["done"]:]:
                self._emit_streamed(answer, plan, seg)
                self._stream_state["done"] += 1
        answer.usage = {"prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens}
        return buf

    def _emit_streamed(self, answer, plan, seg):
        st = self._stream_state
        sent = self._check_segment(answer, plan, seg)
        if sent is None:
            return
        answer.sentences.append(sent)
        if sent.supported:
            st["any_supported"] = True
        self._number(answer, sent, plan, st["numbering"])
        if not st["any_supported"]:
            st["held"].append(sent)  # unsupported sentences wait until something is supported
            return
        for held in st["held"] + [sent]:
            st["cb"](held, answer.citations)
        st["held"] = []

    def _finish(self, answer: Answer, plan: Plan, reply: str, strict: bool, on_sentence, streamed: bool) -> Answer:
        text = reply.strip()
        if not text or text.strip(" .") == prompts.REFUSAL_SENTINEL or (prompts.REFUSAL_SENTINEL in text and len(text) < len(prompts.REFUSAL_SENTINEL) + 20):
            return self._refuse(answer, "the model found no answer in the sources")
        segs = parse_citations(text)
        if streamed:
            st = self._stream_state
            for seg in segs[st["done"]:]:
                self._emit_streamed(answer, plan, seg)
            numbering = st["numbering"]
        else:
            numbering = {}
            for seg in segs:
                sent = self._check_segment(answer, plan, seg)
                if sent is not None:
                    answer.sentences.append(sent)
        invented = sum(1 for n in answer.notes if n.startswith("removed key"))
        if strict:
            dropped = [s for s in answer.sentences if not s.supported]
            answer.sentences = [s for s in answer.sentences if s.supported]
            key_of = {k.sentence.id: key for key, k in plan.context.items.items()}
            answer.rejected += [{"text": s.text, "keys": [key_of.get(c, c) for c in s.citations],
                                 "reason": "; ".join(s.reasons) or "not supported by the cited sources"} for s in dropped]
            if dropped:
                answer.notes.append(f"--strict removed {len(dropped)} unsupported sentence(s)")
        if not any(s.supported for s in answer.sentences):
            return self._refuse(answer, "no sentence of the model's answer is supported by the cited sources"
                                + (f" ({invented} invented citation key(s) removed)" if invented else ""), plan)
        # number citations by first appearance (streaming numbered them already)
        if not streamed:
            answer.citations = []
            for sent in answer.sentences:
                self._number(answer, sent, plan, numbering)
                if on_sentence:
                    on_sentence(sent, answer.citations)
        else:
            keep = {c for s in answer.sentences for c in s.citations}
            answer.citations = [c for c in answer.citations if c.id in keep]
        answer.answer = " ".join(s.text for s in answer.sentences)
        if answer.attached_after:
            answer.notes.append(f"{answer.attached_after} sentence(s) had citations attached afterwards")
        flagged = sum(1 for s in answer.sentences if not s.supported)
        if flagged:
            answer.notes.append(f"{flagged} sentence(s) are not supported by their sources (flagged)")
        return answer

    def _check_segment(self, answer: Answer, plan: Plan, seg) -> AnswerSentence | None:
        text = seg.text.strip()
        if not text or text.strip(" .") == prompts.REFUSAL_SENTINEL:
            return None
        items = plan.context.evidence
        valid = [k for k in seg.keys if k in items]
        for bad in [k for k in seg.keys if k not in items]:
            if bad in plan.context.items:
                answer.notes.append(f"removed key [{bad}]: that source sentence addresses AI assistants; it is not evidence")
            else:
                answer.notes.append(f"removed key [{bad}]: not in the context")
        cited = [items[k].sentence.id for k in valid]
        sent = AnswerSentence(text=text, citations=cited)
        if cited:
            sup = self.checker.check(text, [items[k].sentence.text for k in valid])
            sent.supported, sent.reasons = sup.supported, list(sup.reasons)
            if sup.supported:
                return sent
        # no (valid) citation, or the cited sentences do not support it: look for support in the context
        keys = list(items)
        idx = self.checker.best_support(text, [items[k].sentence.text for k in keys], k=2)
        if idx:
            sup = self.checker.check(text, [items[keys[i]].sentence.text for i in idx])
            if sup.supported:
                sent.citations = [items[keys[i]].sentence.id for i in idx]
                sent.supported, sent.reasons, sent.attached_after = True, list(sup.reasons), True
                return sent
        sent.supported = False
        if not sent.reasons:
            sent.reasons = ["no source sentence in the context supports it"]
        return sent

    def _number(self, answer: Answer, sent: AnswerSentence, plan: Plan, numbering: dict[str, int]) -> None:
        by_id = plan.context.by_sentence_id()
        for sid in sent.citations:
            if sid in numbering:
                continue
            numbering[sid] = len(numbering) + 1
            k = by_id[sid]
            s = k.sentence
            answer.citations.append(Citation(id=sid, n=numbering[sid], article_id=s.article_id, revision=s.revision, title=k.title,
                                             source=k.source, published=k.published, url=k.url, text=s.text, start=s.start, end=s.end))
