"""Where retrieval loses a question: in a retriever, or in the fusion of retrievers.

For every answerable question, the rank of its first evidence passage under each retriever alone
(lexical, dense, best sentence) and after fusion. The "oracle" column picks, per question, the
retriever that ranks the evidence best: no fusion of these retrievers can beat it at hit@1, so
a goal above it calls for better retrievers, not better fusion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evals.dataset import Question
from evals.matching import matched_evidence
from service.search.engine import SearchEngine

SIGNALS = ("lexical", "dense", "sentence")
COLUMNS = (*SIGNALS, "oracle", "fused")
CUTOFFS = (1, 3, 5, 10)


@dataclass(frozen=True)
class Diagnosis:
    question: Question
    ranks: dict[str, int | None]  # column -> 1-based rank of the first evidence passage (None: absent)


def _first_rank(scores: np.ndarray, gold: np.ndarray) -> int | None:
    """1-based rank of the best-ranked gold chunk (ties broken as a stable sort would)."""
    if not len(gold):
        return None
    order = np.argsort(-scores, kind="stable")
    positions = np.empty(len(scores), dtype=np.int64)
    positions[order] = np.arange(1, len(scores) + 1)
    return int(positions[gold].min())


def gold_chunks(engine: SearchEngine, question: Question) -> np.ndarray:
    """Chunks of the question's document that contain (most of) one of its evidence strings."""
    bundle = engine.bundle
    return np.array(
        [
            i
            for i, chunk in enumerate(bundle.chunks)
            if bundle.documents[bundle.chunk_doc[i]].meta.id == question.document_id
            and matched_evidence(question.evidence, chunk.text)
        ],
        dtype=np.int64,
    )


def diagnose(engine: SearchEngine, questions: list[Question]) -> list[Diagnosis]:
    """Ranks of the evidence per retriever, the per-question best retriever, and the fused ranking."""
    out = []
    n = len(engine.bundle.chunks)
    for q in questions:
        if not q.answerable:
            continue
        gold = gold_chunks(engine, q)
        plan = engine.query_analyzer.plan(q.question)
        scores = engine.retriever_scores(plan)
        ranks: dict[str, int | None] = {name: _first_rank(scores[name], gold) for name in SIGNALS}
        found = [r for r in ranks.values() if r is not None]
        ranks["oracle"] = min(found) if found else None
        wanted = set(gold.tolist())
        fused = engine.search(q.question, k=n).hits
        ranks["fused"] = next((h.rank for h in fused if h.chunk_index in wanted), None)
        out.append(Diagnosis(q, ranks))
    return out


def hit_rates(diagnoses: list[Diagnosis]) -> dict[str, dict[int, float]]:
    """Share of questions with evidence within the top k, per column and cutoff."""
    total = len(diagnoses) or 1
    return {
        col: {k: sum(1 for d in diagnoses if d.ranks[col] is not None and d.ranks[col] <= k) / total for k in CUTOFFS}
        for col in COLUMNS
    }


def fusion_losses(diagnoses: list[Diagnosis], k: int = 5) -> list[Diagnosis]:
    """Questions some retriever ranks within `k` but the fused ranking does not."""
    return [
        d
        for d in diagnoses
        if d.ranks["oracle"] is not None and d.ranks["oracle"] <= k and (d.ranks["fused"] or k + 1) > k
    ]


def _by_type(diagnoses: list[Diagnosis]) -> dict[str, list[Diagnosis]]:
    """The "all" group, then one group per question type, in order of appearance."""
    groups = {"all": diagnoses}
    for d in diagnoses:
        groups.setdefault(d.question.type, []).append(d)
    return groups


def render(diagnoses: list[Diagnosis]) -> str:
    """Plain-text table: hit@k per column, overall and per question type."""
    lines = [f"{'':14} {'n':>4}  " + "  ".join(f"{c:>9}" for c in COLUMNS)]
    groups = _by_type(diagnoses)
    for k in CUTOFFS:
        lines.append(f"hit@{k}")
        for name, group in groups.items():
            rates = hit_rates(group)
            cells = "  ".join(f"{rates[c][k]:>9.3f}" for c in COLUMNS)
            lines.append(f"  {name:12} {len(group):>4}  {cells}")
    losses = fusion_losses(diagnoses)
    lines.append(f"fusion losses at 5 (a retriever had it in its top 5, the fused ranking not): {len(losses)}")
    return "\n".join(lines)


def render_markdown(diagnoses: list[Diagnosis]) -> str:
    """Report section: hit@1 and hit@5 per column, overall and per question type."""
    lines = [
        "## Where questions are lost (`python -m evals diagnose`)",
        "",
        "Rank of the evidence under each retriever alone, under the per-question best of them",
        "(*oracle*: no fusion of these retrievers reaches a better hit@1), and after fusion.",
        "",
        "| questions | n | " + " | ".join(f"{c} @1 / @5" for c in COLUMNS) + " |",
        "|---|---|" + "---|" * len(COLUMNS),
    ]
    for name, group in _by_type(diagnoses).items():
        rates = hit_rates(group)
        cells = " | ".join(f"{rates[c][1]:.3f} / {rates[c][5]:.3f}" for c in COLUMNS)
        lines.append(f"| {name} | {len(group)} | {cells} |")
    lines += [
        "",
        f"Fusion losses at 5 (a retriever had the evidence in its top 5, the fused ranking not): "
        f"{len(fusion_losses(diagnoses))} of {len(diagnoses)}.",
    ]
    return "\n".join(lines) + "\n"
