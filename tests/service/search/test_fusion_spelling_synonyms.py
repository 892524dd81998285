import numpy as np

from service.search.fusion import blend, minmax, ranks, rrf
from service.search.spelling import SpellingCorrector
from service.search.synonyms import SynonymLexicon


def test_rrf_rewards_agreement():
    a = np.array([3.0, 2.0, 1.0, 0.0])
    b = np.array([0.0, 2.0, 3.0, 1.0])
    fused = rrf([a, b])
    assert np.argmax(fused) in (1, 2) and fused[1] > fused[3]
    assert ranks(a).tolist() == [1, 2, 3, 4]


def test_rrf_weights_and_ties():
    a = np.array([1.0, 0.0])
    b = np.array([0.0, 1.0])
    fused = rrf([a, b], weights=[2.0, 1.0])
    assert fused[0] > fused[1]
    assert ranks(np.array([0.5, 0.5, 1.0])).tolist() == [2, 3, 1]  # ties keep candidate order


def test_blend_normalises_scales():
    lexical = np.array([10.0, 0.0, 5.0])
    dense = np.array([0.1, 0.9, 0.5])
    fused = blend([lexical, dense], [1.0, 1.0])
    assert np.allclose(fused, [1.0, 1.0, 1.0])
    assert minmax(np.array([2.0, 2.0])).tolist() == [1.0, 1.0]


def test_spelling_corrector():
    speller = SpellingCorrector({"citoyenne": 40, "citoyens": 30, "batiment": 5, "rhone": 50})
    assert speller.correct("citoyene") == "citoyenne"
    assert speller.correct("batimnet") == "batiment"
    assert speller.correct("citoyens") is None  # known word
    assert speller.correct("phone") is None  # first letter differs
    assert speller.correct("zzzzzzz") is None


def test_lexicon_expands_longest_phrase_and_acronyms():
    lexicon = SynonymLexicon.from_pairs(
        [
            ("pompiers", ["sdis", "incendie et secours"]),
            ("feuille de route", ["stratégie"]),
            ("route", ["voirie"]),
        ]
    )
    from rapporteur.text.analyzer import analyze

    assert "sdis" in lexicon.expand(analyze("les pompiers"))
    assert lexicon.expand(analyze("feuille de route")) == analyze("stratégie")
    assert lexicon.phrases(analyze("appeler les pompiers")) == ["sdis", "incendie et secours"]
    with_acronyms = SynonymLexicon.load(acronyms={"PMI": "protection maternelle et infantile"})
    assert "pmi" in with_acronyms.expand(analyze("protection maternelle et infantile"))
    assert len(with_acronyms) > 200


def test_acronyms_match_the_word_not_its_stem():
    from rapporteur.text.analyzer import analyze, fold

    lexicon = SynonymLexicon.from_pairs([("PASS", ["permanence d'accès aux soins de santé"])])

    def expand(text: str) -> list[str]:
        words = [fold(w) for w in text.split()]
        return lexicon.expand(analyze(text), words)

    assert "soin" in expand("PASS")
    assert "soin" in expand("pass")
    assert expand("passer") == []  # stems to "pass", but the caller did not say PASS
    assert "pass" in lexicon.key_terms  # still protected from spelling correction
