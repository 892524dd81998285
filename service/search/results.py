"""What the search core answers: filters, ranked hits, answers and the reasons for none (plain types;
the HTTP layer maps them to its JSON schema)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rapporteur.bundle.model import Citation

Mode = Literal["lexical", "dense", "hybrid"]
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")


@dataclass(frozen=True)
class Filters:
    """Restrict results to one organisation, year and/or kind of document."""

    organisation: str | None = None
    year: int | None = None
    kind: str | None = None

    def is_empty(self) -> bool:
        return self.organisation is None and self.year is None and self.kind is None


@dataclass(frozen=True)
class Hit:
    """One ranked passage with the spans of its text that match the query."""

    rank: int
    score: float
    text: str
    citation: Citation
    highlights: list[tuple[int, int]]
    chunk_index: int
    best_sentence: tuple[int, int] | None = None  # span of `text` that best answers (set by `ask`)


@dataclass(frozen=True)
class Answer:
    """The sentence(s) that best answer a question, with their own citation."""

    text: str
    citation: Citation
    confidence: float


@dataclass(frozen=True)
class NoAnswer:
    """Why `ask` gives no answer: a reason code and a sentence in French for the page."""

    reason: str  # see service.search.scope.REASONS
    message: str
    places: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    available_years: tuple[int, ...] = ()
    authorities: tuple[str, ...] = ()


@dataclass
class SearchResult:
    """Ranked hits for a query; `answer` is set by `ask` when the reports answer it."""

    query: str
    mode: Mode
    hits: list[Hit]
    took_ms: float
    answer: Answer | None = None
    confidence: float = 0.0
    places: list[str] = field(default_factory=list)
    corrections: dict[str, str] = field(default_factory=dict)
    answer_features: dict[str, float] | None = None  # inputs of the confidence by name, for calibration
    no_answer: NoAnswer | None = None  # set by `ask` when `answer` is None
    candidate: Answer | None = None  # the chosen sentence, shown or not (for calibration and diagnostics)
    candidate_verified: bool = False  # it passed verification
