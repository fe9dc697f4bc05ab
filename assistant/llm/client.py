"""Chat completions from any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp).

The openai client retries 429 (honouring Retry-After) and 5xx with back-off, up to
``retries`` times; every failure that remains becomes an AssistantError with a hint.
``OPENAI_BASE_URL`` is read by the client when no base URL is configured; a key that merely
happens to be in the environment never switches the engine: only a configured model does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Iterator

from ..errors import AssistantError, ConfigError, ContextTooLong, LLMError  # noqa: F401  (re-exported)


@dataclass
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""


@dataclass
class Stream:
    """Iterate for text deltas; usage and finish_reason are filled in when the stream ends."""

    _chunks: Iterator = field(repr=False, default=None)
    _llm: "LLM" = field(repr=False, default=None)
    model: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""

    def __iter__(self):
        try:
            for chunk in self._chunks:
                if getattr(chunk, "usage", None):
                    self.prompt_tokens = chunk.usage.prompt_tokens or 0
                    self.completion_tokens = chunk.usage.completion_tokens or 0
                for choice in chunk.choices or []:
                    if choice.finish_reason:
                        self.finish_reason = choice.finish_reason
                    delta = choice.delta.content if choice.delta else None
                    if delta:
                        yield delta
        except Exception as exc:  # a cut stream, a malformed event
            raise self._llm._map(exc, during="streaming the answer") from None
        if not self.finish_reason:
            raise LLMError("the model server ended the answer stream early", "try again; if it persists, check the server's logs")


class LLM:
    def __init__(self, model: str, base_url: str | None = None, api_key_env: str = "OPENAI_API_KEY", timeout: float = 60.0, retries: int = 2):
        if not model:
            raise ConfigError("no model configured for the llm engine", "set one: assistant config set model NAME (or --model, ASSISTANT_MODEL)")
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.api_key_env = api_key_env
        self.timeout = timeout
        self.retries = retries
        self._client = None

    @property
    def where(self) -> str:
        return self.base_url or "the OpenAI API"

    @property
    def client(self):
        if self._client is None:
            import openai

            key = os.environ.get(self.api_key_env)
            if not key:
                if self.base_url is None:
                    raise ConfigError(f"the llm engine needs an API key in ${self.api_key_env}",
                                      f"export {self.api_key_env}=..., or point base_url at a local server (Ollama, vLLM, llama.cpp)")
                key = "not-needed"  # local servers accept any key
            self._client = openai.OpenAI(api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=self.retries)
        return self._client

    def complete(self, messages: list[dict], max_tokens: int | None = None, temperature: float = 0.0) -> Completion:
        try:
            resp = self.client.chat.completions.create(model=self.model, messages=messages, max_tokens=max_tokens, temperature=temperature)
        except AssistantError:
            raise
        except Exception as exc:
            raise self._map(exc) from None
        if not getattr(resp, "choices", None):
            raise LLMError(f"the model server at {self.where} returned no answer", "check the server's logs")
        usage = getattr(resp, "usage", None)
        return Completion(
            text=resp.choices[0].message.content or "",
            model=getattr(resp, "model", self.model) or self.model,
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            finish_reason=resp.choices[0].finish_reason or "",
        )

    def stream(self, messages: list[dict], max_tokens: int | None = None, temperature: float = 0.0) -> Stream:
        try:
            chunks = self.client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_tokens, temperature=temperature,
                stream=True, stream_options={"include_usage": True},
            )
        except AssistantError:
            raise
        except Exception as exc:
            raise self._map(exc) from None
        return Stream(_chunks=iter(chunks), _llm=self, model=self.model)

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
            if wait.replace(".", "", 1).isdigit() and float(wait) > 120:  # the client does not sleep that long: no retry
                return LLMError(f"the model server at {self.where} is rate-limiting requests (429) and asks to wait {float(wait):g} s", "wait and try again later")
            return LLMError(f"the model server at {self.where} is rate-limiting requests (429), still after {self.retries} retries", "wait and try again, or lower the request rate")
        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"the model server at {self.where} did not answer within {self.timeout:g} s", "try again, or raise llm_timeout: assistant config set llm_timeout 120")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach the model server at {self.where} while {during}", "check that it runs and that base_url / OPENAI_BASE_URL is right")
        if isinstance(exc, openai.InternalServerError) or (status and status >= 500):
            return LLMError(f"the model server at {self.where} failed ({status or 'server error'}), still after {self.retries} retries", "try again later")
        if isinstance(exc, openai.APIStatusError):
            return LLMError(f"the model server at {self.where} rejected the request ({status}): {message[:200]}", "check the model name and server")
        if isinstance(exc, (json.JSONDecodeError, ValueError)):
            return LLMError(f"the model server at {self.where} sent a malformed response", "check that base_url points at an OpenAI-compatible /v1 endpoint")
        return LLMError(f"the model request failed: {exc.__class__.__name__}: {message[:200]}", "try again; run with ASSISTANT_DEBUG=1 for details")
