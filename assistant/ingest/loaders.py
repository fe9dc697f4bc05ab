"""Loaders: plain text (in the seed's shape), Markdown with YAML front matter, JSON and JSON Lines.

Each returns ParsedArticle records whose ``text`` is the cleaned body: paragraphs with
collapsed whitespace joined by blank lines. Sentence offsets point into that text.
"""

from __future__ import annotations

import json
import re

from ..errors import InputError
from ..types import ParsedArticle

BULLET = re.compile(r"^\s*[•·▪●◦\-\*]\s+(.*\S)\s*$")
READ_MORE = re.compile(r"^\s*(?:Read more at|Read more:|Read the full story at)\s+(.+?)\s*$", re.I)
MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")

# Field names accepted in JSON records, first match wins. --field name=key puts a key first.
FIELD_ALIASES = {
    "title": ["title", "headline"],
    "text": ["text", "body", "article", "content", "maintext"],
    "date": ["date", "published", "published_at", "publish_date", "pubDate", "date_publish"],
    "updated": ["updated", "updated_at", "modified", "date_modify"],
    "url": ["url", "link"],
    "source": ["source", "outlet", "site", "publisher", "source_domain"],
    "author": ["author", "authors", "byline"],
    "id": ["id"],
}


def clean_paragraphs(body: str, notes: list[str]) -> list[str]:
    """Split on blank lines, collapse whitespace, drop exact repeats (repeated photo captions)."""
    out: list[str] = []
    seen: set[str] = set()
    for block in re.split(r"\n\s*\n", body):
        para = " ".join(block.split())
        if not para:
            continue
        if para in seen:
            notes.append(f"dropped repeated paragraph: {para[:60]}")
            continue
        seen.add(para)
        out.append(para)
    return out


def _strip_trailer(paras: list[str], art: ParsedArticle) -> list[str]:
    """Drop a trailing "Read more at OUTLET" line, keeping the outlet when none is known."""
    if paras:
        m = READ_MORE.match(paras[-1])
        if m:
            if not art.source:
                art.source = m.group(1).rstrip(".")
            art.notes.append(f"dropped trailer: {paras[-1]}")
            return paras[:-1]
    return paras


def load_txt(data: str, origin: str) -> ParsedArticle:
    """Title line, optional bullet highlights, body paragraphs, optional "Read more at" trailer."""
    lines = data.split("\n")
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    art = ParsedArticle(text="", origin=origin, raw=data, fmt="txt")
    if i < len(lines) and not BULLET.match(lines[i]):
        candidate = lines[i].strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        # A title is a short first line standing alone (followed by a blank line or bullets).
        if len(candidate) <= 200 and (not nxt or BULLET.match(lines[i + 1])):
            art.title = candidate
            i += 1
    # highlights: a run of bullet lines (blank lines allowed between them) before the body
    j = i
    highlights = []
    while j < len(lines):
        if not lines[j].strip():
            j += 1
            continue
        m = BULLET.match(lines[j])
        if not m:
            break
        highlights.append(" ".join(m.group(1).split()))
        j += 1
    if highlights:
        art.highlights = highlights
        i = j
    paras = _strip_trailer(clean_paragraphs("\n".join(lines[i:]), art.notes), art)
    art.text = "\n\n".join(paras)
    return art


def split_front_matter(data: str, origin: str) -> tuple[dict, str]:
    if not data.startswith("---\n"):
        return {}, data
    end = data.find("\n---", 4)
    if end == -1:
        raise InputError(f"{origin}: front matter starts with --- but never ends", "close it with a line of ---")
    import yaml

    try:
        meta = yaml.safe_load(data[4:end]) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{origin}: front matter is not valid YAML ({str(exc).splitlines()[0]})", "fix the front matter")
    except RecursionError:
        raise InputError(f"{origin}: front matter is nested too deeply", "front matter holds flat key: value pairs; fix it")
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. "date: 2024-02-30" fails in PyYAML's date constructor
        raise InputError(f"{origin}: front matter has an invalid value ({exc})", "fix the front matter, e.g. date: 2024-02-29")
    if not isinstance(meta, dict):
        raise InputError(f"{origin}: front matter must be key: value pairs", "fix the front matter")
    rest = data[end + 4 :]
    return meta, rest.split("\n", 1)[1] if "\n" in rest else ""


def load_md(data: str, origin: str) -> ParsedArticle:
    meta, body = split_front_matter(data, origin)
    art = ParsedArticle(text="", origin=origin, raw=data, fmt="md")
    _apply_fields(art, meta, {})
    kept = []
    for line in body.split("\n"):
        m = MD_HEADING.match(line)
        if m:
            # a leading H1 is the title when front matter has none; other headings become paragraphs
            if not art.title and not any(x.strip() for x in kept):
                art.title = m.group(1)
                continue
            kept.extend(["", m.group(1), ""])
            continue
        kept.append(line)
    paras = _strip_trailer(clean_paragraphs("\n".join(kept), art.notes), art)
    art.text = "\n\n".join(paras)
    return art


def _first(record: dict, name: str, field_map: dict[str, str]):
    keys = ([field_map[name]] if name in field_map else []) + FIELD_ALIASES[name]
    for key in keys:
        if key in record and record[key] not in (None, "", []):
            return record[key]
    return None


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_as_text(v) for v in value if v)
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("title") or "")
    return str(value).strip()


