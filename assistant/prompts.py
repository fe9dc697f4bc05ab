"""Prompt templates: files in prompts/ (or a directory of the user's), with named variables
checked when loaded, so a typo in a template is an error at start, not a silent blank."""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ConfigError

# template name -> (variables it must use, variables it may use)
SPEC: dict[str, tuple[set[str], set[str]]] = {
    "system": ({"refusal"}, {"refusal", "as_of"}),
    "system_json": (set(), {"refusal", "as_of"}),
    "answer": ({"context", "question"}, {"context", "question", "as_of"}),
    "refusal": (set(), {"question"}),
    "condense": ({"question"}, {"question", "history"}),
    "brief_system": ({"refusal"}, {"refusal", "as_of"}),
    "brief": ({"context"}, {"context", "topic", "length", "as_of"}),
    "brief_notes": ({"context"}, {"context", "topic", "as_of"}),
}

REFUSAL_SENTINEL = "INSUFFICIENT_EVIDENCE"


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    fields: frozenset

    def render(self, **values) -> str:
        return self.text.format_map({k: values.get(k, "") for k in self.fields})


def fields_of(text: str, name: str) -> set[str]:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None and f != ""}
    except ValueError as exc:
        raise ConfigError(f"prompt template {name!r} is malformed ({exc})", "double literal braces: {{ and }}")


def load(name: str, directory: Path | None = None) -> Template:
    """Load a template from the user's directory if it has one, else the bundled one.
    A file is read and checked once per process while it is unchanged (every ask and brief
    needs the templates; a template edited during a chat session is read again)."""
    from .resources import prompts_dir

    if name not in SPEC:
        raise ConfigError(f"unknown prompt template {name!r}", "known: " + ", ".join(SPEC))
    candidates = ([Path(directory).expanduser() / f"{name}.txt"] if directory else []) + [prompts_dir() / f"{name}.txt"]
    for path in candidates:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            continue
        return _read(name, str(path), mtime)
    raise ConfigError(f"prompt template {name!r} not found", f"looked in {', '.join(str(c.parent) for c in candidates)}")


@lru_cache(maxsize=64)
def _read(name: str, file: str, mtime: int) -> Template:
    path = Path(file)
    text = path.read_text(encoding="utf-8").strip() + "\n"
    found = fields_of(text, name)
    required, allowed = SPEC[name]
    unknown, missing = found - allowed, required - found
    if unknown:
        raise ConfigError(f"prompt template {path} uses unknown variable(s) {', '.join(sorted(unknown))}",
                          "allowed: " + ", ".join(sorted(allowed)))
    if missing:
        raise ConfigError(f"prompt template {path} lacks required variable(s) {', '.join(sorted(missing))}",
                          "add them, e.g. {" + sorted(missing)[0] + "}")
    return Template(name, text, frozenset(found))
