"""Structured replies and waiting on a slow model, through the real openai client against the
fake server emulating each kind of server: json_schema (OpenAI, vLLM, Ollama), json_object +
schema only (llama-cpp-python, 500 on json_schema), text only (400 on response_format), and a
server that ignores response_format. Also the check on what real models write."""

import json

import pytest

from assistant.llm import structured
from assistant.support.checker import Given, SupportChecker
from tests.conftest import SEEDS

Q_NAVALNY = "Which nerve agent poisoned Alexei Navalny?"
MATTIS_Q = "Who did Jim Mattis meet during his visit to Pakistan?"


def chats(server):
    return [r for r in server.requests if r.path.endswith("/chat/completions")]


def form(req):
    rf = req.body.get("response_format")
    return rf["type"] if rf else "text"


@pytest.mark.parametrize("kind, forms", [
    ("json_schema", ["json_schema"]),
    ("json_object", ["json_schema", "json_object"]),
    ("text", ["json_schema", "json_object", "text"]),
    ("ignore", ["json_schema"]),
])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "stream"])
def test_each_server_kind_answers_and_the_form_is_learned_once(seeded, llm, home, kind, forms, as_json):
    llm.set_server_kind(kind)
    args = ["ask", Q_NAVALNY] + (["--json"] if as_json else [])
    r = seeded(*args)
    assert r.code == 0, r
    assert [form(q) for q in chats(llm)] == forms
    if as_json:
        doc = r.json()
        assert doc["sentences"] and all(s["supported"] and s["citations"] for s in doc["sentences"])
        assert "Novichok" in doc["answer"]
    else:
        assert "Novichok" in r.stdout.splitlines()[0] and "Sources:" in r.stdout
    if kind == "json_object":
        assert chats(llm)[-1].body["response_format"]["schema"]["required"] == ["short_answer", "sentences"]
    # remembered in the config: the next question goes straight to the form that worked
    learned = (home / "config.toml").read_text()
    assert "[structured_output]" in learned and forms[-1] in learned
    structured.forget_process_memory()
    n = len(chats(llm))
    assert seeded(*args).code == 0
    assert [form(q) for q in chats(llm)[n:]] == forms[-1:]


