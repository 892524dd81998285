"""PIAF as a second corpus: the held-out articles indexed, their questions asked over HTTP.

`python -m evals piaf --embedder NAME [--embedder NAME…]` writes the PIAF articles held out from
training (`training.data.piaf_part`) as a corpus, builds one index per embedder, starts the
service on each and asks every question at `/v1/ask`. For each question it records:

- `hit@5`: a passage of the top 5 holds the answer text, in the article the question was written on;
- `selection`: the sentence the engine picks holds the answer: the answer line when shown, else
  the best sentence it highlights in the first passage;
- `answered`, `answer_right`: the answer line is shown, and holds the answer text.

Two baselines always answer, from the same passages: « first sentence of the top passage » and
« best word overlap » (the sentence of the top 5 passages that shares the most analysed terms with
the question). Differences between systems are paired, with a 95 % bootstrap interval.
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.live_server import start_service
from evals.matching import holds_answer
from indexer.sentences import sentence_spans
from rapporteur.text.analyzer import analyze, slugify
from training.data import piaf_paragraphs

BOOTSTRAP = 2000
SEED = 0


@dataclass(frozen=True)
class PiafQuestion:
    question: str
    answer: str
    article: str  # document id


def write_corpus(target: Path) -> list[PiafQuestion]:
    """The held-out articles as markdown files with a manifest; returns their questions."""
    target.mkdir(parents=True, exist_ok=True)
    articles: dict[str, list[str]] = {}
    questions = []
    for paragraph in piaf_paragraphs("heldout"):
        doc_id = slugify(paragraph.article)
        articles.setdefault(paragraph.article, []).append(paragraph.text)
        questions += [PiafQuestion(q, answer, doc_id) for q, _, answer in paragraph.questions]
    manifest = []
    for title, paragraphs in articles.items():
        doc_id = slugify(title)
        (target / f"{doc_id}.md").write_text(f"# {title}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
        manifest.append(
            f'[documents.{doc_id}]\nfile = "{doc_id}.md"\ntitle = {json.dumps(title, ensure_ascii=False)}\n'
            'organisation = "Wikipédia"\nkind = "article"\n'
        )
    (target / "manifest.toml").write_text("\n".join(manifest), encoding="utf-8")
    return questions


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)] or [text]


def _overlap_best(question: str, passages: Sequence[str]) -> str | None:
    terms = set(analyze(question))
    best, best_score = None, -1
    for passage in passages:
        for sentence in _sentences(passage):
            score = len(terms & set(analyze(sentence)))
            if score > best_score:
                best, best_score = sentence, score
    return best


def ask(url: str, question: str, k: int = 5) -> dict:
    data = json.dumps({"question": question, "k": k}).encode()
    request = urllib.request.Request(f"{url}/v1/ask", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def judge(q: PiafQuestion, body: dict) -> dict[str, bool]:
    """The per-question outcomes of one system and of the two baselines on its passages."""
    passages = body["passages"]
    texts = [p["text"] for p in passages]
    hit = any(p["citation"]["document_id"] == q.article and holds_answer(q.answer, p["text"]) for p in passages[:5])
    answer = body["answer"]["text"] if body.get("answer") else None
    highlighted = None
    if passages and passages[0].get("best_sentence"):
        start, end = passages[0]["best_sentence"]
        highlighted = passages[0]["text"][start:end]
    return {
        "hit@5": hit,
        "selection": holds_answer(q.answer, answer if answer is not None else highlighted),
        "answered": answer is not None,
        "answer_right": holds_answer(q.answer, answer),
        "first_sentence": bool(texts) and holds_answer(q.answer, _sentences(texts[0])[0]),
        "word_overlap": holds_answer(q.answer, _overlap_best(q.question, texts[:5])),
    }


def bootstrap_difference(a: np.ndarray, b: np.ndarray, rounds: int = BOOTSTRAP) -> tuple[float, float, float]:
    """Mean of a - b over paired questions, with a 95 % percentile bootstrap interval."""
    diff = a.astype(float) - b.astype(float)
    rng = np.random.default_rng(SEED)
    means = diff[rng.integers(0, len(diff), size=(rounds, len(diff)))].mean(axis=1)
    return float(diff.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def run(embedders: Sequence[str], work: Path, limit: int | None = None) -> dict:
    """Index the held-out articles with each embedder, ask every question over HTTP, score."""
    from indexer.build import build_index
    from rapporteur.embedders import create_embedder

    questions = write_corpus(work / "corpus")[:limit]
    outcomes: dict[str, list[dict[str, bool]]] = {}
    for name in embedders:
        index = work / f"index-{slugify(name)}"
        build_index(work / "corpus", index, create_embedder(name))
        with start_service(index, work / f"service-{slugify(name)}.log") as server:
            outcomes[name] = [judge(q, ask(server.url, q.question)) for q in questions]
    return summarize(outcomes, len({q.article for q in questions}))


def summarize(outcomes: dict[str, list[dict[str, bool]]], articles: int) -> dict:
    systems = {}
    for name, rows in outcomes.items():
        column = {key: np.array([r[key] for r in rows]) for key in rows[0]}
        answered = column["answered"]
        systems[name] = {
            "hit@5": float(column["hit@5"].mean()),
            "selection": float(column["selection"].mean()),
            "answer_rate": float(answered.mean()),
            "answer_precision": float(column["answer_right"][answered].mean()) if answered.any() else None,
            "answer_accuracy": float(column["answer_right"].mean()),
            "baseline_first_sentence": float(column["first_sentence"].mean()),
            "baseline_word_overlap": float(column["word_overlap"].mean()),
        }
    names = list(outcomes)
    margins = {}
    new = names[-1]
    selection = np.array([r["selection"] for r in outcomes[new]])
    for baseline in ("first_sentence", "word_overlap"):
        for name in names:
            other = np.array([r[baseline] for r in outcomes[name]])
            margins[f"{new} selection - {baseline} ({name} passages)"] = bootstrap_difference(selection, other)
    for name in names[:-1]:
        other = np.array([r["selection"] for r in outcomes[name]])
        margins[f"{new} selection - {name} selection"] = bootstrap_difference(selection, other)
    return {
        "questions": len(next(iter(outcomes.values()))),
        "articles": articles,
        "systems": systems,
        "margins": margins,
    }


def render(result: dict) -> str:
    lines = [
        f"PIAF held-out articles: {result['articles']} articles, {result['questions']} questions, asked over HTTP.",
        "",
        "| system | hit@5 | selection | answer rate | answer precision | first sentence | word overlap |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in result["systems"].items():
        precision = "–" if s["answer_precision"] is None else f"{s['answer_precision']:.3f}"
        lines.append(
            f"| {name} | {s['hit@5']:.3f} | {s['selection']:.3f} | {s['answer_rate']:.3f} | {precision} | "
            f"{s['baseline_first_sentence']:.3f} | {s['baseline_word_overlap']:.3f} |"
        )
    lines += ["", "| margin | mean | 95 % interval |", "|---|---|---|"]
    for name, (mean, low, high) in result["margins"].items():
        lines.append(f"| {name} | {mean:+.3f} | [{low:+.3f}, {high:+.3f}] |")
    return "\n".join(lines) + "\n"


def main(embedders: Sequence[str], out: Path | None, limit: int | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="piaf-eval-") as tmp:
        result = run(embedders, Path(tmp), limit)
    text = render(result)
    print(text)
    if out is not None:
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0
