"""ask(): retrieve -> keyed context -> model or extractive engine -> citations parsed and checked.

The model's output is never trusted: keys it invented (or outside the context) are removed,
every sentence is checked against the sentences it cites (knowing the headings of their
articles, the question and the article around them), sentences without citations get them
attached afterwards from the best-supporting context sentences (or are flagged), and an answer
with no supported sentence becomes a refusal that keeps the rejected sentences and why.
Streaming and checking agree: sentences are buffered, checked, then handed to ``on_sentence``
as they complete.

The model is asked for JSON ({"short_answer", "sentences": [{"text", "keys"}]}) in the form
its server takes (assistant.llm.structured), else for the text protocol ("sentence [3].").
"""

from __future__ import annotations

import json
import re
import time
from typing import Callable

from .. import prompts, registry
from ..citations import SupportChecker
from ..errors import UsageError
from ..support.checker import Given
from ..types import Answer, AnswerSentence, Citation
from . import citing
from . import context as ctxmod
from . import extractive
from .citing import Plan, as_of_date, segments  # noqa: F401 - re-exported: the citing stage's names, here where answers use them

DEFAULT_K = 8
LOCAL_K = 4  # a small model on this machine reads ~20 prompt tokens/s: fewer passages by default



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
        self.t_system_json = prompts.load("system_json", d)
        self.t_answer = prompts.load("answer", d)
        self.refusal_text = prompts.load("refusal", d).render().strip()
        self.sentence_check = citing.SentenceCheck(library, self.checker)  # shares the checker (its threshold)

    @property
    def local(self) -> bool:
        return bool(self.llm is not None and getattr(self.llm, "is_local", False))

    # -- planning -----------------------------------------------------------------------
    def budget(self) -> int:
        """Tokens the context may use: the window minus the answer, the templates and a 10% margin;
        for a model on this machine at most ``local_context_tokens`` (it reads ~20 tokens/s)."""
        from ..tokens import count_tokens

        fixed = count_tokens(self.t_system_json.text) + count_tokens(self.t_answer.text) + 64
        full = max(256, int(0.9 * (self.settings.context_window - self.settings.max_answer_tokens - fixed)))
        return min(full, self.settings.local_context_tokens) if self.local else full

    def default_k(self, engine: str | None = None) -> int:
        spec = registry.engine(engine, self.settings, have_model=self.llm is not None or None)
        return LOCAL_K if spec.uses_model and self.local else DEFAULT_K

    def plan(self, question: str, filters, k: int | None = None, budget: int | None = None, passages=None, mode: str | None = None) -> Plan:
        question = (question or "").strip()
        if not question:
            raise UsageError("the question is empty", 'e.g. assistant ask "Who is the governor of Puerto Rico?"')
        from ..retrieve import recency

        tw = recency.split(question)  # "this week", "recently": a recency preference, not words to match
        k = k or self.default_k()
        anchor = recency.anchor_ts(filters, self.lib.conn) if tw.window_days is not None else None
        # the question's date, which makes a far older report stale (extractive.stale): with time words
        # their anchor, else only an explicit --as-of (an archive asked without one has no "now")
        asked_on = anchor if anchor is not None else getattr(filters, "as_of_ts", None)
        if passages is None:
            if tw.window_days is None:
                passages = self.retriever.search(tw.query, k=k, filters=filters, per_article=2)
            else:
                found = self.retriever.search(tw.query, k=2 * k, filters=filters, per_article=2)
                passages = recency.prefer(found, anchor, tw.window_days)[:k]
        ctx = self.build_context(passages, budget, tw.query, focus=budget is None)
        as_of = as_of_date(filters, [p.published for p in passages])
        mode = mode or (citing.response_modes(self.settings, self.llm)[0][0] if self.llm is not None else "text")
        return Plan(question, passages, ctx, self.messages(mode, ctx.text, question, as_of), as_of, mode, match=tw.query,
                    recency=(anchor, tw.window_days) if anchor is not None and tw.window_days is not None else None, anchor=asked_on)

    def build_context(self, passages, budget: int | None, question: str, focus: bool = True) -> ctxmod.Context:
        """The keyed context: for a model on this machine, the sentences that best match the
        question and their neighbours within ``local_focus_tokens`` (0: whole passages); else
        whole passages within the budget."""
        tokens = self.settings.local_focus_tokens
        if focus and self.local and tokens > 0 and question:
            return ctxmod.build_focused(passages, min(tokens, budget or self.budget()), lambda texts: self.checker.relevance(question, texts),
                                       article=self.lib.sentences)
        return ctxmod.build(passages, budget or self.budget())

    def messages(self, mode: str, context_text: str, question: str, as_of: str) -> list[dict]:
        system = self.t_system if mode == "text" else self.t_system_json
        when = f"{as_of}" if as_of else "the date of the newest source"
        return [
            {"role": "system", "content": system.render(refusal=prompts.REFUSAL_SENTINEL, as_of=when)},
            {"role": "user", "content": self.t_answer.render(context=context_text, question=question, as_of=when)},
        ]

    # -- answering ----------------------------------------------------------------------
    def ask(self, question: str, filters=None, engine: str | None = None, k: int | None = None, strict: bool = False,
            on_sentence: Callable[[AnswerSentence, list[Citation]], None] | None = None) -> Answer:
        spec = registry.engine(engine, self.settings, have_model=self.llm is not None)
        engine = spec.name
        k = k or self.default_k(engine)
        if spec.uses_model and hasattr(self.llm, "prepare"):
            self.llm.prepare()  # the HTTP client is imported while the passages are retrieved
        t0 = time.monotonic()
        plan = self.plan(question, filters, k, budget=None if spec.uses_model else self._full_budget())
        planned = time.monotonic() - t0
        as_of = filters.as_of if filters else None
        answer = Answer(question=plan.question, answer="", refused=False, engine=engine,
                        model=self.llm.model if spec.uses_model else None, as_of=as_of, prompt=plan.messages)
        if not plan.context.items:
            return self._refuse(answer, "no article in scope matched the question")
        if not spec.uses_model:
            return self._extractive(answer, plan, on_sentence)
        answer = self._llm(answer, plan, filters, k, strict, on_sentence)
        answer.usage["context_seconds"] = round(planned, 2)  # retrieval and the context: where the time went besides the model
        return answer

    def _full_budget(self) -> int:
        local = self.llm
        try:
            self.llm = None
            return self.budget()
        finally:
            self.llm = local

    @staticmethod
    def _rejected(s, plan: Plan | None, default: str = "not supported by the cited sources") -> dict:
        """A turned-down sentence as JSON shows it: the keys the model wrote, else the context keys of its citations."""
        key_of = {k.sentence.id: key for key, k in plan.context.items.items()} if plan else {}
        keys = list(getattr(s, "keys", None) or []) or [key_of.get(c, c) for c in s.citations]
        return {"text": s.text, "keys": [str(k) for k in keys], "reason": "; ".join(s.reasons) or default}

    def _refuse(self, answer: Answer, why: str, plan: Plan | None = None) -> Answer:
        # what was turned down stays visible (JSON "rejected"), so a user or a script can see why
        answer.refused = True
        answer.answer = self.refusal_text
        rejected = [s for s in answer.sentences if not s.supported or s.reasons]
        answer.sentences = []
        answer.citations = []
        answer.short_answer = None
        answer.rejected += [self._rejected(s, plan) for s in rejected]
        answer.notes.append(f"refused: {why}")
        return answer

    def extractive_inputs(self, plan: Plan):
        """What the extractive engine decides on: (question to match, evidence items, their texts,
        scores, (article, position) of each, the indices of stale reports); the answers eval replays
        its threshold from these."""
        from ..retrieve import recency

        items = list(plan.context.evidence.values())
        ranks = []
        for k in items:  # rank of the passage each sentence came from
            ranks.append(next((i for i, p in enumerate(plan.passages) if p.article_id == k.sentence.article_id and k.sentence.id in p.sentence_ids), 0))
        texts = [k.sentence.text for k in items]
        emb, _ = extractive.settings_for(self.embedder)
        q = plan.match or plan.question
        where = [(k.sentence.article_id, k.sentence.index) for k in items]
        scored = extractive.score(q, texts, ranks, emb)
        if plan.recency is not None:
            # "this week": a sentence from a report outside the window counts for less (and a
            # question only old reports match is refused rather than answered with old news)
            anchor, window = plan.recency
            extractive.prefer_recent(scored, [recency.published_ts(k.published) for k in items], anchor, window)
        # reports far older than the question's date are about earlier events (extractive.stale)
        stale = extractive.stale(plan.question, [recency.published_ts(k.published) for k in items], plan.anchor,
                                 plan.recency[1] if plan.recency else None)
        return q, items, texts, scored, where, stale

    def _extractive(self, answer: Answer, plan: Plan, on_sentence) -> Answer:
        q, items, texts, scored, where, stale = self.extractive_inputs(plan)
        _, min_score = extractive.settings_for(self.embedder)
        d = extractive.decide(q, texts, scored, min_score, where, stale=stale)
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
        latest = [plan]  # a context halved for one form stays halved for the next

        def attempt(mode: str):
            plan = latest[0]
            if mode != plan.mode:
                plan = Plan(plan.question, plan.passages, plan.context, self.messages(mode, plan.context.text, plan.question, plan.as_of), plan.as_of, mode, match=plan.match, recency=plan.recency)
            answer.prompt = plan.messages
            try:
                return plan, self._call(answer, plan, stream, on_sentence)
            except ContextTooLong:
                # shrink the context to half and retry once
                smaller = self.build_context(plan.passages, max(128, plan.context.tokens // 2), plan.match or plan.question, focus=plan.context.focused)
                answer.notes.append("the context was too long for the model; retried with half of it")
                plan = latest[0] = Plan(plan.question, plan.passages, smaller, self.messages(mode, smaller.text, plan.question, plan.as_of), plan.as_of, mode, match=plan.match, recency=plan.recency)
                answer.prompt = plan.messages
                return plan, self._call(answer, plan, stream, on_sentence)

        _, (plan, reply) = citing.first_form_taken(self.settings, self.llm, attempt)
        answer.raw_reply = reply
        return self.check_reply(answer, plan, reply, strict, on_sentence if not stream else None, streamed=stream, mode=plan.mode)

    def _response_format(self, mode: str) -> dict | None:
        from ..llm import structured

        return structured.response_format(mode, structured.ANSWER_SCHEMA)

    def _call(self, answer: Answer, plan: Plan, stream: bool, on_sentence) -> str:
        rf = self._response_format(plan.mode)
        if not stream:
            c = self.llm.complete(plan.messages, max_tokens=self.settings.max_answer_tokens, response_format=rf)
            answer.usage = {"prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens}
            if getattr(c, "first_token_seconds", None) is not None:
                answer.usage["first_token_seconds"] = round(c.first_token_seconds, 2)
            answer.model = c.model or answer.model
            return c.text
        # streaming: check each sentence as soon as the next one has begun, then hand it on
        s = self.llm.stream(plan.messages, max_tokens=self.settings.max_answer_tokens, response_format=rf)
        buf = ""
        self._stream_state = {"done": 0, "numbering": {}, "held": [], "any_supported": False, "cb": on_sentence}
        for delta in s:
            buf += delta
            if prompts.REFUSAL_SENTINEL.startswith(buf.strip()):
                continue  # could still become the refusal sentinel
            complete = segments(buf, plan.mode, final=False)
            if complete[self._stream_state["done"]:] and self._stream_state["done"] == 0 and plan.mode != "text":
                self._quote_first(answer, plan, buf, complete[0])
            for seg in complete[self._stream_state["done"]:]:
                self._emit_streamed(answer, plan, seg)
                self._stream_state["done"] += 1
        answer.usage = {"prompt_tokens": s.prompt_tokens, "completion_tokens": s.completion_tokens}
        if getattr(s, "first_token_seconds", None) is not None:
            answer.usage["first_token_seconds"] = round(s.first_token_seconds, 2)
        return buf

    def _quote_first(self, answer, plan, buf: str, first) -> None:
        """Streaming a JSON reply whose short answer came first: when the first sentence does not
        state it, show the source sentence that does before anything else."""
        st = self._stream_state
        m = re.search(r'"short_answer"\s*:\s*"((?:[^"\\]|\\.)*)"', buf)
        if st.get("quoted") or not m:
            return
        try:
            short = json.loads('"' + m.group(1) + '"').strip()
        except ValueError:
            return
        if not short or (" " + _norm(short) + " ") in (" " + _norm(first.text) + " "):
            return
        quote = self._quote_short_answer(plan, {"short_answer": short}, answer)
        if quote is None:
            return
        st["quoted"] = True
        answer.sentences.append(quote)
        self._number(answer, quote, plan, st["numbering"])
        st["any_supported"] = True
        st["cb"](quote, answer.citations)

    def _emit_streamed(self, answer, plan, seg):
        st = self._stream_state
        sent = self.check_segment(answer, plan, seg)
        if sent is None:
            return
        answer.sentences.append(sent)
        if sent.supported and (not plan.question or self.about(plan, sent)):
            st["any_supported"] = True  # a supported sentence about something else is held like an unsupported one
        self._number(answer, sent, plan, st["numbering"])
        if not st["any_supported"]:
            st["held"].append(sent)  # unsupported sentences wait until something is supported
            return
        for held in st["held"] + [sent]:
            st["cb"](held, answer.citations)
        st["held"] = []

    def check_reply(self, answer: Answer, plan: Plan, reply: str, strict: bool = False, on_sentence=None, streamed: bool = False,
                    mode: str = "text") -> Answer:
        """The model's whole reply made into the answer: its sentences checked against what they
        cite (citations attached afterwards where they are missing or wrong), numbered, and a
        refusal when nothing is supported. Briefings call it with ``Plan.for_briefing``."""
        from ..llm import structured

        text = reply.strip()
        if not text or text.strip(" .") == prompts.REFUSAL_SENTINEL or (prompts.REFUSAL_SENTINEL in text and len(text) < len(prompts.REFUSAL_SENTINEL) + 20):
            return self._refuse(answer, "the model found no answer in the sources", plan)
        doc = structured.parse(text) if mode != "text" else None
        answer.usage["reply_form"] = mode if doc is not None or mode == "text" else "text (not the JSON asked for)"
        if mode != "text" and doc is None:
            answer.notes.append("the reply was not the JSON asked for; read as text with [n] keys")
        if doc is not None and not doc["sentences"]:
            return self._refuse(answer, "the model found no answer in the sources", plan)
        segs = segments(text, mode, final=True)
        if streamed:
            st = self._stream_state
            for seg in segs[st["done"]:]:
                self._emit_streamed(answer, plan, seg)
            numbering = st["numbering"]
        else:
            numbering = {}
            for seg in segs:
                sent = self.check_segment(answer, plan, seg)
                if sent is not None:
                    answer.sentences.append(sent)
        invented = sum(1 for n in answer.notes if n.startswith("removed key"))
        if strict:
            dropped = [s for s in answer.sentences if not s.supported]
            answer.sentences = [s for s in answer.sentences if s.supported]
            answer.rejected += [self._rejected(s, plan) for s in dropped]
            if dropped:
                answer.notes.append(f"--strict removed {len(dropped)} unsupported sentence(s)")
        quote = None if streamed and self._stream_state.get("quoted") else self._quote_short_answer(plan, doc, answer)
        if quote is not None:
            answer.sentences.insert(0, quote)
            if streamed:
                self._number(answer, quote, plan, self._stream_state["numbering"])
                st = self._stream_state
                for held in [quote] + st["held"]:
                    st["cb"](held, answer.citations)
                st["held"], st["any_supported"] = [], True
        if plan.question and any(s.supported for s in answer.sentences) and not any(
                s.supported and self.about(plan, s) for s in answer.sentences):
            # supported, but about something else (a copied sentence from another story)
            for s in answer.sentences:
                s.reasons = (s.reasons or []) + ["shares no word with the question" if not on_topic(plan.question, s.text)
                                                 else "its sources name none of the names the question gives"]
            return self._refuse(answer, "the supported sentences do not address the question", plan)
        if not any(s.supported for s in answer.sentences):
            if not answer.sentences and answer.rejected:
                return self._refuse(answer, "the model said the sources do not answer the question", plan)
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
        answer.short_answer = self._short_answer(plan, doc, answer)
        if answer.attached_after:
            answer.notes.append(f"{answer.attached_after} sentence(s) had citations attached afterwards")
        flagged = sum(1 for s in answer.sentences if not s.supported)
        if flagged:
            answer.notes.append(f"{flagged} sentence(s) are not supported by their sources (flagged)")
        return answer

    def _quote_short_answer(self, plan: Plan, doc: dict | None, answer: Answer) -> AnswerSentence | None:
        """Small models often give the right short answer and copy the wrong sentence. When the
        short answer is not in a supported sentence of the reply, quote the context sentence
        that states it (word for word) and is about the question; else nothing."""
        short = (doc or {}).get("short_answer")
        if not short or not plan.question or len(short.split()) > 16:
            return None
        want = " " + _norm(short) + " "
        if want.strip() == "" or any(want in " " + _norm(s.text) + " " for s in answer.sentences if s.supported):
            return None
        cands = [k for k in plan.context.evidence.values() if want in " " + _norm(k.sentence.text) + " " and on_topic(plan.question, k.sentence.text)]
        if not cands:
            return None
        rel = self.checker.relevance(plan.question, [k.sentence.text for k in cands])
        k = cands[max(range(len(cands)), key=lambda i: rel[i])]
        who = ", ".join(x for x in (k.source, k.published) if x) or "an undated source"
        sent = AnswerSentence(text=f"According to {who}: “{k.sentence.text}”", citations=[k.sentence.id])
        answer.notes.append(f"the model's short answer {short!r} is quoted from the source that states it")
        return sent

    def _short_answer(self, plan: Plan, doc: dict | None, answer: Answer) -> str | None:
        """The model's short answer when the supported sentences bear it out, else the answer
        phrase of the first supported sentence (assistant.answer.short, when present)."""
        from ..support import rules
        from ..support.checker import lexical_recall
        from ..support.text import content_stems

        supported = [s.text for s in answer.sentences if s.supported]
        if not supported:
            return None
        short = (doc or {}).get("short_answer")
        if short and len(short.split()) <= 12:
            pool = " ".join(supported)
            ok = (not rules.check_numbers(short, pool)[1] and not rules.check_names(short, pool)[1]
                  and (lexical_recall(content_stems(short), pool) >= 0.5 or not content_stems(short)))
            if ok:
                return short.strip().rstrip(".")
            answer.notes.append(f"the model's short answer {short!r} is not in its supported sentences; not shown")
        try:
            from .short import short_answer  # the extractive engine's answer phrase
        except ImportError:
            return None
        try:
            return short_answer(plan.question, supported[:1])
        except Exception:
            return None

    def about(self, plan: Plan, sent: AnswerSentence) -> bool:
        """Is a supported sentence about what was asked? It shares a content word with the question
        and, when the question names someone or something ("... in Lahore?"), its sources' articles
        (title, heading, text before it) name at least one of them: a sentence about an asteroid's
        "score" does not answer a question about a cricket match in Lahore."""
        from ..support import rules

        if not on_topic(plan.question, sent.text):
            return False
        runs = rules.names(plan.question)
        if not runs:
            return True
        by_id = plan.context.by_sentence_id()
        keyed = [by_id[c] for c in sent.citations if c in by_id]
        g = self.given(plan, keyed)
        pool = " ".join([g.header, g.article] + [k.sentence.text for k in keyed]).lower()  # the sources', not the model's words

        def found(w: str) -> bool:  # a hyphenated compound by its parts, as the check does ("British-Belgian")
            return bool(re.search(r"(?<!\w)" + re.escape(w.lower()) + r"(?!\w)", pool)) or (
                bool(rules.name_parts(w)) and rules.name_word_found(w, pool))

        def named(run: list[str]) -> bool:  # as the check finds a name: its last word, or half its words
            hits = [found(w) for w in run]
            return hits[-1] or 2 * sum(hits) >= len(hits)
        return any(named(run) for run in runs)

    def given(self, plan: Plan, keyed: list) -> Given:
        return self.sentence_check.given(plan, keyed)

    def check_segment(self, answer: Answer, plan: Plan, seg) -> AnswerSentence | None:
        """One sentence of the reply through the citing stage's check (citing.SentenceCheck)."""
        return self.sentence_check.check_segment(answer, plan, seg)

    def _number(self, answer: Answer, sent: AnswerSentence, plan: Plan, numbering: dict[str, int]) -> None:
        by_id = plan.context.by_sentence_id()
        citing.number(answer, sent, numbering, lambda sid: (by_id[sid], by_id[sid].sentence))


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).split())


_GENERIC = {"people", "many", "much", "year", "week", "day", "time", "new", "first", "last", "happen", "report", "news",
            "kill", "name", "number", "plan", "announc", "make", "take", "get", "call", "country", "world", "thing"}


def on_topic(question: str, sentence: str) -> bool:
    """Does the sentence share a content word (not a generic one) with the question?"""
    from ..support.text import content_stems, stem_match

    q = {s for s in content_stems(question) if s not in _GENERIC}
    if not q:
        return True
    pool = set(content_stems(sentence))
    prefixes = {s[:5] for s in pool if len(s) >= 6}
    return any(stem_match(s, pool, prefixes) for s in q)
