"""Chat sessions as JSON files in <data dir>/sessions/<id>.json, written atomically.

A saved session holds the conversation, the scope (since/until/as-of), and the engine and
model *names*. Never a key, a base URL or any other setting: resuming uses the settings of
the moment.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from ..errors import CorruptSession, NotFound

FORMAT = "news-assistant-chat/1"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


def sessions_dir(home: Path) -> Path:
    return Path(home) / "sessions"


def new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def path_for(home: Path, session_id: str) -> Path:
    if not _ID.match(session_id or ""):
        raise NotFound(f"no chat session {session_id!r}", "list them with: ls " + str(sessions_dir(home)))
    return sessions_dir(home) / f"{session_id}.json"


def dump(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def save(home: Path, session_id: str, doc: dict) -> Path:
    from ..util import atomic_write_text

    p = path_for(home, session_id)
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(p, dump(doc))
    return p


def latest(home: Path) -> str | None:
    d = sessions_dir(home)
    if not d.is_dir():
        return None
    files = [f for f in d.glob("*.json") if not f.name.startswith(".")]
    if not files:
        return None
    return max(files, key=lambda f: (f.stat().st_mtime, f.name)).stem


def load(home: Path, session_id: str) -> dict:
    p = path_for(home, session_id)
    if not p.exists():
        raise NotFound(f"no chat session {session_id!r} in {p.parent}", "start a new one with: assistant chat")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptSession(f"the chat session file {p} cannot be read ({exc.__class__.__name__})", "starting a new session") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("turns"), list):
        raise CorruptSession(f"the chat session file {p} is not a saved chat session", "starting a new session")
    return doc
