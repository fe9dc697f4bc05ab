"""Deterministic fake OpenAI-compatible HTTP server for tests.

The real ``openai`` client (3.x) ships its own HTTP stack, so HTTP mocking
libraries cannot intercept it.  Instead this module serves a small subset of
the OpenAI REST API on a real loopback socket::

    with FakeOpenAIServer() as server:
        client = openai.OpenAI(base_url=server.url + "/v1", api_key="test-key", max_retries=0)
        server.queue_reply("Hello")
        client.chat.completions.create(model="fake-model", messages=[...])

Endpoints: ``GET /v1/models``, ``GET /v1/models/{id}``, ``POST /v1/embeddings``
and ``POST /v1/chat/completions`` (plain and ``stream: true``).  The ``/v1``
prefix is optional.  Model names must start with ``"fake"``; anything else
gets OpenAI's 404 ``model_not_found`` error.

Chat replies come from, in order of priority:

1. replies queued with :meth:`FakeOpenAIServer.queue_reply` (FIFO);
2. the current *mode* (see :data:`MODES` and :func:`generate_reply`).

Faults queued with :meth:`FakeOpenAIServer.queue_fault` are applied to the next
request(s) in FIFO order, whatever the endpoint (see :data:`FAULTS`).

Structured output (:data:`SERVER_KINDS`, :meth:`FakeOpenAIServer.set_server_kind`): the fake
emulates what a kind of server does with ``response_format``: ``json_schema`` (OpenAI, vLLM,
Ollama: takes ``json_schema`` and ``json_object``), ``json_object`` (llama-cpp-python's server:
takes ``{"type": "json_object", "schema": ...}`` and answers ``json_schema`` with HTTP 500
"Input should be 'text' or 'json_object'"), ``text`` (rejects any ``response_format`` with 400)
and ``ignore`` (accepts it and answers in plain text anyway). A generated reply asked for JSON is
``{"short_answer": ..., "sentences": [{"text", "keys"}]}``; queued replies are sent as queued.

Slow servers (:meth:`FakeOpenAIServer.set_delays`): ``first_token`` seconds before the response
starts (a model reading its prompt), ``per_token`` seconds between streamed pieces.

Only the standard library is used.  Run ``python -m tests.fakes.openai_server
--port N [--mode M] [--replies FILE]`` for a foreground server.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import math
import re
import signal
import socket
import struct
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

#: Default refusal sentinel.  A system prompt line ``Refusal sentinel: XYZ``
#: overrides it for that request.
REFUSAL = "INSUFFICIENT_EVIDENCE"

MODES = ("cite", "nocite", "invent", "gullible", "echo")
SERVER_KINDS = ("json_schema", "json_object", "text", "ignore")
FAULTS = (
    "401",
    "403",
    "404_model",
    "429",
    "500",
    "503",
    "timeout",
    "malformed",
    "cut_stream",
    "context_length",
)

CHAT_MODEL = "fake-model"
EMBED_MODEL = "fake-embed"
EMBED_DIM = 64
# Fixed timestamp so that every response body is reproducible.
CREATED = 1_700_000_000
SYSTEM_FINGERPRINT = "fp_fake"
CONTEXT_LIMIT = 8192

# Small stop-word list used when matching questions against context lines.
STOP_WORDS = frozenset(
    """
    a an the and or but nor of in on at to for from by with about as into onto
    over under after before between during than then so if of off up down out
    is are was were be been being am do does did done has have had having
    what who whom whose which when where why how that this these those there
    it its he him his she her hers they them their theirs we us our ours you
    your yours i me my mine not no yes can could would should will shall may
    might must any some all each such very just also only please tell say said
    according question answer know
    """.split()
)

# A context line: ``[KEY] text``.  Keys are short ids without spaces.
_CONTEXT_LINE_RE = re.compile(r"^\s*\[([^\[\]\s]{1,16})\]\s*(\S.*?)\s*$")
_QUESTION_RE = re.compile(r"^\s*question\s*:\s*(.*)$", re.IGNORECASE)
_SENTINEL_RE = re.compile(r"^\s*refusal sentinel\s*:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_WORD_RE = re.compile(r"[a-z0-9]+")

# Prompt-injection triggers obeyed by the "gullible" mode.
_INJECTION_RES = (
    re.compile(r"ignore\s+(?:all\s+)?(?:the\s+|your\s+)?(?:previous|prior|above)\s+instructions", re.I),
    re.compile(r"instead\s*,?\s+say", re.I),
    re.compile(r"you\s+must\s+(?:say|answer|reply|respond)", re.I),
    re.compile(r"reveal\s+(?:the\s+|your\s+)?system\s+prompt", re.I),
    re.compile(r"respond\s+with", re.I),
    re.compile(r"reply\s+with", re.I),
)
_REVEAL_RE = re.compile(r"reveal\s+(?:the\s+|your\s+)?system\s+prompt", re.I)
# Verb introducing the text the injection wants said; payload is either quoted
# or the rest of the line.
_SAY_VERB = r"\b(?:say|respond\s+with|reply\s+with|answer\s+with|answer|reply|respond)\b[\s:,]*"
_QUOTED_PAYLOAD_RE = re.compile(_SAY_VERB + r"[\"\u201c'](.+?)[\"\u201d']", re.I)
_BARE_PAYLOAD_RE = re.compile(_SAY_VERB + r"(.+)$", re.I)
_LEAD_IN_RE = re.compile(
    r"^[\s.,:;!-]*(?:(?:and|then|instead)\s+)*(?:(?:tell|inform)\s+(?:the\s+)?(?:users?|readers?)\s+(?:that\s+)?)?",
    re.I,
)


# --------------------------------------------------------------------------
# Pure helpers (importable by other tests)
# --------------------------------------------------------------------------


def word_count(text: str) -> int:
    """Whitespace word count; used for every ``usage`` number."""
    return len(text.split())


def embed_text(text: str, dimensions: int = EMBED_DIM) -> list[float]:
    """Deterministic bag-of-words embedding.

    Each lowercase word token is hashed with SHA-1 into a pseudo-random vector
    (bytes mapped to [-1, 1]); token vectors are summed and L2-normalised.  The
    hash stream is extended block by block, so a vector requested with a
    smaller ``dimensions`` is the normalised prefix of the larger one (like
    OpenAI's shortened embeddings).  Values are rounded to float32 so the
    ``float`` and ``base64`` encodings decode to identical numbers.  Text
    without word tokens yields the zero vector.
    """
    total = [0.0] * dimensions
    for token in re.findall(r"\w+", text.lower()):
        raw = b""
        block = 0
        while len(raw) < dimensions:
            raw += hashlib.sha1(f"{token}\x00{block}".encode()).digest()
            block += 1
        for i in range(dimensions):
            total[i] += (raw[i] - 127.5) / 127.5
    norm = math.sqrt(sum(v * v for v in total))
    if norm:
        total = [v / norm for v in total]
    return list(struct.unpack(f"<{dimensions}f", struct.pack(f"<{dimensions}f", *total)))


def message_text(message: dict[str, Any]) -> str:
    """Text of a chat message; content may be a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def content_words(text: str) -> set[str]:
    """Lowercase word tokens minus stop words and single letters."""
    return {w for w in _WORD_RE.findall(text.lower()) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())}


