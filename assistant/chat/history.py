"""The conversation kept within a token budget (counted with tiktoken).

Each turn keeps the question as typed, the standalone question it was rewritten into, the
answer text and the cited sentence ids. When the turns exceed the budget, the oldest ones are
folded into a one-line-per-turn summary (their standalone questions); when the summary itself
outgrows a quarter of the budget, its oldest lines are dropped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

DEFAULT_BUDGET = 1500  # tokens of conversation handed to the condensing prompt


@dataclass
class Turn:
    question: str
    standalone: str
    answer: str
    refused: bool = False
    engine: str = ""
    model: str | None = None
    citations: list[str] = field(default_factory=list)
    kind: str = "ask"  # ask or brief

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Turn":
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        if not isinstance(known.get("question"), str) or not isinstance(known.get("answer"), str):
            raise ValueError("a turn needs a question and an answer")
        known.setdefault("standalone", known["question"])
        return cls(**known)

    def text(self) -> str:
        return f"User: {self.standalone}\nAssistant: {self.answer}"


def _count(text: str) -> int:
    from ..tokens import count_tokens

    return count_tokens(text)


@dataclass
class History:
    budget: int = DEFAULT_BUDGET
    turns: list[Turn] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # standalone questions of turns folded away

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        self.trim()

    def tokens(self) -> int:
        return sum(_count(t.text()) for t in self.turns) + _count("\n".join(self.summary))

    def trim(self) -> None:
        while self.turns and len(self.turns) > 1 and sum(_count(t.text()) for t in self.turns) > self.budget * 3 // 4:
            old = self.turns.pop(0)
            self.summary.append(old.standalone[:200])
        if self.turns and _count(self.turns[0].text()) > self.budget * 3 // 4:  # one huge turn: shorten its answer
            t = self.turns[0]
            words = t.answer.split()
            while words and _count(t.text()) > self.budget * 3 // 4:
                words = words[: len(words) * 3 // 4]
                t.answer = " ".join(words) + " …"
        while self.summary and _count("\n".join(self.summary)) > self.budget // 4:
            self.summary.pop(0)

    def clear(self) -> None:
        self.turns.clear()
        self.summary.clear()

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def text(self) -> str:
        """The conversation as the condensing prompt sees it."""
        parts = []
        if self.summary:
            parts.append("Earlier questions: " + "; ".join(self.summary))
        parts += [t.text() for t in self.turns]
        return "\n".join(parts)

    def to_dict(self) -> dict:
        return {"budget": self.budget, "summary": list(self.summary), "turns": [t.to_dict() for t in self.turns]}
