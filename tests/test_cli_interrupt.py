"""Ctrl-C during a streamed `ask` or `brief` ends the command at once (exit 130, "interrupted"),
without waiting for the model's reply: the CLI streams through a worker thread (a.ask(stream=True))
and must not sit joining it while the model is slow."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, SEEDS, default_sigint

HOLD = 400  # seconds the fake server holds the model request: far longer than the test may wait


@pytest.mark.slow
@pytest.mark.parametrize("command", [["ask", "Which nerve agent poisoned Alexei Navalny?"], ["brief", "Navalny"]])
def test_ctrl_c_while_the_model_is_slow_ends_the_command(home, fake_openai, cli, command):
    assert cli("ingest", SEEDS).code == 0
    env = dict(os.environ, ASSISTANT_MODEL="fake-model", ASSISTANT_BASE_URL=fake_openai.url + "/v1", OPENAI_API_KEY="sk-test",
               ASSISTANT_LLM_RETRIES="0", ASSISTANT_LLM_TIMEOUT=str(HOLD + 60))
    fake_openai.queue_fault("timeout", seconds=HOLD)
    n = len(fake_openai.requests)
    p = subprocess.Popen([sys.executable, "-m", "assistant.cli", *command], cwd=REPO, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    try:
        deadline = time.time() + 180  # generous: a loaded 2-core machine can take a minute to start the CLI
        while len(fake_openai.requests) <= n and p.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert p.poll() is None and len(fake_openai.requests) > n  # the model call is under way, and held
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=HOLD / 2)  # a CLI that waited for the reply would still be running
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    assert p.returncode == 130 and "interrupted" in err, (p.returncode, err[-2000:])
    assert "Traceback" not in err