@dataclass(frozen=True)
class ContextLine:
    key: str
    text: str


def _system_text(messages: list[dict[str, Any]]) -> str:
    # "developer" is the newer name for the system role.
    return "\n".join(message_text(m) for m in messages if m.get("role") in ("system", "developer"))


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def parse_context(messages: list[dict[str, Any]]) -> list[ContextLine]:
    """Context lines (``[KEY] text``) from system messages and the last user message.

    Earlier user turns are ignored so that a follow-up question is answered
    from the latest context only.
    """
    lines: list[ContextLine] = []
    for text in (_system_text(messages), _last_user_text(messages)):
        for line in text.splitlines():
            match = _CONTEXT_LINE_RE.match(line)
            if match:
                lines.append(ContextLine(match.group(1), match.group(2)))
    return lines


def extract_question(messages: list[dict[str, Any]]) -> str:
    """The question: text after a ``Question:`` line of the last user message
    (that line's remainder plus any following non-context lines), else the
    whole last user message minus context lines."""
    lines = _last_user_text(messages).splitlines()
    for index, line in enumerate(lines):
        match = _QUESTION_RE.match(line)
        if match:
            rest = [l for l in lines[index + 1 :] if not _CONTEXT_LINE_RE.match(l)]
            return "\n".join([match.group(1), *rest]).strip()
    return "\n".join(l for l in lines if not _CONTEXT_LINE_RE.match(l)).strip()


