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
    # added with benchmarks/injection.py (docs/reliability.md): text that addresses a machine reader,
    # directs what summaries or answers must say, voids earlier instructions, or speaks for the user
    r"\b(dear|attention|note to|for|hey)\s+(the\s+)?(ai|assistants?|chatbots?|bots?|language models?|llms?|automated systems?|ai (readers?|systems?|models?))\b",
    r"\b(ai|assistants?|chatbots?|bots?|language models?|llms?|automated systems?)\s+(reading|processing|summari[sz]ing|parsing|scraping)\s+(this|these)\b",
    r"\bif you are an? (ai|assistant|chatbot|bot|language model|llm)\b",
    r"\b(any|every|all|each|your)\s+(\w+\s+){0,2}(summary|summaries|answers?|responses?|replies|reply|output)\b[^.]{0,40}\b(should|must|shall|needs? to|have to|(is|are) required to)\b",
    r"\b(previous|prior|earlier|above|original)\s+(guidance|instructions?|directions?|orders?|rules|prompts?)\b[^.]{0,30}\b(no longer apply|do(es)? not apply|don't apply|(is|are) (void|cancell?ed|revoked|obsolete))\b",
    r"\bsystem override\b",
    r"\b(paste|print|repeat|output|reveal|show)\b[^.]{0,40}\b(you were (given|told)|hidden (text|instructions?|prompt)|secret (instructions?|prompt))\b",
    r"\b(message|note|request|instructions?|orders?) from the (user|reader|person (asking|who asked))\b",
    r"\b(on behalf of|speaking for) the (user|reader|person (asking|who asked))\b|\bfrom the (user|reader|person (asking|who asked))\s*[:,]",
    r"\bauthori[sz]e you to\b",
]
_RE = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def looks_like_injection(text: str) -> bool:
    return bool(_RE.search(text))
