"""Expanding the PATH arguments of ``ingest`` into files, and reading a file's bytes safely."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

# Loaders by file ending. Anything else inside a directory is skipped (and said so);
# a file named explicitly with another ending is read as plain text.
EXTENSIONS = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
}

# The ignore rule for folders: project documents that sit beside articles are not articles.
# A file whose name (without ending, case-insensitive) is one of these is skipped, as are
# hidden files and folders. Name such a file explicitly to ingest it anyway.
IGNORED_STEMS = {"readme", "sources", "license", "licence", "copying", "notice", "changelog", "authors", "contributing"}

DEFAULT_MAX_BYTES = 100 * 1024 * 1024


@dataclass
class InputFile:
    label: str  # what messages call it: the path as given, or "-"
    path: Path | None  # None for stdin
    explicit: bool  # named on the command line (not found inside a folder)


@dataclass
class Skipped:
    label: str
    reason: str


def is_ignored(path: Path) -> bool:
    stem = path.name.split(".")[0].lower()
    return stem in IGNORED_STEMS or path.name.startswith(".")


def expand(args: list[str]) -> tuple[list[InputFile], list[Skipped], list[Skipped]]:
    """Return (files, skipped, missing). Directories are walked recursively in sorted order."""
    files: list[InputFile] = []
    skipped: list[Skipped] = []
    missing: list[Skipped] = []
    seen: set[str] = set()

    def add(f: InputFile):
        key = "-" if f.path is None else str(f.path.resolve())
        if key not in seen:
            seen.add(key)
            files.append(f)

    for arg in args:
        if arg == "-":
            add(InputFile("-", None, True))
            continue
        matches = [arg]
        if any(ch in arg for ch in "*?[") and not os.path.exists(arg):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                missing.append(Skipped(arg, "no file matches this pattern"))
                continue
        for m in matches:
            p = Path(m)
            if p.is_dir():
                root = p.resolve()
                for dirpath, dirnames, filenames in os.walk(p, followlinks=False):
                    dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                    for d in dirnames:  # os.walk does not descend into linked folders: say so
                        if (Path(dirpath) / d).is_symlink():
                            skipped.append(Skipped(str(Path(dirpath) / d), "symlink to a folder, not followed (name it explicitly to ingest it)"))
                    for name in sorted(filenames):
                        fp = Path(dirpath) / name
                        if is_ignored(fp):
                            skipped.append(Skipped(str(fp), "ignored by name (README/SOURCES/LICENSE and hidden files are not articles)"))
                        elif fp.suffix.lower() not in EXTENSIONS:
                            skipped.append(Skipped(str(fp), f"unsupported file type {fp.suffix or '(none)'}"))
                        elif fp.is_symlink() and not _inside(fp.resolve(), root):
                            skipped.append(Skipped(str(fp), "symlink pointing outside the folder (name it explicitly to ingest it)"))
                        else:
                            add(InputFile(str(fp), fp, False))
            elif p.exists():
                add(InputFile(str(p), p, True))
            else:
                missing.append(Skipped(m, "no such file or directory"))
    return files, skipped, missing


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def loader_for(f: InputFile, data: str) -> str:
    if f.path is not None and f.path.suffix.lower() in EXTENSIONS:
        return EXTENSIONS[f.path.suffix.lower()]
    # stdin or an unknown ending: sniff
    from .html import looks_like_html

    if looks_like_html(data):
        return "html"
    head = data.lstrip()[:1]
    if head in "[{":
        first = data.lstrip().split("\n", 1)[0].strip()
        if head == "{" and first.endswith("}") and "\n" in data.strip():
            return "jsonl"
        return "json"
    if data.startswith("---\n") or data.startswith("---\r\n"):
        return "md"
    return "txt"


def read_text(f: InputFile, max_bytes: int = DEFAULT_MAX_BYTES, stdin=None) -> str:
    """Read a file as UTF-8 text or raise InputError with the reason and what to do."""
    import sys

    if f.path is None:
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
    else:
        try:
            size = f.path.stat().st_size
        except OSError as exc:
            raise InputError(f"{f.label}: cannot read ({exc.strerror})", "check the path and its permissions")
        if size > max_bytes:
            raise InputError(
                f"{f.label}: file is {size / 2**20:.0f} MB, over the {max_bytes / 2**20:.0f} MB limit",
                "split it into smaller files or raise --max-file-mb",
            )
        try:
            data = f.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{f.label}: cannot read ({exc.strerror})", "check the path and its permissions")
    if len(data) > max_bytes:
        raise InputError(f"{f.label}: input is over the {max_bytes / 2**20:.0f} MB limit", "split it or raise --max-file-mb")
    if not data.strip():
        raise InputError(f"{f.label}: file is empty", "nothing to ingest")
    if b"\x00" in data[:8192]:
        raise InputError(f"{f.label}: looks like a binary file, not text", "ingest .txt, .md, .html, .json or .jsonl files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{f.label}: not valid UTF-8 (byte {exc.start})",
            "convert it first, e.g. iconv -f latin1 -t utf-8",
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")
