"""`assistant chat` in a real pseudo-terminal (pexpect): questions, follow-ups rewritten into
standalone questions, slash commands, Ctrl-C during an answer, a resized terminal, bad input,
Ctrl-D, saved and resumed sessions (with no keys in them)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

pexpect = pytest.importorskip("pexpect")

from tests.conftest import REPO, SEEDS, default_sigint  # noqa: E402

PROMPT = r"\x1b\[\?2004h[^\n]*>"  # prompt_toolkit turns bracketed paste on, then draws the prompt
SECRET = "sk-test-secret-0123456789"


@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory):
    h = tmp_path_factory.mktemp("chat") / "home"
    env = {**os.environ, "ASSISTANT_HOME": str(h), "ASSISTANT_EMBEDDER": "hash"}
    env.pop("ASSISTANT_MODEL", None)
    p = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", str(SEEDS)], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return h


@pytest.fixture
def home_copy(seeded_home, tmp_path):
    h = tmp_path / "home"
    shutil.copytree(seeded_home, h)
    return h


def spawn(home, *args, env=None, color=False, size=(40, 140)):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "NO_COLOR"}
    e.update({"ASSISTANT_HOME": str(home), "ASSISTANT_EMBEDDER": "hash", "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1",
              "OPENAI_API_KEY": SECRET})
    if not color:
        e["NO_COLOR"] = "1"
    e.update(env or {})
    c = pexpect.spawn(sys.executable, ["-m", "assistant.cli", "chat", *args], env=e, cwd=str(REPO), encoding="utf-8", use_poll=True,
                      codec_errors="replace", timeout=90, dimensions=size, preexec_fn=default_sigint)
    c.transcript = []
    c.logfile_read = _Tee(c.transcript)
    c.expect(PROMPT)
    return c


class _Tee:
    def __init__(self, parts):
        self.parts = parts

    def write(self, s):
        self.parts.append(s)

    def flush(self):
        pass


def said(c) -> str:
    return "".join(c.transcript)


def ask(c, line, *expect):
    c.sendline(line)
    for pattern in expect:
        c.expect(pattern)
    c.expect(PROMPT)
    return c.before


def leave(c):
    c.sendeof()  # Ctrl-D on an empty line
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0, said(c)[-2000:]


def test_question_follow_up_and_commands(home_copy, tmp_path):
    c = spawn(home_copy)
    # pexpect compiles patterns with DOTALL: keep each one within a line, or a greedy .* run
    # over a fully buffered answer swallows the "Sources:" that the next pattern waits for
    ask(c, "Who is Jim Mattis?", r"Mattis[^\r\n]*\[1\]", "Sources:", r"\(extractive engine\)")
    # the follow-up is rewritten into a standalone question before retrieval, and shown
    ask(c, "How old is he?", re.escape("(searching for: How old is Jim Mattis?)"), r"\(extractive engine\)")
    ask(c, "/show 1", r"\[1\] “Jim Mattis arrives in Pakistan", r"→ \[[0-9a-f]{12}@1#\d+\]")
    out = ask(c, "/sources", r"12 article\(s\) in scope")
    assert "Navalny" in out or "Navalny" in said(c)
    ask(c, "/since 2019-01-01", re.escape("scope for the rest of the session: (since 2019-01-01)"))
    ask(c, "/sources", re.escape("7 article(s) in scope (since 2019-01-01)"))
    ask(c, "/since someday", re.escape("error: cannot read the date 'someday'"), "hint: use YYYY-MM-DD")
    ask(c, "/context", "----- system -----", "----- user -----", re.escape("Question: How old is Jim Mattis?"))
    ask(c, "/engine", "engine: extractive")
    ask(c, "/engine llm", "error: the llm engine needs a model")
    ask(c, "/frobnicate", re.escape("error: unknown command /frobnicate"), re.escape("type /help"))
    ask(c, "/help", "/show N", "Ctrl-C cancels")
    saved = tmp_path / "chat.json"
    ask(c, f"/save {saved}", "saved to")
    # multi-line input: a trailing backslash continues the question
    c.sendline("Which nerve agent \\")
    c.sendline("poisoned Alexei Navalny?")
    c.expect("Novichok")
    c.expect(PROMPT)
    leave(c)
    assert "\x1b[1;36m" not in said(c) and "\x1b[36m" not in said(c)  # NO_COLOR: no colour codes

    doc = json.loads(saved.read_text())
    assert doc["format"] == "news-assistant-chat/1" and [t["question"] for t in doc["turns"]] == ["Who is Jim Mattis?", "How old is he?"]
    assert doc["turns"][1]["standalone"] == "How old is Jim Mattis?" and doc["scope"]["since"] == "2019-01-01"
    sessions = list((home_copy / "sessions").glob("*.json"))
    assert len(sessions) == 1
    text = sessions[0].read_text()
    assert SECRET not in text and "api_key" not in text and "base_url" not in text
    assert len(json.loads(text)["turns"]) == 3

    # resume the latest session: the conversation and the scope come back
    c = spawn(home_copy, "--resume")
    assert re.search(r"resumed session \S+: 3 turn\(s\) \(since 2019-01-01\)", said(c))
    ask(c, "/since", "since: 2019-01-01")
    ask(c, "/since off", "since cleared")
    ask(c, "How old is he?", re.escape("(searching for: How old is Alexei Navalny?)"))
    leave(c)


def test_bad_input_and_a_corrupt_session(home_copy):
    (home_copy / "sessions").mkdir()
    (home_copy / "sessions" / "broken.json").write_bytes(b"\x00\xff{not json")
    c = spawn(home_copy, "--resume", "broken")
    assert re.search(r"error: the chat session file \S+broken\.json cannot be read", said(c))
    # binary pasted into the terminal: one clear line, the session goes on
    os.write(c.child_fd, b"\xff\xfe\xc3 \x1b[201~binary \x00\x7f data\r")  # not UTF-8, and control bytes
    c.expect("ignored [0-9]+ control or undecodable character")
    c.expect(PROMPT)
    ask(c, "\x1b[200~\x00\x01\x02\x1b[201~", "ignored 3 control or undecodable character")
    # a 50,000-character question (pasted: bracketed paste)
    c.send("\x1b[200~" + "why?" * 12500 + "\x1b[201~")
    c.send("\r")
    c.expect(re.escape("error: the question is 50,000 characters long; questions are limited to 4,000"), timeout=60)
    c.expect(PROMPT)
    ask(c, "/show 1", "error: there is no citation to show yet")
    ask(c, "What is the airspeed of an unladen swallow?", "do not contain enough evidence")
    c.sendline("/exit")
    c.expect(pexpect.EOF)
    c.close()
    assert c.exitstatus == 0
    assert (home_copy / "sessions" / "broken.json").exists()  # never overwritten: the new session has its own id
    # a session id that does not exist
    c = spawn(home_copy, "--resume", "nope")
    assert "error: no chat session 'nope'" in said(c)
    leave(c)


def test_llm_follow_up_ctrl_c_resize_and_colour(home_copy, fake_openai):
    env = {"ASSISTANT_MODEL": "fake-model", "ASSISTANT_BASE_URL": fake_openai.url + "/v1", "ASSISTANT_LLM_RETRIES": "0"}
    c = spawn(home_copy, env=env, color=True)
    ask(c, "Which nerve agent poisoned Alexei Navalny?", "Novichok", r"\(llm engine, model fake-model\)")
    assert "\x1b[1;36m[1]" in said(c)  # citation numbers in colour on a terminal
    # the follow-up goes through the condense template first
    fake_openai.queue_reply("How old is Jim Mattis?")
    ask(c, "How old is he?", re.escape("(searching for: How old is Jim Mattis?)"))
    condense = [r.body for r in fake_openai.requests if r.body and "Follow-up question: How old is he?" in json.dumps(r.body)]
    assert condense and "Alexei Navalny" in condense[0]["messages"][0]["content"]
    assert fake_openai.requests[-1].body["messages"][1]["content"].rstrip().endswith("Question: How old is Jim Mattis?")
    ask(c, "/reset", "conversation cleared")

    # Ctrl-C while the model is slow: the answer is cancelled, the session goes on
    n = len(fake_openai.requests)
    fake_openai.queue_fault("timeout", seconds=30)
    c.sendline("Which nerve agent poisoned Alexei Navalny?")
    _wait_for(lambda: len(fake_openai.requests) > n)
    time.sleep(0.3)
    c.sendintr()
    c.expect(re.escape("(cancelled)"), timeout=120)  # generous: seen to take over 30 s on a loaded machine
    c.expect(PROMPT)

    # the terminal is resized while an answer is on its way
    n = len(fake_openai.requests)
    fake_openai.queue_fault("timeout", seconds=1.5)
    c.sendline("Which nerve agent poisoned Alexei Navalny?")
    _wait_for(lambda: len(fake_openai.requests) > n)
    c.setwinsize(20, 50)
    c.expect("Novichok")
    c.expect(r"llm engine")
    c.expect(PROMPT)
    c.setwinsize(40, 140)
    ask(c, "/engine extractive", "engine: extractive")
    leave(c)


def _wait_for(cond, timeout=20.0):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


FOLLOW_UP_ARTICLES = {
    "golf.md": ("LIV Golf team final", "2022-10-31", "CNN",
                "Dustin Johnson won the LIV Golf team championship at Doral on Sunday. Johnson earned $18 million for the season title."),
    "merger.md": ("Kroger to buy Albertsons", "2022-10-14", "Reuters",
                  "Kroger and Albertsons plan to merge in a deal worth $24.6 billion, the supermarkets said on Friday. "
                  "Albertsons is based in Boise, Idaho. Kroger is based in Cincinnati, Ohio."),
}


@pytest.fixture
def follow_up_home(tmp_path):
    h = tmp_path / "home"
    for name, (title, date, source, body) in FOLLOW_UP_ARTICLES.items():
        (tmp_path / name).write_text(f"---\ntitle: {title}\ndate: {date}\nsource: {source}\n---\n\n{body}\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_HOME": str(h), "ASSISTANT_EMBEDDER": "hash"}
    env.pop("ASSISTANT_MODEL", None)
    p = subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", *[str(tmp_path / n) for n in FOLLOW_UP_ARTICLES]],
                       env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return h


def test_follow_ups_rewritten_only_when_they_depend_on_the_previous_turn(follow_up_home):
    """Issue 13 item 6: the issue's two cases and five more, typed into the real terminal."""
    c = spawn(follow_up_home)
    ask(c, "Who won the LIV Golf championship?", r"Dustin Johnson\. \[1\]", r"\(extractive engine\)")
    # "he" is the person the previous answer named, not the golf league
    ask(c, "How much did he win?", re.escape("(searching for: How much did Dustin Johnson win?)"), r"\$18 million\. \[1\]")
    # an unrelated question goes unchanged (it was rewritten to "... (LIV Golf)?" and refused)
    out = ask(c, "Which two supermarkets plan to merge?", r"Kroger and Albertsons\. \[1\]")
    assert "searching for" not in out
    # a pronoun the question resolves itself: unchanged
    out = ask(c, "Did Dustin Johnson say he would play again?", r"\(extractive engine")
    assert "searching for" not in out
    # the second of the previous answer's two entities
    ask(c, "Which two supermarkets plan to merge?", r"Kroger and Albertsons\. \[1\]")
    ask(c, "Where is the second one based?", re.escape("(searching for: Where is Albertsons based?)"), r"Idaho\. \[1\]")
    # "what about X" and an elliptical "And X?": the previous question about X
    ask(c, "What about Kroger?", re.escape("(searching for: Where is Kroger based?)"), r"Ohio\. \[1\]")
    ask(c, "And Albertsons?", re.escape("(searching for: Where is Albertsons based?)"))
    # an "it" of the question's own: unchanged
    out = ask(c, "Is it true that the supermarket deal is worth $24.6 billion?", r"\(extractive engine")
    assert "searching for" not in out
    leave(c)
