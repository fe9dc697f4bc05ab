"""Chat completions from any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp).

Every request streams, read by a worker thread while the caller waits on progress: the
first token may take minutes on a small local model reading a long prompt (``first_token_timeout``),
after which tokens must keep arriving (``timeout`` between them). A request that timed out is
never sent again: a single-slot local server would still be busy with it. Requests that did no
work (429, 502/503/504, 500 and a refused connection) are retried ``retries`` times with back-off,
honouring Retry-After. ``OPENAI_BASE_URL`` is read when no base URL is configured; a key that
merely happens to be in the environment never switches the engine: only a configured model does.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urlsplit

from ..errors import AssistantError, ConfigError, ContextTooLong, FormatUnsupported, LLMError  # noqa: F401  (re-exported)

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
MAX_RETRY_AFTER = 120.0  # a server asking for a longer wait gets a clear error, not a hung CLI


@dataclass
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""
    first_token_seconds: float | None = None


@dataclass
class Stream:
    """Iterate for text deltas; usage and finish_reason are filled in when the stream ends.

    A worker thread sends the request and reads the chunks; the iterating thread waits on it
    with two deadlines (first token, then the gap between tokens) and reports progress."""

    _start: Callable = field(repr=False, default=None)  # () -> iterator of chunks (sends the request)
    _llm: "LLM" = field(repr=False, default=None)
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""
    first_token_seconds: float | None = None
    deltas: int = 0

    def __iter__(self):
        llm = self._llm
        q: queue.Queue = queue.Queue()
        stop = threading.Event()
        holder: dict = {}

        def work():
            try:
                chunks = self._start()
                holder["chunks"] = chunks
                for chunk in chunks:
                    if stop.is_set():
                        break
                    q.put(("chunk", chunk))
                q.put(("end", None))
            except BaseException as exc:  # handed to the waiting thread
                q.put(("error", exc))

        worker = threading.Thread(target=work, name="llm-stream", daemon=True)
        t0 = last = time.monotonic()
        worker.start()
        try:
            while True:
                limit = llm.first_token_timeout if self.first_token_seconds is None else llm.timeout
                try:
                    kind, item = q.get(timeout=max(0.01, min(0.5, limit - (time.monotonic() - last))))
                except queue.Empty:
                    now = time.monotonic()
                    if now - last >= limit:
                        if self.first_token_seconds is None:
                            raise LLMError(f"the model server at {llm.where} did not answer within {limit:g} s",
                                           "a small local model reads long prompts slowly: raise llm_first_token_timeout, or lower -k")
                        raise LLMError(f"the model server at {llm.where} stopped writing for {limit:g} s",
                                       "try again, or raise llm_timeout: assistant config set llm_timeout 120")
                    llm._progress("waiting" if self.first_token_seconds is None else "writing", now - t0, self.deltas)
                    continue
                if kind == "error":
                    if isinstance(item, AssistantError):
                        raise item
                    raise llm._map(item, during="streaming the answer")
                if kind == "end":
                    break
                last = time.monotonic()
                chunk = item
                if getattr(chunk, "usage", None):
                    self.prompt_tokens = chunk.usage.prompt_tokens or 0
                    self.completion_tokens = chunk.usage.completion_tokens or 0
                for choice in chunk.choices or []:
                    if choice.finish_reason:
                        self.finish_reason = choice.finish_reason
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        if self.first_token_seconds is None:
                            self.first_token_seconds = last - t0
                        self.deltas += 1
                        llm._progress("writing", last - t0, self.deltas)
                        yield delta
        finally:
            stop.set()  # an abandoned request: the worker stops reading; the request is not sent again
            chunks = holder.get("chunks")
            if chunks is not None and worker.is_alive():
                try:
                    chunks.close()
                except Exception:
                    pass
        if not self.finish_reason:
            raise LLMError("the model server ended the answer stream early", "try again; if it persists, check the server's logs")


class LLM:
    def __init__(self, model: str, base_url: str | None = None, api_key_env: str = "OPENAI_API_KEY", timeout: float = 60.0,
                 retries: int = 2, first_token_timeout: float | None = None, on_progress: Callable | None = None):
        if not model:
            raise ConfigError("no model configured for the llm engine", "set one: assistant config set model NAME (or --model, ASSISTANT_MODEL)")
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.api_key_env = api_key_env
        self.timeout = timeout
        # the first token comes after the whole prompt is read: minutes for a small local model on a CPU
        self.first_token_timeout = first_token_timeout if first_token_timeout else max(timeout, 600.0 if self.is_local else timeout)
        self.retries = retries
        self.on_progress = on_progress  # (state "waiting"|"writing", seconds, tokens) -> None
        self._client = None
        self._client_lock = threading.Lock()
        self._preparing: threading.Thread | None = None

    @property
    def where(self) -> str:
        return self.base_url or "the OpenAI API"

    @property
    def is_local(self) -> bool:
        """A server on this machine (or a private address): probably a small model on a CPU."""
        if not self.base_url:
            return False
        host = (urlsplit(self.base_url).hostname or "").lower()
        return host in LOCAL_HOSTS or host.startswith(("127.", "10.", "192.168.")) or host.endswith(".local")

    def prepare(self) -> None:
        """Import the HTTP client and build it in a background thread while the caller does other
        work (retrieval): importing openai takes a second or more on a busy 2-core machine, time
        the answer otherwise waits for. A failure here is left for ``client`` to raise."""
        if self._client is not None or self._preparing is not None:
            return

        def build():
            try:
                self.client
            except Exception:
                pass  # raised again, in the caller's thread, when the client is used

        self._preparing = threading.Thread(target=build, name="llm-prepare", daemon=True)
        self._preparing.start()

    @property
    def client(self):
        with self._client_lock:
            return self._build_client()

    def _build_client(self):
        if self._client is None:
            import httpx
            import openai

            key = os.environ.get(self.api_key_env)
            if not key:
                if self.base_url is None:
                    raise ConfigError(f"the llm engine needs an API key in ${self.api_key_env}",
                                      f"export {self.api_key_env}=..., or point base_url at a local server (Ollama, vLLM, llama.cpp)")
                key = "not-needed"  # local servers accept any key
            # the waiting thread enforces the deadlines; the socket's own read timeout is only a backstop
            t = httpx.Timeout(connect=min(10.0, self.timeout), read=max(self.timeout, self.first_token_timeout) + 30,
                              write=self.timeout, pool=self.timeout)
            self._client = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=t, max_retries=0)
        return self._client

    def _progress(self, state: str, seconds: float, tokens: int) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(state, seconds, tokens)
            except Exception:
                pass  # a display problem never fails an answer

    # -- requests -------------------------------------------------------------------------
    def _create(self, **kw):
        """One request, retried only when the server did no work; a timeout is never resent."""
        import openai

        attempt = 0
        while True:
            try:
                return self.client.chat.completions.create(**kw)
            except AssistantError:
                raise
            except Exception as exc:
                if "response_format" in kw and _format_rejected(exc):
                    raise FormatUnsupported(f"the server rejected response_format {kw['response_format'].get('type')}", "") from None
                wait = None
                status = getattr(exc, "status_code", None)
                if isinstance(exc, openai.RateLimitError):
                    ra = getattr(getattr(exc, "response", None), "headers", {}).get("retry-after", "")
                    try:
                        wait = float(ra)
                    except ValueError:
                        wait = None
                    if wait is not None and wait > MAX_RETRY_AFTER:
                        raise self._map(exc) from None
                    if wait is None:
                        wait = min(8.0, 0.5 * 2 ** attempt)
                elif (status in (500, 502, 503, 504) or
                      (isinstance(exc, openai.APIConnectionError) and not isinstance(exc, openai.APITimeoutError))):
                    wait = min(8.0, 0.5 * 2 ** attempt)
                if wait is None or attempt >= self.retries:
                    raise self._map(exc) from None
                attempt += 1
                time.sleep(wait)

    def stream(self, messages: list[dict], max_tokens: int | None = None, temperature: float = 0.0,
               response_format: dict | None = None) -> Stream:
        kw = dict(model=self.model, messages=messages, max_tokens=max_tokens, temperature=temperature,
                  stream=True, stream_options={"include_usage": True})
        if response_format:
            kw["response_format"] = response_format
        return Stream(_start=lambda: iter(self._create(**kw)), _llm=self, model=self.model)

    def complete(self, messages: list[dict], max_tokens: int | None = None, temperature: float = 0.0,
                 response_format: dict | None = None) -> Completion:
        """The whole reply, read as a stream (so waiting is judged by progress)."""
        s = self.stream(messages, max_tokens=max_tokens, temperature=temperature, response_format=response_format)
        text = "".join(s)
        return Completion(text=text, model=s.model or self.model, prompt_tokens=s.prompt_tokens, completion_tokens=s.completion_tokens,
                          finish_reason=s.finish_reason, first_token_seconds=s.first_token_seconds)

    def _map(self, exc: Exception, during: str = "asking the model") -> AssistantError:
        """One clear error with a hint for each way a server can fail."""
        import openai

        status = getattr(exc, "status_code", None)
        body = getattr(exc, "body", None)
        code = body.get("code") if isinstance(body, dict) else None
        from ..util import redact

        message = redact(str(getattr(exc, "message", "") or exc), self.api_key_env, "OPENAI_API_KEY")
        if isinstance(exc, openai.BadRequestError) and (code == "context_length_exceeded" or "context length" in message.lower() or "maximum context" in message.lower()):
            return ContextTooLong("the prompt is longer than the model's context window", "lower context_window: assistant config set context_window N")
        if isinstance(exc, openai.AuthenticationError):
            return LLMError(f"the model server at {self.where} refused the API key (401)", f"check ${self.api_key_env}")
        if isinstance(exc, openai.PermissionDeniedError):
            return LLMError(f"the model server at {self.where} denied access (403)", f"check that the key in ${self.api_key_env} may use {self.model!r}")
        if isinstance(exc, openai.NotFoundError):
            return LLMError(f"the model server at {self.where} does not know the model {self.model!r}", "set a model it serves: assistant config set model NAME")
        if isinstance(exc, openai.RateLimitError):
            wait = getattr(getattr(exc, "response", None), "headers", {}).get("retry-after", "")
            if wait.replace(".", "", 1).isdigit() and float(wait) > MAX_RETRY_AFTER:
                return LLMError(f"the model server at {self.where} is rate-limiting requests (429) and asks to wait {float(wait):g} s", "wait and try again later")
            return LLMError(f"the model server at {self.where} is rate-limiting requests (429), still after {self.retries} retries", "wait and try again, or lower the request rate")
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"the model server at {self.where} did not answer within {self.first_token_timeout:g} s",
                            "raise llm_first_token_timeout: assistant config set llm_first_token_timeout 900")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach the model server at {self.where} while {during}", "check that it runs and that base_url / OPENAI_BASE_URL is right")
        if isinstance(exc, openai.InternalServerError) or (status and status >= 500):
            return LLMError(f"the model server at {self.where} failed ({status or 'server error'}), still after {self.retries} retries", "try again later")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"the model server at {self.where} rejected the request ({status}): {message[:200]}", "check the model name and server")
        if isinstance(exc, (json.JSONDecodeError, ValueError)):
            return LLMError(f"the model server at {self.where} sent a malformed response", "check that base_url points at an OpenAI-compatible /v1 endpoint")
        return LLMError(f"the model request failed: {exc.__class__.__name__}: {message[:200]}", "try again; run with ASSISTANT_DEBUG=1 for details")


def _format_rejected(exc: Exception) -> bool:
    """Did the server refuse the response_format itself (not fail for another reason)?
    llama-cpp-python answers json_schema with 500 "Input should be 'text' or 'json_object'";
    others say 400/422 naming response_format."""
    status = getattr(exc, "status_code", None)
    if status not in (400, 404, 415, 422, 500, 501):
        return False
    text = str(getattr(exc, "message", "") or exc).lower() + json.dumps(getattr(exc, "body", None) or "").lower()
    return any(w in text for w in ("response_format", "json_schema", "json_object", "'text'", "structured output", "grammar"))
