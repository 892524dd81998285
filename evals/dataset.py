"""The evaluation questions (`evals/questions.jsonl`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

QUESTIONS_PATH = Path(__file__).with_name("questions.jsonl")
# Answerable questions written blind from the corpus to fit the answer confidence; none shares an
# evidence passage or its wording with the test split (checked by tests/evals/test_dataset.py).
TRAINING_PATH = Path(__file__).with_name("training_questions.jsonl")
TYPES = ("hotline", "paraphrase", "factoid", "keyword", "english", "typo", "unanswerable")
SPLITS = ("dev", "test", "train")  # "train": only in TRAINING_PATH
# Why an unanswerable question has no answer in the reports.
UNANSWERABLE_KINDS = ("near_miss", "other_territory", "other_year", "public_service", "chitchat")


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    split: str
    question: str
    answer: str
    evidence: tuple[str, ...]
    document_id: str | None
    kind: str | None = None  # for unanswerable questions: one of UNANSWERABLE_KINDS

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
        if (row["type"] == "unanswerable") != (row.get("kind") in UNANSWERABLE_KINDS):
            raise ValueError(f"{path}:{n}: an unanswerable question needs a kind, and only it")
        q = Question(
            row["id"],
            row["type"],
            row["split"],
            row["question"],
            row["answer"],
            tuple(row["evidence"]),
            row["document_id"],
            row.get("kind"),
        )
        if split is None or q.split == split:
            out.append(q)
    return out
