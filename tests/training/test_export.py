"""The tuned model as a sentence-transformers folder: the C engine's vectors, under the engine's name."""

from pathlib import Path

import numpy as np
import pytest
import torch

pytestmark = pytest.mark.st

TEXTS = [
    "Le Département verse l'allocation personnalisée d'autonomie (APA) à 18 000 personnes âgées.",
    "La police municipale a réalisé 1 250 interventions en 2023.",
    "Combien coûte la cantine pour un enfant ?",
    "L’APA  à\tdomicile — n° 3 ½",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sentence_transformers")
    from rapporteur.embedders.tuned import TUNED_NAME, joined_model_path, model_checksum
    from training.base_model import load_encoder
    from training.export import export_sentence_transformers

    torch.set_num_threads(2)
    encoder = load_encoder(joined_model_path())
    before = encoder.tokenizer.tokenizer.to_str()
    out = export_sentence_transformers(encoder, tmp_path_factory.mktemp("st") / "model", TUNED_NAME, model_checksum())
    assert encoder.tokenizer.tokenizer.to_str() == before, "exporting changed the encoder's own tokenizer"
    return out


def test_the_folder_gives_the_engines_vectors_within_quantization_error(exported: Path):
    from rapporteur.embedders import create_embedder

    folder = create_embedder(f"sentence-transformers:{exported}")
    engine = create_embedder("e5-small-rapporteur-q4")
    assert folder.name == engine.name == "e5-small-rapporteur-q4"  # its bundles are served by the engine
    assert folder.identity == engine.identity  # ... by the engine with the same weights only
    for kind in ("query", "passage"):
        cosines = np.sum(folder.embed(TEXTS, kind) * engine.embed(TEXTS, kind), axis=1)
        assert cosines.min() > 0.999, (kind, cosines)
        assert [folder.count_tokens(t, kind) for t in TEXTS] == [engine.count_tokens(t, kind) for t in TEXTS]