def test_read_only_data_dir_learns_for_the_process_alone(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cfg = blocker / "home" / "config.toml"  # its parent cannot be created: a file is in the way
    assert structured.remember(cfg, "http://127.0.0.1:9/v1", "m", "json_object") is False
    assert structured.learned(cfg, "http://127.0.0.1:9/v1", "m") == "json_object"
    assert structured.learned(cfg, "http://127.0.0.1:9/v1", "other") is None


def test_a_plain_500_is_an_error_not_a_format_fallback(seeded, llm):
    llm.queue_fault("500")
    r = seeded("ask", Q_NAVALNY, "--json")
    assert r.code == 1 and "failed (500" in r.json()["error"]["message"]
    assert len(chats(llm)) == 1


def test_prompt_has_the_as_of_date_and_a_worked_example_never_today(seeded, llm):
    r = seeded("ask", Q_NAVALNY, "--as-of", "2020-09-06", "--json")
    assert r.code == 0, r
    system, user = (m["content"] for m in chats(llm)[-1].body["messages"])
    assert "Example" in system and '"keys"' in system
    assert "Answer as of 2020-09-06." in user
    template_lines = [l for l in user.splitlines() if not l.startswith(("[", "## "))]
    assert "today" not in system.lower() and "today" not in " ".join(template_lines).lower()
    seeded("ask", Q_NAVALNY, "--json")  # no --as-of: the newest source in the context, not the clock
    user = chats(llm)[-1].body["messages"][1]["content"]
    assert "Answer as of 2020-09-05." in user


def test_short_answer_from_the_schema_only_when_the_supported_text_bears_it_out(seeded, llm):
    r = seeded("ask", Q_NAVALNY, "--show-context", "--json")
    key = next(l.split("]")[0][1:] for l in r.json()["messages"][1]["content"].splitlines() if l.startswith("[") and "Novichok" in l)
    text = next(l.split("] ", 1)[1] for l in r.json()["messages"][1]["content"].splitlines() if l.startswith(f"[{key}]"))
    llm.queue_reply(json.dumps({"short_answer": "Novichok", "sentences": [{"text": text, "keys": [int(key)]}]}))
    doc = seeded("ask", Q_NAVALNY, "--json").json()
    assert doc["short_answer"] == "Novichok" and not doc["refused"]
    llm.queue_reply(json.dumps({"short_answer": "Sarin", "sentences": [{"text": text, "keys": [int(key)]}]}))
    doc = seeded("ask", Q_NAVALNY, "--json").json()
    # the model's "Sarin" is not shown; the short answer is the phrase of the supported sentence
    # that answers "which nerve agent" (assistant.answer.short), with a note saying why
    assert doc["short_answer"] == "Novichok" and any("Sarin" in n for n in doc["notes"])


@pytest.mark.parametrize("reply, reason", [
    ({"short_answer": None, "sentences": []}, "found no answer"),
    ({"short_answer": None, "sentences": [{"text": "The text does not provide information about Jim Mattis's dog.", "keys": []}]},
     "do not answer"),
    ({"short_answer": "2-1", "sentences": [{"text": "The score of the cricket match in Lahore was 2-1.", "keys": [1]}]}, "is supported by"),
])
def test_unanswerable_replies_become_refusals_that_keep_what_was_rejected(seeded, llm, reply, reason):
    llm.queue_reply(json.dumps(reply))
    r = seeded("ask", "What is the name of Jim Mattis's dog?", "--json")
    assert r.code == 3, r
    doc = r.json()
    assert doc["refused"] and doc["short_answer"] is None and doc["sentences"] == []
    assert reason in " ".join(doc["notes"])
    if reply["sentences"]:
        assert doc["rejected"] and doc["rejected"][0]["text"] == reply["sentences"][0]["text"] and doc["rejected"][0]["reason"]


def test_what_real_models_write_passes_the_check_through_the_pipeline(seeded, llm):
    """The issue's cases on the Mattis seed: the outlet from the heading, a name the article gives
    (the cited sentences say "the 67-year-old" and "Donald Trump's defence secretary"), a number the
    question states. The same sentences with a wrong number or an unrelated name still fail."""
    ctx = seeded("ask", "How old is Jim Mattis, Donald Trump's defence secretary?", "--show-context", "--json").json()
    lines = {l.split("] ", 1)[1]: l.split("]")[0][1:] for l in ctx["messages"][1]["content"].splitlines() if l.startswith("[")}
    head = next(l for l in ctx["messages"][1]["content"].splitlines() if l.startswith("## ") and "Mattis" in l)
    outlet = head.split("— ", 1)[1].rsplit(",", 1)[0].strip()
    k67 = int(next(k for t, k in lines.items() if "67-year-old" in t))
    kland = int(next(k for t, k in lines.items() if t.startswith("Donald Trump’s defence secretary landed")))
    cases = [
        (f"According to {outlet}, Donald Trump's defence secretary Jim Mattis is 67 years old.", [k67, kland], True),
        ("Jim Mattis, Donald Trump's defence secretary, is 76 years old.", [k67, kland], False),
        ("Donald Trump's defence secretary Imran Khan is 67 years old.", [k67, kland], False),
    ]
    for text, keys, ok in cases:
        llm.queue_reply(json.dumps({"short_answer": None, "sentences": [{"text": text, "keys": keys}]}))
        doc = seeded("ask", "How old is Jim Mattis, Donald Trump's defence secretary?", "--json").json()
        assert (not doc["refused"] and doc["sentences"][0]["supported"]) is ok, (text, doc)
        if not ok:
            assert doc["rejected"] and "not in cited text" in doc["rejected"][0]["reason"]


@pytest.mark.parametrize("template", ["system_json", "system"], ids=["json", "text-protocol"])
def test_the_worked_example_states_the_fact_first_and_passes_our_own_check(template):
    """The example reply of each answer prompt (JSON and the text protocol with [n] keys) is what
    the model copies: the fact without an attribution (each token before the first sentence is
    seconds on a local model; the tool shows outlet and date under Sources; Qwen 0.5B copied an
    earlier example's "According to Example News, officials said ..." into its answers), a short
    answer within the prompt's five words, and a sentence our own check accepts against the
    example sentence it cites."""
    from assistant import prompts
    from assistant.support.keys import parse_citations

    text = prompts.load(template).render(refusal=prompts.REFUSAL_SENTINEL, as_of="2021-03-02")
    assert "outlet and date are shown with your answer" in text
    example = text.split("Example.", 1)[1]
    sources = {l.split("]")[0][1:]: l.split("] ", 1)[1] for l in example.splitlines() if l.startswith("[")}
    heading = next(l for l in example.splitlines() if l.startswith("## "))
    question = next(l for l in example.splitlines() if l.startswith("Question: ")).split(": ", 1)[1]
    if template == "system_json":
        reply = structured.parse(example.split("Reply: ", 1)[1])
        assert reply and reply["sentences"] and len(reply["short_answer"].split()) <= 5
    else:
        answer = next(l for l in example.splitlines() if l.startswith("Answer: ")).split(": ", 1)[1]
        reply = {"sentences": [{"text": s.text, "keys": s.keys} for s in parse_citations(answer)]}
        assert reply["sentences"]
    for s in reply["sentences"]:
        s["keys"] = [str(k) for k in s["keys"]]
        assert not s["text"].lower().startswith(("according to", "as of")), s
        assert s["keys"] and set(s["keys"]) <= set(sources)
        g = Given(header=heading.lstrip("# "), question=question)
        assert SupportChecker(None).check(s["text"], [sources[k] for k in s["keys"]], g).supported, s


@pytest.mark.parametrize("attributed", [True, False], ids=["according-to", "fact-only"])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "stream"])
def test_a_sentence_is_accepted_with_or_without_the_attribution_to_its_heading(seeded, llm, attributed, as_json):
    """The prompt no longer asks for "According to OUTLET, on DATE, ..."; a model that writes it
    anyway (outlet and date from the cited source's heading) is still accepted, shown or streamed."""
    ctx = seeded("ask", Q_NAVALNY, "--show-context", "--json").json()["messages"][1]["content"].splitlines()
    key = next(l.split("]")[0][1:] for l in ctx if l.startswith("[") and "Novichok" in l)
    fact = next(l.split("] ", 1)[1] for l in ctx if l.startswith(f"[{key}]"))
    head = next(l for l in ctx if l.startswith("## ") and "Navalny" in l)
    outlet, date = head.split("— ", 1)[1].rsplit(", ", 1)
    text = f"According to {outlet}, on {date}, {fact[0].lower() + fact[1:]}" if attributed else fact
    llm.queue_reply(json.dumps({"short_answer": "Novichok", "sentences": [{"text": text, "keys": [int(key)]}]}))
    r = seeded("ask", Q_NAVALNY, *(["--json"] if as_json else []))
    assert r.code == 0, r
    if as_json:
        doc = r.json()
        assert doc["sentences"][0]["text"] == text and doc["sentences"][0]["supported"], doc
    else:
        first = r.stdout.splitlines()[0]
        assert first.startswith(text) and "not supported" not in first, r.stdout


