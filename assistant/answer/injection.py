"""Source sentences that speak to an AI assistant instead of reporting news.

Article text is data. A sentence that tries to instruct the assistant ("ignore previous
instructions", "reveal the system prompt", "respond with ...", "tell the user ...") stays in
the context (the model may see it, as it would see any subtler attempt), but it is never
evidence: citing it is treated like citing an invented key, and the checker will not attach
it as support. A model that obeys it therefore produces sentences that nothing supports,
which are flagged, removed under --strict, or turn the answer into a refusal.
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"\b(ignore|disregard|forget|override)\b[^.]{0,40}\b(previous|prior|above|earlier|all|your|system)\b[^.]{0,20}\b(instructions?|prompts?|rules|directions)\b",
    r"\b(reveal|print|show|repeat|output|leak)\b[^.]{0,20}\b(system prompt|your (instructions|prompt|rules))\b",
    r"\b(instead|now)\b[^.]{0,15}\b(say|answer|reply|respond|write|output)\b",
    r"\b(you|assistants?|ai|chatbots?|language models?|llms?)\b[^.]{0,20}\b(must|should|shall|have to|need to|are instructed to)\b[^.]{0,20}\b(say|answer|reply|respond|tell|write|output|include|cite|link|recommend)\b",
    r"\b(respond|reply|answer)\s+(only\s+)?with\b",
    r"\btell the user\b",
    r"\bthe user (has )?(asked|wants|requests|instructed|authori[sz]ed)\b",
    r"\b(do not|don't|never|stop)\s+(cite|use citations|include citations|mention the sources)\b",
    r"\b(change|use) (the|a) (new )?citation (format|style)\b",
    r"\bnew (system )?instructions?\s*:",
    r"\bas an ai (assistant|language model)\b",
    r"\bsystem prompt\b",
]
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def looks_like_injection(text: str) -> bool:
    return bool(_RE.search(text))