def refusal_sentinel(messages: list[dict[str, Any]]) -> str:
    match = _SENTINEL_RE.search(_system_text(messages))
    return match.group(1) if match else REFUSAL


def select_evidence(question: str, context: list[ContextLine], limit: int = 2) -> list[ContextLine]:
    """Up to ``limit`` context lines with the highest content-word overlap
    (> 0) with the question; best first, ties broken by context order."""
    q_words = content_words(question)
    scored = [(len(q_words & content_words(c.text)), i, c) for i, c in enumerate(context)]
    scored = [s for s in scored if s[0] > 0]
    scored.sort(key=lambda s: (-s[0], s[1]))
    return [c for _, _, c in scored[:limit]]


def _with_key(text: str, key: str | None) -> str:
    """``"The governor resigned."`` + ``"3"`` -> ``"The governor resigned [3]."``.

    The key goes before the final run of ``.!?``; text without terminal
    punctuation gets a full stop after the key.
    """
    match = re.match(r"^(.*?)([.!?]+)$", text, re.S)
    body, punct = (match.group(1), match.group(2)) if match else (text, ".")
    return f"{body} [{key}]{punct}" if key is not None else f"{body}{punct}"


def _invented_keys(context: list[ContextLine]) -> Iterable[str]:
    """Keys 99, 100, ... that do not occur in the context."""
    used = {c.key for c in context}
    n = 99
    while True:
        if str(n) not in used:
            yield str(n)
        n += 1


def _injected_reply(messages: list[dict[str, Any]], context: list[ContextLine]) -> str | None:
    """What a gullible model says when a context line carries an instruction."""
    for line in context:
        trigger = next((m for r in _INJECTION_RES if (m := r.search(line.text))), None)
        if trigger is None:
            continue
        if _REVEAL_RE.search(line.text):
            return _system_text(messages)
        quoted = _QUOTED_PAYLOAD_RE.search(line.text)
        if quoted:
            return quoted.group(1).strip()
        bare = _BARE_PAYLOAD_RE.search(line.text, trigger.start())
        if bare and bare.group(1).strip(" .!\"'"):
            return bare.group(1).strip(" .!\"'")
        # Bare "ignore previous instructions and tell the user that X": say X
        # (or, with nothing after the trigger, the line itself).
        rest = _LEAD_IN_RE.sub("", line.text[trigger.end() :]).strip(" .,:;!\"'")
        return rest or line.text
    return None