def _apply_fields(art: ParsedArticle, record: dict, field_map: dict[str, str]) -> None:
    art.title = art.title or _as_text(_first(record, "title", field_map))
    art.published = _as_text(_first(record, "date", field_map)) if not isinstance(_first(record, "date", field_map), (int, float)) else str(_first(record, "date", field_map))
    art.updated = _as_text(_first(record, "updated", field_map))
    art.url = _as_text(_first(record, "url", field_map))
    art.source = _as_text(_first(record, "source", field_map))
    art.author = _as_text(_first(record, "author", field_map))
    rid = _first(record, "id", field_map)
    art.explicit_id = "" if rid is None else str(rid)
    hl = record.get("highlights")
    if isinstance(hl, list):
        art.highlights = [str(h) for h in hl if str(h).strip()]
    elif isinstance(hl, str) and hl.strip():
        art.highlights = [h.strip() for h in hl.split("\n") if h.strip()]


def record_to_article(record, origin: str, field_map: dict[str, str], raw: str, fmt: str) -> ParsedArticle:
    if not isinstance(record, dict):
        raise InputError(f"{origin}: expected a JSON object with a text field, got {type(record).__name__}", "see README: JSON records")
    body = _first(record, "text", field_map)
    if isinstance(body, list):
        body = "\n\n".join(str(x) for x in body)
    if not isinstance(body, str) or not body.strip():
        wanted = ([field_map["text"]] if "text" in field_map else []) + FIELD_ALIASES["text"]
        raise InputError(
            f"{origin}: record has no text (looked for {', '.join(wanted)})",
            "name the text field with --field text=KEY",
        )
    art = ParsedArticle(text="", origin=origin, raw=raw, fmt=fmt)
    _apply_fields(art, record, field_map)
    paras = _strip_trailer(clean_paragraphs(body.replace("\r\n", "\n"), art.notes), art)
    art.text = "\n\n".join(paras)
    return art


def load_json(data: str, origin: str, field_map: dict[str, str]) -> tuple[list[ParsedArticle], list[InputError]]:
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(f"{origin}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", "fix the file, or use .jsonl for one record per line")
    except RecursionError:
        raise InputError(f"{origin}: JSON is nested too deeply", "news records are flat objects; check the file")
    if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
        doc = doc["articles"]
    records = doc if isinstance(doc, list) else [doc]
    arts, errors = [], []
    for n, rec in enumerate(records):
        sub = f"{origin}#{n}" if isinstance(doc, list) else origin
        try:
            arts.append(record_to_article(rec, sub, field_map, json.dumps(rec, ensure_ascii=False), "json"))
        except InputError as exc:
            errors.append(exc)
        except RecursionError:
            errors.append(InputError(f"{sub}: record is nested too deeply", "news records are flat objects; check the file"))
    return arts, errors


def load_jsonl(data: str, origin: str, field_map: dict[str, str]) -> tuple[list[ParsedArticle], list[InputError]]:
    arts, errors = [], []
    n = -1
    for lineno, line in enumerate(data.split("\n"), start=1):
        if not line.strip():
            continue
        n += 1
        sub = f"{origin}#{n}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(InputError(f"{origin}: line {lineno} is not valid JSON ({exc.msg})", "fix or remove that line; the other lines were read"))
            continue
        except RecursionError:
            errors.append(InputError(f"{origin}: line {lineno} is nested too deeply", "news records are flat objects; the other lines were read"))
            continue
        try:
            arts.append(record_to_article(rec, sub, field_map, line, "jsonl"))
        except InputError as exc:
            errors.append(InputError(f"{origin}: line {lineno}: {exc.message.split(': ', 1)[-1]}", exc.hint))
        except RecursionError:
            errors.append(InputError(f"{origin}: line {lineno} is nested too deeply", "news records are flat objects; the other lines were read"))
    return arts, errors


def load(fmt: str, data: str, origin: str, field_map: dict[str, str] | None = None) -> tuple[list[ParsedArticle], list[InputError]]:
    """Parse one input; returns the articles and the per-record errors (a whole-file error raises)."""
    field_map = field_map or {}
    from ..library.transfer import is_export_header

    if is_export_header(data.lstrip("\ufeff").split("\n", 1)[0]):  # not articles: a whole library (assistant export)
        raise InputError(f"{origin} is an assistant export, not articles", f"restore it with: assistant import {origin}")
    if fmt == "txt":
        arts, errors = [load_txt(data, origin)], []
    elif fmt == "md":
        arts, errors = [load_md(data, origin)], []
    elif fmt == "json":
        arts, errors = load_json(data, origin, field_map)
    elif fmt == "jsonl":
        arts, errors = load_jsonl(data, origin, field_map)
    elif fmt == "html":
        from .html import load_html

        arts, errors = [load_html(data, origin)], []
    else:
        raise InputError(f"{origin}: no loader for format {fmt!r}", "use .txt, .md, .html, .json or .jsonl")
    good = []
    for art in arts:
        if not any(ch.isalnum() for ch in art.text):  # empty, or only punctuation and invisible (zero-width, bidi) characters
            errors.append(InputError(f"{art.origin}: no article text after cleaning", "check that the file holds an article body"))
        else:
            good.append(art)
    return good, errors
