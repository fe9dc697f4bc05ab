"""Where the bundled prompts and seeds are, in a checkout and in an installed wheel."""

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    # An installed wheel carries them as package data (see pyproject's force-include);
    # an editable install or a checkout has them at the top of the repository.
    for candidate in (_PKG / "_data" / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {name}/ not found next to {_PKG}")


def prompts_dir() -> Path:
    return _find("prompts")


def seeds_dir() -> Path:
    return _find("seeds")