def generate_reply(messages: list[dict[str, Any]], mode: str = "cite") -> str:
    """The chat reply for ``mode`` when no reply is queued (pure function)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    if mode == "echo":
        return _last_user_text(messages)
    context = parse_context(messages)
    if mode == "gullible":
        injected = _injected_reply(messages, context)
        if injected is not None:
            return injected
    evidence = select_evidence(extract_question(messages), context)
    if not evidence:
        return refusal_sentinel(messages)
    if mode == "nocite":
        return " ".join(_with_key(c.text, None) for c in evidence)
    if mode == "invent":
        keys = _invented_keys(context)
        return " ".join(_with_key(c.text, next(keys)) for c in evidence)
    return " ".join(_with_key(c.text, c.key) for c in evidence)  # cite / gullible


def json_reply(messages: list[dict[str, Any]], mode: str = "cite") -> str:
    """The reply of :func:`generate_reply` as the structured JSON a schema asks for."""
    if mode == "echo":
        return json.dumps({"short_answer": None, "sentences": [{"text": _last_user_text(messages), "keys": []}]})
    context = parse_context(messages)
    if mode == "gullible":
        injected = _injected_reply(messages, context)
        if injected is not None:
            return json.dumps({"short_answer": None, "sentences": [{"text": injected, "keys": []}]})
    evidence = select_evidence(extract_question(messages), context)
    if not evidence:
        return json.dumps({"short_answer": None, "sentences": []})
    keys = _invented_keys(context)
    items = []
    for c in evidence:
        k = [] if mode == "nocite" else [next(keys)] if mode == "invent" else [c.key]
        items.append({"text": c.text, "keys": [int(x) if x.isdigit() else x for x in k]})
    return json.dumps({"short_answer": None, "sentences": items})


def read_fixture_replies(path: str) -> list[str]:
    """Replies from a JSON file: a list (or ``{"replies": [...]}``) whose items
    are strings or objects with a ``content`` or ``text`` field."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if isinstance(data, dict):
        data = data["replies"]
    replies = []
    for item in data:
        if isinstance(item, dict):
            item = item.get("content", item.get("text"))
        if not isinstance(item, str):
            raise ValueError(f"{path}: each reply must be a string or have a 'content'/'text' string")
        replies.append(item)
    return replies


