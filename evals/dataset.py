"""The evaluation questions (`evals/questions.jsonl`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_PATH = Path(__file__).with_name("questions.jsonl")
TYPES = ("hotline", "paraphrase", "factoid", "keyword", "english", "typo", "unanswerable")
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    split: str
    question: str
    answer: str
    evidence: tuple[str, ...]
    document_id: str | None

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


def load_questions(path: Path = QUESTIONS_PATH, split: str | None = None) -> list[Question]:
    """Questions of `split` (all when None)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["type"] not in TYPES or row["split"] not in SPLITS:
            raise ValueError(f"{path}:{n}: bad type or split")
        q = Question(
            row["id"],
            row["type"],
            row["split"],
            row["question"],
            row["answer"],
            tuple(row["evidence"]),
            row["document_id"],
        )
        if split is None or q.split == split:
            out.append(q)
    return out
