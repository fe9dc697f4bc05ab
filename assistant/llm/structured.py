"""Structured replies: {"short_answer": ..., "sentences": [{"text": ..., "keys": [...]}]}.

Servers differ: OpenAI, vLLM and Ollama take ``response_format={"type": "json_schema", ...}``;
llama-cpp-python's server constrains with ``{"type": "json_object", "schema": ...}`` and answers
json_schema with HTTP 500; others take neither. The first form a server accepts is learned once
per server and model and remembered in the config file (``[structured_output]``), or for this
process alone when the data directory is read-only. A reply that is not the JSON asked for is
read with the text protocol ("sentence [3][5].") instead, so nothing a model writes is lost.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

MODES = ("json_schema", "json_object", "text")
TABLE = "structured_output"

ANSWER_SCHEMA = {
    "type": "object",
    "properties": {
        "short_answer": {"type": ["string", "null"]},
        "sentences": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"text": {"type": "string"}, "keys": {"type": "array", "items": {"type": "integer"}}},
                "required": ["text", "keys"],
            },
        },
    },
    # both required: llama.cpp's grammar writes required properties first, in this order, so the
    # short answer comes before the sentences (a right short answer can then be checked early)
    "required": ["short_answer", "sentences"],
}

BRIEF_SCHEMA = {
    "type": "object",
    "properties": {"sentences": ANSWER_SCHEMA["properties"]["sentences"]},
    "required": ["sentences"],
}


def brief_schema(min_points: int) -> dict:
    """The briefing schema asking for at least ``min_points`` sentences: with no lower bound a
    grammar-constrained small model (llama.cpp) closes the array after one sentence (Qwen 1.5B
    wrote one note per group and a one-point briefing), while in the text protocol it writes
    several; the bound only asks for more points, each is still checked."""
    if min_points <= 1:
        return BRIEF_SCHEMA
    sentences = dict(BRIEF_SCHEMA["properties"]["sentences"], minItems=int(min_points))
    return {**BRIEF_SCHEMA, "properties": {"sentences": sentences}}


def response_format(mode: str, schema: dict, name: str = "cited_answer") -> dict | None:
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
    if mode == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


# -- memory -------------------------------------------------------------------------------
_process: dict[str, str] = {}
_lock = threading.Lock()


def _key(base_url: str | None, model: str) -> str:
    return f"{(base_url or 'openai').rstrip('/')} {model}"


def learned(config_path: Path | None, base_url: str | None, model: str) -> str | None:
    key = _key(base_url, model)
    with _lock:
        if key in _process:
            return _process[key]
    if config_path is not None:
        from ..settings import read_table

        mode = read_table(Path(config_path), TABLE).get(key)
        if mode in MODES:
            return mode
    return None


def remember(config_path: Path | None, base_url: str | None, model: str, mode: str) -> bool:
    """Keep what the server accepts; True when written to the config file (False: this process only)."""
    key = _key(base_url, model)
    with _lock:
        _process[key] = mode
    if config_path is None:
        return False
    from ..settings import write_table

    try:
        write_table(Path(config_path), TABLE, key, mode)
        return True
    except OSError:
        return False  # a read-only data directory: remembered for this process alone


def forget_process_memory() -> None:
    with _lock:
        _process.clear()


# -- reading replies ----------------------------------------------------------------------
def parse(text: str) -> dict | None:
    """The reply as {"short_answer", "sentences": [{"text", "keys": [str]}]}, or None when it
    is not that JSON (then the text protocol reads it)."""
    s = text.strip()
    if s.startswith("```"):
        s = re.sub(r"^```(?:json)?\s*|\s*```$", "", s)
    try:
        doc = json.loads(s)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("sentences"), list):
        return None
    out = []
    for item in doc["sentences"]:
        norm = _item(item)
        if norm is not None:
            out.append(norm)
    short = doc.get("short_answer")
    return {"short_answer": short.strip() if isinstance(short, str) and short.strip() else None, "sentences": out}


def _item(item) -> dict | None:
    if isinstance(item, str):
        return {"text": item, "keys": []}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return None
    keys = item.get("keys") or []
    if not isinstance(keys, list):
        keys = [keys]
    return {"text": item["text"], "keys": [str(k).strip("[] ") for k in keys if isinstance(k, (int, str)) and str(k).strip("[] ")]}


_DECODER = json.JSONDecoder()


def complete_items(buf: str) -> list[dict]:
    """Sentence objects already complete in a partial JSON reply (for streaming: a sentence
    can be checked and shown while the model writes the next)."""
    m = re.search(r'"sentences"\s*:\s*\[', buf)
    if not m:
        return []
    i, out = m.end(), []
    while True:
        while i < len(buf) and buf[i] in " \t\r\n,":
            i += 1
        if i >= len(buf) or buf[i] != "{":
            return out
        try:
            obj, end = _DECODER.raw_decode(buf, i)
        except ValueError:
            return out
        norm = _item(obj)
        if norm is not None:
            out.append(norm)
        i = end