def _error_body(message: str, type_: str, code: str | None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def _model_not_found(model: str) -> tuple[int, dict[str, Any]]:
    return 404, _error_body(
        f"The model `{model}` does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    )


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received.  Header names are lowercased; ``body`` is the
    parsed JSON body (``None`` when absent or not valid JSON)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None


@dataclass(frozen=True)
class Fault:
    name: str
    options: dict[str, Any] = field(default_factory=dict)


_FAULT_OPTIONS = {"429": {"retry_after"}, "timeout": {"seconds"}, "context_length": {"limit"}}


class FakeOpenAIServer:
    """Fake OpenAI API on ``127.0.0.1`` (port 0 = any free port).

    All public methods are thread-safe.  Use as a context manager or call
    :meth:`start` / :meth:`stop`.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, mode: str = "cite") -> None:
        self._check_mode(mode)
        self._host = host
        self._port = port
        self._initial_mode = mode
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._init_state()

    def _init_state(self) -> None:
        self._mode = self._initial_mode
        self._requests: list[RecordedRequest] = []
        self._replies: deque[str] = deque()
        self._faults: deque[Fault] = deque()
        self._counter = 0
        self._kind = "json_schema"
        self._delays = (0.0, 0.0)

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> "FakeOpenAIServer":
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]  # read by _Handler
        # Silence tracebacks for clients that hang up (timeouts, cut streams).
        httpd.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self._httpd = httpd
        # Short poll interval keeps stop() fast.
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a "timeout" fault
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- control -----------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    def set_mode(self, name: str) -> None:
        self._check_mode(name)
        with self._lock:
            self._mode = name

    @property
    def server_kind(self) -> str:
        with self._lock:
            return self._kind

    def set_server_kind(self, kind: str) -> None:
        """Which response_format forms the server takes (see :data:`SERVER_KINDS`)."""
        if kind not in SERVER_KINDS:
            raise ValueError(f"unknown server kind {kind!r}; expected one of {SERVER_KINDS}")
        with self._lock:
            self._kind = kind

    def set_delays(self, first_token: float = 0.0, per_token: float = 0.0) -> None:
        """A slow model: seconds before the first streamed piece, then between pieces."""
        with self._lock:
            self._delays = (float(first_token), float(per_token))

    def _delays_now(self) -> tuple[float, float]:
        with self._lock:
            return self._delays

    def queue_reply(self, text: str) -> None:
        """Queue a chat reply; queued replies win over the mode, FIFO."""
        with self._lock:
            self._replies.append(text)

    def load_fixture_replies(self, path: str) -> list[str]:
        """Queue every reply from a JSON fixture (see :func:`read_fixture_replies`)."""
        replies = read_fixture_replies(path)
        with self._lock:
            self._replies.extend(replies)
        return replies

    def queue_fault(self, name: str, **options: Any) -> None:
        """Queue a fault; each request (any endpoint) takes the oldest one.

        Options: ``429`` takes ``retry_after`` (sets ``Retry-After``);
        ``timeout`` takes ``seconds`` (default 5); ``context_length`` takes
        ``limit`` (default 8192, only used in the message).
        """
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; expected one of {FAULTS}")
        unknown = set(options) - _FAULT_OPTIONS.get(name, set())
        if unknown:
            raise TypeError(f"fault {name!r} does not take {sorted(unknown)}")
        with self._lock:
            self._faults.append(Fault(name, dict(options)))

    def reset(self) -> None:
        """Forget requests, queued replies and faults; restore the initial mode."""
        with self._lock:
            self._init_state()

    # -- used by the handler -----------------------------------------------

    @staticmethod
    def _check_mode(name: str) -> None:
        if name not in MODES:
            raise ValueError(f"unknown mode {name!r}; expected one of {MODES}")

    def _record(self, request: RecordedRequest) -> Fault | None:
        """Record a request and pop the fault it should suffer, atomically."""
        with self._lock:
            self._requests.append(request)
            return self._faults.popleft() if self._faults else None

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._counter += 1
            return f"{prefix}-fake{self._counter:06d}"

    def _chat_reply(self, messages: list[dict[str, Any]], structured: bool = False) -> str:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
            mode = self._mode
        return json_reply(messages, mode) if structured else generate_reply(messages, mode)

    def _format_error(self, response_format: Any) -> tuple[int, dict[str, Any]] | None:
        """What this kind of server says to a response_format it does not take."""
        if response_format is None:
            return None
        kind = self.server_kind
        rtype = response_format.get("type") if isinstance(response_format, dict) else None
        if kind == "json_object" and rtype not in ("text", "json_object"):
            # llama-cpp-python's pydantic validation error, as a 500
            return 500, {"error": {"message": f"[{{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': '{rtype}'}}]", "type": "internal_server_error", "param": None, "code": None}}
        if kind == "text" and rtype not in (None, "text"):
            return 400, _error_body("response_format is not supported by this server", "invalid_request_error", None, "response_format")
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real API
    # Headers and body are separate writes; without TCP_NODELAY, Nagle plus
    # delayed ACKs add ~40 ms to every response.
    disable_nagle_algorithm = True
    server_version = "FakeOpenAI/1.0"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    @property
    def fake(self) -> FakeOpenAIServer:
        return self.server.fake  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    # -- request flow ------------------------------------------------------

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        body_error = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body_error = True
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = self.fake._record(RecordedRequest(self.command, self.path, headers, body))
        model = body.get("model") if isinstance(body, dict) else None

        # Faults that replace the response entirely.
        if fault is not None:
            error = self._fault_error(fault, model, body)
            if error is not None:
                status, payload, extra_headers = error
                self._send_json(status, payload, extra_headers)
                return
        if body_error:
            self._send_json(400, _error_body("We could not parse the JSON body of your request.", "invalid_request_error", None))
            return

        # Build the normal response first, so that queued replies are consumed
        # in arrival order even when the delivery is delayed or broken.
        status, payload, stream = self._route(body)

        if fault is not None and fault.name == "timeout":
            # Interruptible sleep: stop() wakes us and we drop the connection.
            if self.fake._stopping.wait(float(fault.options.get("seconds", 5))):
                self.close_connection = True
                return
        if fault is not None and fault.name == "malformed" and status == 200:
            self._send_malformed(stream is not None)
            return
        cut = fault is not None and fault.name == "cut_stream" and status == 200
        if stream is not None:
            self._send_stream(stream, cut=cut)
        elif cut:
            self._send_truncated(payload)
        else:
            self._send_json(status, payload)

    def _fault_error(
        self, fault: Fault, model: str | None, body: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        name = fault.name
        if name == "401":
            return 401, _error_body(
                "Incorrect API key provided: test-key. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            ), {}
        if name == "403":
            return 403, _error_body(
                "You are not allowed to access this resource.", "invalid_request_error", "permission_denied"
            ), {}
        if name == "404_model":
            status, payload = _model_not_found(model or CHAT_MODEL)
            return status, payload, {}
        if name == "429":
            headers = {}
            if fault.options.get("retry_after") is not None:
                headers["Retry-After"] = str(fault.options["retry_after"])
            return 429, _error_body(
                f"Rate limit reached for {model or CHAT_MODEL} on requests per min (RPM): Limit 3, Used 3, Requested 1. "
                "Please try again in 20s.",
                "requests",
                "rate_limit_exceeded",
            ), headers
        if name == "500":
            return 500, _error_body(
                "The server had an error while processing your request. Sorry about that!", "server_error", None
            ), {}
        if name == "503":
            return 503, _error_body(
                "The engine is currently overloaded, please try again later.", "server_error", None
            ), {}
        if name == "context_length":
            limit = int(fault.options.get("limit", CONTEXT_LIMIT))
            used = max(limit + 1, _prompt_tokens(body))
            return 400, _error_body(
                f"This model's maximum context length is {limit} tokens. However, your messages resulted in "
                f"{used} tokens. Please reduce the length of the messages.",
                "invalid_request_error",
                "context_length_exceeded",
                param="messages",
            ), {}
        return None  # timeout / malformed / cut_stream alter delivery instead

    def _route(self, body: Any) -> tuple[int, dict[str, Any], list[dict[str, Any]] | None]:
        """Return ``(status, json_payload, stream_chunks_or_None)``."""
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.startswith("/v1/") or path == "/v1":
            path = path[3:]
        if self.command == "GET" and path == "/models":
            return 200, {"object": "list", "data": [_model_object(CHAT_MODEL), _model_object(EMBED_MODEL)]}, None
        if self.command == "GET" and path.startswith("/models/"):
            model_id = path[len("/models/") :]
            if model_id.startswith("fake"):
                return 200, _model_object(model_id), None
            return (*_model_not_found(model_id), None)
        if self.command == "POST" and path in ("/embeddings", "/chat/completions"):
            if not isinstance(body, dict):
                return 400, _error_body("Request body must be a JSON object.", "invalid_request_error", None), None
            model = body.get("model")
            if not isinstance(model, str) or not model:
                return 400, _error_body("you must provide a model parameter", "invalid_request_error", None), None
            if not model.startswith("fake"):
                return (*_model_not_found(model), None)
            if path == "/embeddings":
                return self._embeddings(body)
            return self._chat(body)
        return 404, _error_body(
            f"Invalid URL ({self.command} {self.path})", "invalid_request_error", None
        ), None

    # -- endpoints ---------------------------------------------------------

    def _embeddings(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], None]:
        inputs = body.get("input")
        # Accept a string, a list of strings, a token list or a list of token lists.
        if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and all(isinstance(t, int) for t in inputs)):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs:
            return 400, _error_body("'input' must be a non-empty string or array", "invalid_request_error", None, "input"), None
        texts = [" ".join(map(str, i)) if isinstance(i, list) else i for i in inputs]
        if not all(isinstance(t, str) for t in texts):
            return 400, _error_body("'input' items must be strings or token arrays", "invalid_request_error", None, "input"), None
        dimensions = body.get("dimensions", EMBED_DIM)
        if not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1:
            return 400, _error_body("'dimensions' must be a positive integer", "invalid_request_error", None, "dimensions"), None
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            return 400, _error_body("'encoding_format' must be 'float' or 'base64'", "invalid_request_error", None, "encoding_format"), None
        data = []
        for index, text in enumerate(texts):
            vector: Any = embed_text(text, dimensions)
            if encoding == "base64":
                # What the openai client decodes: little-endian float32 bytes.
                vector = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(word_count(t) for t in texts)
        return 200, {
            "object": "list",
            "data": data,
            "model": body["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }, None

    def _chat(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], list[dict[str, Any]] | None]:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            return 400, _error_body("'messages' must be a non-empty array of objects", "invalid_request_error", None, "messages"), None
        model = body["model"]
        rf = body.get("response_format")
        error = self.fake._format_error(rf)
        if error is not None:
            return error[0], error[1], None
        structured = isinstance(rf, dict) and rf.get("type") in ("json_object", "json_schema") and self.fake.server_kind != "ignore"
        reply = self.fake._chat_reply(messages, structured)
        finish_reason = "stop"
        # Honour max tokens (= words here) like the real API: truncate, "length".
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        pieces = re.findall(r"\S+\s*|\s+", reply)
        if isinstance(limit, int) and word_count(reply) > limit:
            words = [p for p in pieces if p.strip()][:limit]
            reply = "".join(words).rstrip()
            pieces = re.findall(r"\S+\s*|\s+", reply)
            finish_reason = "length"
        prompt_tokens = _prompt_tokens(body)
        completion_tokens = word_count(reply)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = self.fake._next_id("chatcmpl")
        base = {"id": completion_id, "created": CREATED, "model": model, "system_fingerprint": SYSTEM_FINGERPRINT}

        if not body.get("stream"):
            return 200, {
                **base,
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply, "refusal": None},
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
                "usage": usage,
            }, None

        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            c = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                c["usage"] = None  # the real API sends null until the last chunk
            return c

        chunks = [chunk({"role": "assistant", "content": ""})]
        chunks += [chunk({"content": piece}) for piece in pieces]
        chunks.append(chunk({}, finish_reason))
        if include_usage:
            chunks.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage})
        return 200, {}, chunks

    # -- writers -----------------------------------------------------------

    def _send_json(self, status: int, payload: dict[str, Any], extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _send_stream(self, chunks: list[dict[str, Any]], cut: bool = False) -> None:
        # like llama-cpp-python's server, nothing (not even headers) until the first token
        first, per = self.fake._delays_now()
        if first and self.fake._stopping.wait(first):
            self.close_connection = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if cut:
            # Role chunk plus at most three content chunks, always short of the
            # full reply; then hang up mid-body (no [DONE], no final 0-chunk),
            # which the client sees as an incomplete chunked read.
            content = [c for c in chunks[1:] if c["choices"] and "content" in c["choices"][0]["delta"]]
            chunks = chunks[:1] + content[: min(3, max(len(content) - 1, 0))]
        for i, c in enumerate(chunks):
            if per and i > 1 and self.fake._stopping.wait(per):
                self.close_connection = True
                return
            self._write_chunk(f"data: {json.dumps(c)}\n\n".encode())
        if cut:
            self._hang_up()
            return
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _send_truncated(self, payload: dict[str, Any]) -> None:
        """Non-streaming cut: announce the full length, send half, hang up."""
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self._hang_up()

    def _send_malformed(self, stream: bool) -> None:
        if stream:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self._write_chunk(b'data: {"id": "chatcmpl-broken", "choices": [\n\n')
            self._write_chunk(b"data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        data = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _hang_up(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _prompt_tokens(body: Any) -> int:
    if not isinstance(body, dict):
        return 0
    messages = body.get("messages")
    if isinstance(messages, list):
        return sum(word_count(message_text(m)) for m in messages if isinstance(m, dict))
    return 0


def _model_object(model_id: str) -> dict[str, Any]:
    return {"id": model_id, "object": "model", "created": CREATED, "owned_by": "fake-openai"}


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the fake OpenAI server in the foreground.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--mode", default="cite", choices=MODES)
    parser.add_argument("--replies", metavar="JSON", help="queue the replies of a JSON fixture file")
    args = parser.parse_args(argv)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with FakeOpenAIServer(args.host, args.port, args.mode) as server:
        if args.replies:
            server.load_fixture_replies(args.replies)
        # Subprocess users parse this line to learn the port.
        print(f"Fake OpenAI server listening on {server.url}", flush=True)
        try:
            while not done.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
