"""Search core on the tiny corpus (hashing embedder): modes, filters, citations, highlights."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from rapporteur.embedders.hashing import HashingEmbedder
from rapporteur.errors import EmbedderError
from rapporteur.parameters import RANKING
from service.search.calibration import FEATURES
from service.search.display import display_text
from service.search.engine import SearchEngine
from service.search.results import Filters


@pytest.fixture(scope="module")
def engine(tiny_index: Path) -> SearchEngine:
    return SearchEngine.from_path(tiny_index, embedder=HashingEmbedder())


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_modes_find_the_passage(engine: SearchEngine, mode: str):
    result = engine.search("police municipale interventions", k=3, mode=mode)
    assert result.hits[0].citation.document_id == "ville-test-2023"
    assert "police municipale" in result.hits[0].text
    assert [h.rank for h in result.hits] == list(range(1, len(result.hits) + 1))


def test_citation_offsets_point_into_the_document(engine: SearchEngine):
    hit = engine.search("allocation personnalisée d'autonomie", k=1).hits[0]
    c = hit.citation
    doc = engine.bundle.document(c.document_id)
    assert doc.text[c.start : c.end] == hit.text
    assert c.organisation == "Département du Test" and c.year == 2022 and c.kind == "rapport d'activité"
    # A span inside the chunk is cited with the heading that governs it.
    offset = doc.text.index("revenu de solidarité active")
    precise = engine.citation(hit.chunk_index, offset, offset + 27)
    assert precise.section.endswith("Insertion")


def test_highlights_are_query_terms_inside_text(engine: SearchEngine):
    hit = engine.search("securite evenements", k=5).hits[0]
    marked = {hit.text[s:e].lower() for s, e in hit.highlights}
    assert marked & {"sécurité", "événements", "évènements"}


def test_filters_restrict_results(engine: SearchEngine):
    for filters, expected in [
        (Filters(organisation="Ville de Testville"), {"ville-test-2023"}),
        (Filters(year=2022), {"departement-test-2022"}),
        (Filters(kind="rapport d'activité", year=2023), {"ville-test-2023"}),
    ]:
        result = engine.search("le département et la ville", k=10, filters=filters)
        assert result.hits and {h.citation.document_id for h in result.hits} == expected
    assert engine.search("crèche", filters=Filters(year=1999)).hits == []


def test_typos_are_corrected(engine: SearchEngine):
    result = engine.search("videoprotectoin cameras", k=1, mode="lexical")
    assert result.corrections.get("videoprotectoin") == "videoprotection"
    assert "vidéoprotection" in result.hits[0].text


def test_everyday_words_reach_the_administrative_passage(engine: SearchEngine):
    # "pompiers" is bridged to the SDIS by the lexicon; the acronym is defined in the corpus.
    hit = engine.search("les pompiers", k=1, mode="lexical").hits[0]
    assert "SDIS" in hit.text


def test_place_of_the_caller_boosts_its_authority(engine: SearchEngine, tiny_index: Path):
    question = "j'habite à Aubagne, crèche"  # Aubagne is in the Bouches-du-Rhône (13): the département's
    flat = SearchEngine.from_path(tiny_index, HashingEmbedder(), params=dataclasses.replace(RANKING, place_boost=0.0))
    plain, local = flat.search(question, k=5), engine.search(question, k=5)
    assert local.places == ["Aubagne"]
    assert plain.hits[0].citation.document_id == "ville-test-2023"  # the crèche is the ville's
    assert local.hits[0].citation.document_id == "departement-test-2022"  # raised above it
    before = {h.chunk_index: h.score for h in plain.hits}
    for hit in local.hits:
        boost = 1.0 + RANKING.place_boost if hit.citation.document_id == "departement-test-2022" else 1.0
        assert hit.score == pytest.approx(before[hit.chunk_index] * boost)


def test_ask_returns_an_answer_with_its_own_offsets(engine: SearchEngine):
    result = engine.ask("combien de places dans la crèche municipale ?")
    assert result.answer_features is not None and len(result.answer_features) == len(FEATURES)
    assert result.answer is not None and "60 places" in result.answer.text
    c = result.answer.citation
    assert display_text(engine.bundle.document(c.document_id).text[c.start : c.end]) == result.answer.text
    assert 0.0 < result.answer.confidence <= 1.0 and result.confidence == result.answer.confidence


def test_ask_says_why_there_is_no_answer(engine: SearchEngine):
    chatter = engine.ask("Allô, bonjour, vous m'entendez ?")
    assert chatter.answer is None and chatter.no_answer.reason == "no_question"
    assert chatter.hits == []  # nothing is searched for an input that asks nothing
    elsewhere = engine.ask("combien de places en crèche à Ajaccio ?")
    assert elsewhere.answer is None and elsewhere.no_answer.reason == "territory_not_covered"
    assert elsewhere.hits  # the passages are still given
    assert "Ajaccio" in elsewhere.no_answer.message
    earlier = engine.ask("combien de places en crèche en 2015 ?")
    assert earlier.answer is None and earlier.no_answer.reason == "period_not_covered"
    assert earlier.no_answer.available_years == (2022, 2023)
    unsure = engine.ask("xylophone quantique martien")
    assert unsure.answer is None and unsure.no_answer.reason == "no_clear_answer"


def test_ask_marks_the_best_sentence_of_each_passage(engine: SearchEngine):
    result = engine.ask("combien de caméras de vidéoprotection ?", k=3)
    for hit in result.hits:
        start, end = hit.best_sentence
        assert 0 <= start < end <= len(hit.text)
    top = result.hits[0]
    assert "42" in top.text[top.best_sentence[0] : top.best_sentence[1]]


def test_an_answer_must_give_the_kind_of_answer_asked_for(engine: SearchEngine):
    # The passage about the crèche holds "crèche" but no opening hours: no answer line.
    result = engine.ask("quels sont les horaires de la crèche municipale ?")
    assert result.answer is None and result.no_answer.reason == "no_clear_answer"
    assert result.candidate is not None and not result.candidate_verified


def test_ask_in_lexical_mode_says_it_answered_in_hybrid(engine: SearchEngine):
    question = "combien de caméras de vidéoprotection ?"
    lexical = engine.ask(question, k=3, mode="lexical")
    assert lexical.mode == "hybrid"
    assert [h.chunk_index for h in lexical.hits] == [h.chunk_index for h in engine.ask(question, k=3).hits]


def test_unknown_mode_is_rejected(engine: SearchEngine):
    with pytest.raises(ValueError, match="mode"):
        engine.search("crèche", mode="magic")  # type: ignore[arg-type]


class OtherEmbedder(HashingEmbedder):
    name = "other"


def test_embedder_must_match_the_bundle(tiny_index: Path):
    with pytest.raises(EmbedderError, match="hashing"):
        SearchEngine.from_path(tiny_index, embedder=OtherEmbedder())


def test_a_bundle_built_with_other_weights_of_the_same_model_is_refused(tiny_index: Path):
    retrained = HashingEmbedder()
    retrained.weights = "c" * 64  # the tiny index was built without a weights checksum
    with pytest.raises(EmbedderError, match="other weights of hashing"):
        SearchEngine.from_path(tiny_index, embedder=retrained)
    created = SearchEngine.from_path(tiny_index, reuse=retrained)  # not reused: the bundle's is made
    assert created.embedder is not retrained and created.embedder.weights is None


def test_the_factory_reuses_the_bundles_embedder_only_and_sets_the_query_cache(tiny_index: Path):
    mine = HashingEmbedder()
    reused = SearchEngine.from_path(tiny_index, reuse=mine, query_cache=8)
    assert reused.embedder is mine and reused.query_cache_size == 8
    created = SearchEngine.from_path(tiny_index, reuse=OtherEmbedder())  # not the bundle's: one is made
    assert type(created.embedder) is HashingEmbedder and created.query_cache_size == 0
    assert created.calibration == reused.calibration  # found once, the same way, for both


def test_a_reload_keeps_the_embedder_and_the_query_cache(tiny_index: Path):
    from service.serving import BundleSlot

    slot = BundleSlot(tiny_index, query_cache=16, warmup_query="crèche")
    slot.reload()
    first = slot.current.engine
    assert slot.reload(force=True).status == "reloaded"
    second = slot.current.engine
    assert second is not first and second.embedder is first.embedder
    assert first.query_cache_size == second.query_cache_size == 16


def test_empty_query_returns_no_lexical_hits(engine: SearchEngine):
    assert engine.plan("le la les").terms == []  # stop words only
    assert engine.search("le la les", k=5, mode="lexical").hits == []
    assert engine.search("xylophone", k=5, mode="lexical").hits == []  # a word of no passage
    assert [h.score > 0 for h in engine.search("crèche xylophone", k=5, mode="lexical").hits] == [True]


def test_questions_in_english_are_recognised():
    from service.search.query import looks_english

    assert looks_english("How many nurseries did the department open in 2020?")
    assert looks_english("What is the budget of the fire service?")
    assert not looks_english("Combien de crèches le département a-t-il ouvertes en 2020 ?")
    assert not looks_english("j'ai du mal à payer mes travaux d'isolation, vous aidez ?")
    assert not looks_english("the")  # one word is not a language
    assert not looks_english("")


def test_english_questions_lean_on_the_multilingual_model(engine: SearchEngine, monkeypatch):
    seen: list[list[float]] = []
    real_fuse = engine._fuse

    def spy(score_lists, weights, k):
        seen.append(list(weights))
        return real_fuse(score_lists, weights, k)

    monkeypatch.setattr(engine, "_fuse", spy)
    engine.search("What does the department do for the elderly?")
    engine.search("Que fait le département pour les personnes âgées ?")
    p = engine.params
    assert seen == [list(p.english_weights), [p.lexical_weight, p.dense_weight, p.sentence_weight]]


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return super().embed_query(text)


def test_recent_query_embeddings_are_reused_when_the_cache_is_on(tiny_index: Path):
    from rapporteur.bundle.store import load_bundle

    bundle = load_bundle(tiny_index)
    cached, uncached = CountingEmbedder(), CountingEmbedder()
    with_cache = SearchEngine(bundle, cached, query_cache=8)
    without = SearchEngine(bundle, uncached)
    for engine in (with_cache, without):
        engine.search("aide aux personnes âgées", k=3)
        engine.ask("aide aux personnes âgées", k=3)
        engine.search("aide aux personnes âgées", k=3, filters=Filters(year=2022))
    assert [h.text for h in with_cache.search("aide", k=3).hits] == [h.text for h in without.search("aide", k=3).hits]
    assert len(cached.queries) == 2 and len(uncached.queries) == 4
    vector = with_cache.query_vector(with_cache.plan("aide aux personnes âgées"))
    with pytest.raises(ValueError):
        vector[0] = 1.0  # shared between queries: read-only
