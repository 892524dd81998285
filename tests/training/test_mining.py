"""Hard negatives: mined by the project's retrievers, then the positive's own passage first."""

from __future__ import annotations

from pathlib import Path

from rapporteur.bundle.store import load_bundle
from rapporteur.embedders.hashing import HashingEmbedder
from training.data import Example, Paragraph
from training.mining import mine, with_sibling_negatives
from training.prepare import sentence_siblings


def _sentence(query: str, positive: str, negatives: tuple[str, ...] = (), **kw) -> Example:
    return Example(query, positive, "sentence", "piaf", "piaf:a", negatives, **kw)


def test_mined_negatives_are_the_closest_texts_that_do_not_answer():
    examples = [
        _sentence("horaires de la piscine municipale", "La piscine ouvre à 9 heures."),
        _sentence("prix du ticket de bus", "Le ticket de bus coûte 1,50 euro."),
    ]
    pool = {
        ("piaf", "sentence"): [
            "La piscine municipale ferme le dimanche.",
            "Les horaires de la piscine municipale changent en été.",
            "Le marché a lieu le samedi.",
        ]
    }

    def is_right(example: Example, text: str) -> bool:
        return "change" in text and "piscine" in example.query

    mined = mine(examples, HashingEmbedder(), pool, per_example=2, is_right=is_right)
    pool_negatives = mined[0].negatives
    assert "La piscine ouvre à 9 heures." not in pool_negatives  # never its own positive
    assert "Les horaires de la piscine municipale changent en été." not in pool_negatives  # answers too
    assert pool_negatives[0] == "La piscine municipale ferme le dimanche."
    assert len(pool_negatives) == 2
    assert "Le ticket de bus coûte 1,50 euro." not in mined[1].negatives
    # What answers one question is a fair negative for another.
    assert "Les horaires de la piscine municipale changent en été." in mined[1].negatives


def test_the_passages_other_sentences_come_first_in_mined_order():
    siblings = {"answer": ("topic", "detail", "also", "far")}
    example = _sentence("q", "answer", ("elsewhere 1", "detail", "elsewhere 2"), also_right=("also",))
    passage = Example("q", "the passage", "passage", "piaf", "piaf:a", ("elsewhere 1",))

    out = with_sibling_negatives([example, passage], siblings, per_example=4, is_right=lambda e, t: t == "far")

    # "detail" was mined (ranked first among the siblings); "also" answers too; "far" is right.
    assert out[0].negatives == ("detail", "topic", "elsewhere 1", "elsewhere 2")
    assert out[1] == passage  # passages keep their mined negatives
    assert with_sibling_negatives([example], siblings, per_example=2)[0].negatives == ("detail", "topic")


def test_siblings_are_the_other_sentences_of_a_paragraph_or_a_passage(tiny_index: Path):
    text = "Première phrase ici. Deuxième phrase là. Troisième phrase enfin."
    spans = ((0, 20), (21, 40), (41, len(text)))
    paragraph = Paragraph("a", text, spans, ())
    bundle = load_bundle(tiny_index)

    siblings = sentence_siblings([paragraph], bundle)

    assert siblings["Deuxième phrase là."] == ("Première phrase ici.", "Troisième phrase enfin.")
    chunk = next(c for c in range(len(bundle.chunks)) if len(bundle.sentences_of(c)) > 1)
    first, *others = (bundle.sentence_text(int(s)) for s in bundle.sentences_of(chunk))
    assert set(others) <= set(siblings[first])
    assert first not in siblings[first]
