"""One settings object: defaults, then the TOML config file, then ASSISTANT_* variables, then options.

The config file lives in the data directory (``<home>/config.toml``) so that one
``--data-dir`` / ``ASSISTANT_HOME`` is a complete, isolated installation. A key is
never stored: settings name the *environment variable* that holds it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import ConfigError

APP_NAME = "news-assistant"


def default_home() -> Path:
    env = os.environ.get("ASSISTANT_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    # Embedding: "local" (MiniLM int8 ONNX, no network), "openai" (any /v1/embeddings server), "hash" (tests).
    embedder: str = "local"
    embed_model: str = "text-embedding-3-small"
    embed_base_url: str = ""
    embed_api_key_env: str = "OPENAI_API_KEY"
    # The library: empty means SQLite in <home>/library.sqlite3; postgresql://USER@HOST:PORT/DB a shared PostgreSQL library.
    library_url: str = ""
    # Chroma: empty means the embedded PersistentClient in <home>/chroma.
    chroma_url: str = ""
    # Chunks: a budget in the embedder's own word pieces (title/date header included), overlap in sentences.
    # 256 won on the retrieval eval's tuning weeks (recall@10 and MRR; recall@5 tied with 128: docs/retrieval.md)
    chunk_tokens: int = 256
    # Overlap 0 and an untitled article's opening words in its chunks' header won on the tuning weeks
    # together (docs/retrieval.md, "Chunk text and overlap"); a library built otherwise asks for a reindex.
    chunk_overlap: int = 0
    # An article without a title heads its chunks with its opening words in the title's place, at most
    # this many word pieces (0: only the date and outlet), so a chunk from its middle says what it is about.
    chunk_opening_tokens: int = 64
    # LLM (answers issue): empty model means the extractive engine.
    model: str = ""
    base_url: str = ""
    api_key_env: str = "OPENAI_API_KEY"
    context_window: int = 8192
    # Tokens kept free for the answer, and a directory of the user's own prompt templates.
    max_answer_tokens: int = 512
    prompts_dir: str = ""
    # Seconds without a new token once the model writes; seconds to wait for the first token
    # (0: 600 for a server on this machine, which reads a long prompt slowly, else llm_timeout).
    # Retries only for requests that did no work (429, 5xx, refused connection): a timed-out
    # request is never sent again.
    llm_timeout: float = 60.0
    llm_first_token_timeout: float = 0.0
    llm_retries: int = 2
    # How to ask for structured replies: auto (learn json_schema / json_object / text once per
    # server and model), or one of them.
    response_format: str = "auto"
    # Context tokens for a model on this machine (a small model reads ~20 tokens/s on 2 cores).
    local_context_tokens: int = 600
    # Context tokens of an answer from a model on this machine: the sentences that best match the
    # question and their neighbours, not whole passages (0: whole passages within local_context_tokens).
    local_focus_tokens: int = 350
    # Seconds a writer waits for another writer's lock before refusing.
    lock_timeout: float = 10.0
    # update re-checks (conditional GET) the pages of feed entries first seen this many hours ago or less:
    # news sites edit developing stories without touching the feed entry. 0 turns it off.
    page_recheck_hours: float = 48.0

    @property
    def config_path(self) -> Path:
        return self.home / "config.toml"

    @classmethod
    def load(cls, home: Path | str | None = None, **overrides) -> "Settings":
        """Defaults < config file < ASSISTANT_* environment < explicit overrides (None ignored)."""
        base = cls(home=Path(home).expanduser()) if home else cls()
        values = {}
        values.update(read_config(base.config_path))
        for f in fields(cls):
            if f.name == "home":
                continue
            env = os.environ.get("ASSISTANT_" + f.name.upper())
            if env is not None and env != "":
                values[f.name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(base, **coerce(values))

    def public_dict(self) -> dict:
        return {f.name: (str(getattr(self, f.name)) if f.name == "home" else getattr(self, f.name)) for f in fields(self)}


SETTABLE = {f.name: f for f in fields(Settings) if f.name != "home"}


def coerce(values: dict) -> dict:
    """Turn strings from the environment or the command line into each field's type."""
    out = {}
    for key, value in values.items():
        if key not in SETTABLE:
            raise ConfigError(f"unknown setting {key!r}", "known settings: " + ", ".join(sorted(SETTABLE)))
        kind = type(getattr(Settings, key, None)) if hasattr(Settings, key) else str
        default = Settings.__dataclass_fields__[key].default
        kind = type(default)
        try:
            if kind is int:
                value = int(value)
            elif kind is float:
                value = float(value)
            else:
                value = str(value)
        except (TypeError, ValueError):
            what = {int: "a whole number", float: "a number"}.get(kind, "text")
            raise ConfigError(f"setting {key!r} must be {what}, got {value!r}", "fix it with 'assistant config set'")
        if key.endswith("api_key_env") and value and not value.replace("_", "").isalnum():
            raise ConfigError(
                f"{key} must name an environment variable, not hold a key",
                "e.g. 'assistant config set api_key_env OPENAI_API_KEY'",
            )
        out[key] = value
    return out


def read_config(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})", "fix or delete the file")
    data = {k: v for k, v in data.items() if k not in TABLES}  # learned tables, not settings
    unknown = [k for k in data if k not in SETTABLE]
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}", "known settings: " + ", ".join(sorted(SETTABLE)))
    return data


TABLES = ("structured_output",)  # what the tool learns and keeps next to the settings


def _read_all(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})", "fix or delete the file")


def read_table(path: Path, table: str) -> dict:
    t = _read_all(path).get(table)
    return dict(t) if isinstance(t, dict) else {}


def write_table(path: Path, table: str, key: str, value: str) -> None:
    """Set ``[table] "key" = value`` in the config file, keeping everything else (atomic)."""
    import tomli_w

    from .util import atomic_write_text

    data = _read_all(path)
    t = data.get(table) if isinstance(data.get(table), dict) else {}
    if t.get(key) == value:
        return
    t[key] = value
    data[table] = t
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, tomli_w.dumps(data))


def write_config(path: Path, key: str, value: str) -> dict:
    """Set one key in the config file (validated), written atomically."""
    import tomli_w

    from .util import atomic_write_text

    data = read_config(path)
    data.update(coerce({key: value}))
    if key == "response_format" and data[key] not in ("auto", "json_schema", "json_object", "text"):
        raise ConfigError(f"response_format must be auto, json_schema, json_object or text, got {data[key]!r}", "e.g. assistant config set response_format auto")
    full = {**_read_all(path), **data}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, tomli_w.dumps(full))
    return data
