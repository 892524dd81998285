"""Every evidence string is in the indexed (cleaned) text of its document, and some chunk holds it."""

from pathlib import Path

import pytest

from evals.dataset import load_questions
from evals.matching import matched_evidence
from indexer.corpus import discover
from indexer.documents import CutDocument, cut_document

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def chunks_by_doc():
    cut = [cut_document(entry) for entry in discover(CORPUS)]
    return {d.parts.record.meta.id: d.parts.chunks for d in cut if isinstance(d, CutDocument)}


def test_every_evidence_is_retrievable(chunks_by_doc):
    missing = []
    for q in load_questions():
        if not q.answerable:
            continue
        found = set()
        for chunk in chunks_by_doc[q.document_id]:
            found |= matched_evidence(q.evidence, chunk.text)
        if not found:
            missing.append(q.id)
    assert missing == []
