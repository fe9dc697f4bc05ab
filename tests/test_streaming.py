"""Streaming as an iterable: a.ask(q, stream=True) yields checked sentences as they pass and,
once consumed, holds the whole answer; brief(..., stream=True) the same for points."""

from __future__ import annotations

import dataclasses
import re
import threading

import pytest

Q_OK = "Which nerve agent poisoned Alexei Navalny?"


class GatedLLM:
    """A chat model whose reply stops at a gate after the first sentence, until the test opens it."""

    model = "gated-model"
    base_url = "http://127.0.0.1:9/v1"  # never reached: it only names the server whose reply form is learned

    def __init__(self, parts):
        self.parts = parts  # streamed before the gate, after the gate
        self.gate = threading.Event()
        self.finished = False

    def stream(self, messages, max_tokens=None, temperature=0.0, response_format=None):
        llm = self

        class _Stream:
            prompt_tokens, completion_tokens = 11, 7

            def __iter__(self):
                yield llm.parts[0]
                assert llm.gate.wait(60), "the test never opened the gate"  # a guard against a hang, not a timing
                yield from llm.parts[1:]
                llm.finished = True

        return _Stream()


def key_of(a, question, word):
    """The context key of the first sentence containing ``word`` in the prompt for ``question``."""
    prompt = a.context(question).messages[-1]["content"]
    return re.search(r"^\[(\d+)\] [^\n]*" + word, prompt, re.M).group(1)


@pytest.fixture
def api(seeded, home):
    from assistant import Assistant

    with Assistant() as a:
        yield a


def test_extractive_stream_is_the_answer(api):
    from assistant import AnswerStream

    r = api.ask(Q_OK, stream=True)
    assert isinstance(r, AnswerStream)
    got = list(r)
    assert got and got == r.answer.sentences and r.citations == r.answer.citations
    assert r.answer.to_dict() == api.ask(Q_OK).to_dict() == r.to_dict()
    assert list(r) == got  # consumed: iterating again gives the same sentences

    refused = api.ask("What is the airspeed of an unladen swallow?", stream=True)
    assert list(refused) == [] and refused.answer.refused


def test_llm_sentences_arrive_before_the_model_finishes(api):
    k_agent = key_of(api, Q_OK, "Novichok")
    llm = GatedLLM([f"Russian opposition leader Alexei Navalny was poisoned with Novichok [{k_agent}]. The German",
                    f" government said Alexei Navalny was poisoned with Novichok [{k_agent}]."])
    api.llm = lambda: llm
    api.settings = dataclasses.replace(api.settings, response_format="text")  # a text-protocol model ("sentence [3].")
    r = api.ask(Q_OK, engine="llm", stream=True)
    it = iter(r)
    first = next(it)
    assert "Novichok" in first.text and first.supported and first.citations
    assert not llm.finished  # the first sentence passed while the model was still writing
    assert [c.n for c in r.citations] == [1]
    llm.gate.set()
    rest = list(it)
    assert llm.finished and r.answer.sentences == [first, *rest] and len(rest) == 1
    assert r.answer.engine == "llm" and r.answer.model == "gated-model" and r.answer.usage["completion_tokens"] == 7


def test_breaking_off_cancels_the_rest(api):
    k_agent = key_of(api, Q_OK, "Novichok")
    llm = GatedLLM([f"Russian opposition leader Alexei Navalny was poisoned with Novichok [{k_agent}]. The German",
                    f" government said Alexei Navalny was poisoned with Novichok [{k_agent}]. Again, the",
                    f" German government said Alexei Navalny was poisoned with Novichok [{k_agent}]."])
    api.llm = lambda: llm
    api.settings = dataclasses.replace(api.settings, response_format="text")  # a text-protocol model ("sentence [3].")
    r = api.ask(Q_OK, engine="llm", stream=True)
    for sentence in r:
        llm.gate.set()  # the model may go on; the stream hands over nothing more unasked
        break
    assert [c.n for c in r.citations] == [1]
    with pytest.raises(RuntimeError, match="closed before it finished"):
        r.answer
    assert api.ask(Q_OK).citations  # the Assistant is free again


def test_errors_surface_where_you_iterate(api):
    from assistant.errors import UsageError

    r = api.ask("   ", stream=True)
    with pytest.raises(UsageError, match="the question is empty"):
        list(r)
    with pytest.raises(UsageError, match="the question is empty"):
        r.answer
    with pytest.raises(UsageError, match="not both"):
        api.ask(Q_OK, stream=True, on_sentence=print)
    with pytest.raises(UsageError):  # bad filters fail at once, before any thread
        api.ask(Q_OK, stream=True, since="someday")


def test_briefing_stream(api):
    from assistant import BriefingStream

    b = api.brief("Navalny", length=3, stream=True)
    assert isinstance(b, BriefingStream)
    points = list(b)
    assert points and points == b.briefing.sentences and b.briefing.topic == "Navalny"
    assert b.briefing.to_dict() == api.brief("Navalny", length=3).to_dict()
    nothing = api.brief("Navalny", since="2030-01-01", stream=True)
    assert list(nothing) == [] and nothing.briefing.empty


def test_the_callback_stays_a_thin_adapter(api):
    seen = []
    r = api.ask(Q_OK, on_sentence=lambda s, cites: seen.append((s, [c.n for c in cites])))
    assert [s for s, _ in seen] == r.sentences and seen[0][1] == [1]