def test_checker_given_heading_question_and_article():
    c = SupportChecker(None)
    cited = ["It is the 67-year-old’s first visit to the country as defence secretary.",
             "Donald Trump’s defence secretary landed in Pakistan today."]
    article = "Jim Mattis arrives in Pakistan for anti-terror talks. US Defence Secretary Jim Mattis arrived at an air force base."
    g = Given(header="Jim Mattis arrives in Pakistan dailymail.co.uk 2017-12-04", question="How many people were killed in the 2008 Mumbai attack?",
              article=article, dates=("2017-12-04",))
    claim = "According to DailyMail.co.uk, on December 4, 2017, Donald Trump's defence secretary Jim Mattis landed in Pakistan."
    assert not c.check(claim, cited).supported  # without what the heading and article give
    assert c.check(claim, cited, g).supported
    mumbai = ["The Mumbai attack killed 164 people and six US citizens."]
    assert c.check("According to the sources, 164 people were killed in the 2008 Mumbai attack.", mumbai, g).supported
    assert not c.check("According to the sources, 166 people were killed in the 2008 Mumbai attack.", mumbai, g).supported
    assert not c.check("The Mumbai attack did not kill 164 people.", mumbai, g).supported
    assert not c.check("Donald Trump's defence secretary Rex Tillerson landed in Pakistan.", cited, g).supported


def test_the_as_of_date_is_given_for_as_of_not_as_the_date_of_an_event():
    c = SupportChecker(None)
    cited = ["Mattis is set to hold talks with prime minister Shahid Khaqan Abbasi during his brief stop over."]
    g = Given(header="Jim Mattis arrives in Pakistan DailyMail.co.uk", question="Who did Jim Mattis meet?", as_of="2019-08-04")
    assert c.check("As of 2019-08-04, according to DailyMail.co.uk, Mattis is set to hold talks with prime minister Shahid Khaqan Abbasi.", cited, g).supported
    assert not c.check("On 2019-08-04, Mattis held talks with prime minister Shahid Khaqan Abbasi.", cited, g).supported


def test_streamed_json_sentences_are_shown_as_they_complete():
    from assistant.answer.pipeline import segments

    partial = '{"short_answer": "Novichok", "sentences": [{"text": "Navalny was poisoned with Novichok.", "keys": [2]}, {"text": "He was flown'
    segs = segments(partial, "json_object", final=False)
    assert [(s.text, s.keys) for s in segs] == [("Navalny was poisoned with Novichok.", ["2"])]
    assert segments('{"sentences": [', "json_object", final=False) == []
    # a model that ignored the schema: the text protocol reads it
    assert [s.keys for s in segments("Navalny was poisoned [2]. He was flown to Berlin [3].", "json_object", final=True)] == [["2"], ["3"]]


# -- waiting on a slow local model -----------------------------------------------------------------
def _assistant(home, url, **kw):
    from assistant.api import Assistant
    from assistant.settings import Settings

    cfg = Settings.load(home, embedder="hash", model="fake-model", base_url=url + "/v1", llm_retries=2, **kw)
    return Assistant(settings=cfg)


def test_slow_first_token_is_waited_for_with_progress_and_sent_once(home, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    from assistant import Assistant
    from assistant.settings import Settings

    Assistant(settings=Settings.load(home, embedder="hash")).ingest([str(SEEDS)])
    fake_openai.set_delays(first_token=1.0, per_token=0.02)
    events, shown = [], []
    with _assistant(home, fake_openai.url, llm_timeout=0.5, llm_first_token_timeout=30) as a:
        a.on_progress = lambda state, seconds, tokens: events.append((state, tokens))
        res = a.ask(Q_NAVALNY, on_sentence=lambda s, c: shown.append(s.text))
    assert not res.refused and shown and "Novichok" in " ".join(shown)
    assert len(chats(fake_openai)) == 1
    states = [s for s, _ in events]
    assert "waiting" in states and "writing" in states and states.index("waiting") < states.index("writing")
    assert max(t for s, t in events if s == "writing") > 1  # tokens counted as they arrive


def test_a_stalled_stream_is_an_error_and_is_never_resent(home, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    from assistant import Assistant
    from assistant.errors import AssistantError
    from assistant.settings import Settings

    Assistant(settings=Settings.load(home, embedder="hash")).ingest([str(SEEDS)])
    fake_openai.set_delays(first_token=0.0, per_token=3.0)
    with _assistant(home, fake_openai.url, llm_timeout=0.3, llm_first_token_timeout=30) as a:
        with pytest.raises(AssistantError, match="stopped writing for 0.3 s"):
            a.ask(Q_NAVALNY, on_sentence=lambda s, c: None)
    assert len(chats(fake_openai)) == 1  # retries=2, yet the busy server is not asked again


def test_a_first_token_that_never_comes_is_one_request(home, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    from assistant import Assistant
    from assistant.errors import AssistantError
    from assistant.settings import Settings

    Assistant(settings=Settings.load(home, embedder="hash")).ingest([str(SEEDS)])
    fake_openai.set_delays(first_token=5.0)
    with _assistant(home, fake_openai.url, llm_timeout=0.2, llm_first_token_timeout=0.4) as a:
        with pytest.raises(AssistantError, match="did not answer within 0.4 s"):
            a.ask(Q_NAVALNY)
    assert len(chats(fake_openai)) == 1


def test_a_local_server_gets_fewer_passages_and_a_small_prompt(seeded, llm):
    from assistant.llm.client import LLM
    from assistant.tokens import count_tokens

    assert LLM("m", "http://127.0.0.1:8081/v1").is_local and LLM("m", "http://localhost:11434/v1").is_local
    assert not LLM("m", "https://api.example.com/v1").is_local and not LLM("m").is_local
    assert LLM("m", "http://127.0.0.1:8081/v1", timeout=60).first_token_timeout >= 600
    assert LLM("m", "https://api.example.com/v1", timeout=60).first_token_timeout == 60
    r = seeded("ask", Q_NAVALNY, "--json")
    assert r.code == 0, r
    assert r.json()["usage"]["context_seconds"] >= 0
    user = chats(llm)[-1].body["messages"][1]["content"]
    context = user.split("\n\n", 1)[1].rsplit("\n\nAnswer as of", 1)[0]
    # the sentences that best match the question with their neighbours, not whole passages
    assert count_tokens(context) <= 350 + 20 and "Novichok" in context
    lines = [l for l in context.splitlines() if l.startswith("[")]
    assert [l.split("]")[0] for l in lines] == [f"[{i}" for i in range(1, len(lines) + 1)]
    # whole passages when focusing is turned off (within local_context_tokens)
    seeded("config", "set", "local_focus_tokens", "0")
    assert seeded("ask", Q_NAVALNY, "--json").code == 0
    whole = chats(llm)[-1].body["messages"][1]["content"].split("\n\n", 1)[1].rsplit("\n\nAnswer as of", 1)[0]
    assert 350 + 20 < count_tokens(whole) <= 600 + 20 and whole != context
    # -v says where the seconds went
    v = seeded("ask", Q_NAVALNY, "-v")
    assert v.code == 0 and "----- timings -----" in v.stderr and "retrieval and context" in v.stderr and "first sentence on screen at" in v.stderr
    wide = seeded("ask", Q_NAVALNY, "--show-context", "--json", "--engine", "extractive")
    assert wide.code == 0


def test_a_supported_sentence_about_something_else_is_not_an_answer(seeded, llm):
    """Qwen 1.5B once answered the Mumbai question by copying two sentences of the New Hampshire
    crash article: supported by what they cite, but not an answer."""
    q = "How many people were killed in the 2008 Mumbai attack?"
    ctx = seeded("ask", q, "--show-context", "--json").json()["messages"][1]["content"]
    key, text = next((l.split("]")[0][1:], l.split("] ", 1)[1]) for l in ctx.splitlines()
                     if l.startswith("[") and "Mumbai" not in l and "killed" not in l and "attack" not in l)
    llm.queue_reply(json.dumps({"short_answer": None, "sentences": [{"text": text, "keys": [int(key)]}]}))
    r = seeded("ask", q, "--json")
    assert r.code == 3, r
    assert "do not address the question" in " ".join(r.json()["notes"]) and r.json()["rejected"]
    # with its (right) short answer, the source sentence that states it is quoted instead
    llm.queue_reply(json.dumps({"short_answer": "164 people", "sentences": [{"text": text, "keys": [int(key)]}]}))
    doc = seeded("ask", q, "--json").json()
    assert not doc["refused"] and "164 people" in doc["sentences"][0]["text"] and doc["short_answer"] == "164 people"


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "stream"])
def test_a_right_short_answer_with_the_wrong_sentence_quotes_the_source_that_states_it(seeded, llm, as_json):
    """Qwen 1.5B answered "not guilty" and copied a sentence about flags at the crash scene."""
    # the driver's name keeps the plea in the context on the hash embedder (whose "dense" list is
    # word hashing): without overlap the plea and the sentence after it are in different chunks
    q = "What did the truck driver Zhukovskyy plead in court after the crash?"
    ctx = seeded("ask", q, "--show-context", "--json").json()["messages"][1]["content"]
    key, text = next((l.split("]")[0][1:], l.split("] ", 1)[1]) for l in ctx.splitlines()
                     if l.startswith("[") and "guilty" not in l and "plea" not in l and ("crash" in l or "truck" in l))
    llm.queue_reply(json.dumps({"sentences": [{"text": text, "keys": [int(key)]}], "short_answer": "not guilty"}))
    r = seeded("ask", q, *(["--json"] if as_json else []))
    assert r.code == 0, r
    if not as_json:  # streamed: the reply's own sentence was shown before the short answer arrived; the quote follows
        assert "pleaded not guilty" in r.stdout.split("Sources:")[0]
        # the short answer first (as the schema asks): the quote is shown first
        llm.queue_reply(json.dumps({"short_answer": "not guilty", "sentences": [{"text": text, "keys": [int(key)]}]}))
        r = seeded("ask", q)
    assert r.code == 0, r
    if as_json:
        doc = r.json()
        assert doc["short_answer"] == "not guilty"
        assert "pleaded not guilty" in doc["sentences"][0]["text"] and doc["sentences"][0]["supported"]
    else:
        assert "pleaded not guilty" in r.stdout.splitlines()[0], r
        assert r.stdout.split("Sources:")[0].count("pleaded not guilty") == 1


def test_each_line_of_a_reply_is_its_own_sentence():
    """Qwen 1.5B writes notes one per line with keys at the end; the sentence splitter alone ran
    "... on Wednesday. [3][7]\\nColorado ..." into one sentence with all the keys."""
    from assistant.citations import parse_citations

    reply = "The python was captured in Florida, the Conservancy announced on Wednesday. [3][7]\nColorado win the Stanley Cup - CNN [5][6]"
    assert [(s.text, s.keys) for s in parse_citations(reply)] == [
        ("The python was captured in Florida, the Conservancy announced on Wednesday.", ["3", "7"]),
        ("Colorado win the Stanley Cup - CNN", ["5", "6"])]
    reply = "The advisers voted for the vaccines. [2][3] The park may remain closed. [7] The ad is relevant."
    assert [s.keys for s in parse_citations(reply)] == [["2", "3"], ["7"], []]


def test_a_negation_the_question_states_is_its_premise_not_the_claims_polarity():
    # Qwen 0.5B repeats the question's premise ("... were not included in the deal") before the
    # answer; the cited sentence has its own "can't": the polarity check compares the claim's own cues
    c = SupportChecker(None)
    q = "A bipartisan group of senators announced a deal this week, but a few major reforms were not included. Which measure did lawmakers leave out?"
    cited = ["A few major reforms were left out of the deal; the proposal helps ensure dangerous criminals can't purchase weapons, the group said."]
    claim = "A few major reforms were not included; the proposal helps ensure dangerous criminals can't purchase weapons, the group said."
    assert not c.check(claim, cited, Given(question="Which measure did lawmakers leave out?")).supported
    assert c.check(claim, cited, Given(question=q)).supported
    # a negation of the claim's own still fails, question or not
    assert not c.check("A few major reforms were not included; the proposal helps dangerous criminals purchase weapons, the group said.", cited,
                       Given(question=q)).supported


def test_the_questions_premise_with_its_slot_filled_is_not_an_answer_the_sources_give():
    # Qwen 0.5B with the gold article removed: the question's premise, a name from the context
    # in the slot, citing a sentence that only names it
    c = SupportChecker(None)
    q = "Which food chain launched a redesigned menu in roughly 21,000 of its restaurants?"
    cited = ["They have a wish list of restaurants they would like to see, including Pizza Hut, Steak 'N Shake, Zaxby's and Moe's."]
    s = c.check("Zaxby's launched a redesigned menu in roughly 21,000 of its restaurants.", cited, Given(question=q))
    assert not s.supported and any("premise" in r for r in s.reasons)
    # the same premise, stated by the cited sentence, is an answer
    ok = ["McDonald's launched a redesigned menu in roughly 21,000 of its restaurants on Monday."]
    assert c.check("McDonald's launched a redesigned menu in roughly 21,000 of its restaurants.", ok, Given(question=q)).supported
    # names are the name rule's: the article may give them
    g = Given(question="How old is US Defence Secretary Jim Mattis?", article="US Defence Secretary Jim Mattis arrived in Pakistan.")
    assert c.check("Defence Secretary Jim Mattis is 67 years old.", ["It is the 67-year-old's first visit as defence secretary."], g).supported


def test_the_http_client_is_prepared_in_the_background_and_its_errors_surface_in_the_caller(fake_openai, monkeypatch):
    from assistant.errors import ConfigError
    from assistant.llm.client import LLM

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-000")
    llm = LLM("fake-model", fake_openai.url + "/v1", retries=0)
    llm.prepare()
    llm.prepare()  # once
    fake_openai.queue_reply("Ready.")
    assert llm.complete([{"role": "user", "content": "hi"}]).text == "Ready."
    assert llm._preparing is not None and not llm._preparing.is_alive()
    # no key and no base URL: the background build fails quietly; using the client says why
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    remote = LLM("fake-model", None, retries=0)
    remote.prepare()
    remote._preparing.join(30)
    with pytest.raises(ConfigError, match="API key"):
        remote.complete([{"role": "user", "content": "hi"}])


def test_a_sentence_sharing_a_word_but_not_the_questions_names_is_not_an_answer(seeded, llm):
    """With a focused context, Qwen 1.5B answered "What was the score of the cricket match in
    Lahore?" with "0" and the asteroid article's "A score of zero means ...": supported, it shares
    "score" with the question, but nothing it cites names Lahore."""
    q = "What was the score of the cricket match in Lahore?"
    ctx = seeded("ask", q, "--show-context", "--json").json()["messages"][1]["content"]
    key, text = next((l.split("]")[0][1:], l.split("] ", 1)[1]) for l in ctx.splitlines() if l.startswith("[") and "score" in l)
    llm.queue_reply(json.dumps({"short_answer": "0", "sentences": [{"text": text, "keys": [int(key)]}]}))
    r = seeded("ask", q, "--json")
    assert r.code == 3, r
    assert "do not address the question" in " ".join(r.json()["notes"]) and r.json()["rejected"][0]["text"] == text
    assert "name none of the names the question gives" in r.json()["rejected"][0]["reason"]
    llm.queue_reply(json.dumps({"short_answer": "0", "sentences": [{"text": text, "keys": [int(key)]}]}))
    streamed = seeded("ask", q)
    assert streamed.code == 3 and text not in streamed.stdout  # never shown, then taken back
    # the model naming Lahore itself does not make its source about Lahore
    llm.queue_reply(json.dumps({"short_answer": "0", "sentences": [{"text": "In Lahore, " + text[0].lower() + text[1:], "keys": [int(key)]}]}))
    assert seeded("ask", q, "--json").code == 3
    # a question naming what the cited article names is answered as before
    mattis = seeded("ask", MATTIS_Q, "--show-context", "--json").json()["messages"][1]["content"]
    key, text = next((l.split("]")[0][1:], l.split("] ", 1)[1]) for l in mattis.splitlines() if l.startswith("[") and "Bajwa" in l)
    llm.queue_reply(json.dumps({"short_answer": "Qamar Javed Bajwa", "sentences": [{"text": text, "keys": [int(key)]}]}))
    assert seeded("ask", MATTIS_Q, "--json").json()["short_answer"] == "Qamar Javed Bajwa"


PILOT = ("---\ntitle: Teen pilot lands after flying solo around the world\ndate: 2024-05-01\nsource: Example News\n"
         "url: https://news.example/pilot\n---\n\nBelgian British pilot Mara Lind landed in Kortrijk on Wednesday after a "
         "five-month solo flight around the world. She turned 19 during the flight, which took her across 30 countries.\n")
BUST = ("---\ntitle: Cocaine found in a shipment of baby wipes\ndate: 2024-05-02\nsource: Example News\n"
        "url: https://news.example/bust\n---\n\nOfficers at the US-Mexico border found cocaine hidden in a shipment of "
        "baby wipes. The drugs were worth about $11 million, officers said on Tuesday.\n")


def _key_of(cli, q, word):
    ctx = cli("ask", q, "--show-context", "--json").json()["messages"][1]["content"]
    return next((l.split("]")[0][1:], l.split("] ", 1)[1]) for l in ctx.splitlines() if l.startswith("[") and word in l)


def test_a_question_naming_a_hyphenated_compound_is_addressed_when_the_sources_name_each_part(cli, llm, tmp_path):
    """The names test (a supported sentence answers only when its sources name one of the
    question's names) took "British-Belgian" as one name, so a source writing "Belgian British"
    turned a right answer down; each capitalised part must be named, so "Texas-Mexico" is not
    matched by sources that name Mexico and never Texas."""
    from tests.conftest import write

    assert cli("ingest", write(tmp_path / "pilot.md", PILOT)).code == 0
    assert cli("ingest", write(tmp_path / "bust.md", BUST)).code == 0
    q = "A British-Belgian pilot finished a solo flight around the world. How old is she?"
    key, text = _key_of(cli, q, "turned 19")
    llm.queue_reply(json.dumps({"short_answer": "19", "sentences": [{"text": text, "keys": [int(key)]}]}))
    doc = cli("ask", q, "--json").json()
    assert not doc["refused"] and doc["short_answer"] == "19", doc
    q = "Near the Texas-Mexico border, officers found cocaine hidden in which product?"
    key, text = _key_of(cli, q, "baby wipes")
    llm.queue_reply(json.dumps({"short_answer": "baby wipes", "sentences": [{"text": text, "keys": [int(key)]}]}))
    r = cli("ask", q, "--json")
    assert r.code == 3 and "do not address the question" in " ".join(r.json()["notes"]), r
    assert "name none of the names the question gives" in r.json()["rejected"][0]["reason"]
