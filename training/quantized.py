"""Tuning that the 4-bit file can hold exactly: the stored Q4_0 codes stay, their per-block scales,
the biases and the LayerNorms move.

A first trial fine-tuned the top layers' float weights and quantized them back: the dev score went
from 0.621 to 0.729 before quantization and fell to 0.627 after. The updates were smaller than half
a 4-bit step, so rounding gave the shipped weights back. Here each weight matrix is
`codes * scale[block]` with the codes as stored; the trainable scales (one per 32 weights, kept as
fp16 in the file), biases and LayerNorm parameters (float32 in the file) are written back without
loss, so the C engine computes with exactly what was trained.
"""

from __future__ import annotations

import numpy as np
import torch

from rapporteur.embedders.e5_format import BLOCK, E5File, pack_q4_0, unpack_q4_0
from training.base_model import LINEARS, NORMS


class BlockScaledLinear(torch.nn.Module):
    """`x @ (codes * scale).T + bias`, codes fixed, `scale = stored * exp(log_scale)` per block."""

    def __init__(self, raw: bytes, rows: int, bias: torch.Tensor) -> None:
        super().__init__()
        codes, scales = unpack_q4_0(raw)
        self.register_buffer("codes", torch.from_numpy(codes.reshape(rows, -1).astype(np.float32)))
        self.register_buffer("stored_scale", torch.from_numpy(scales.reshape(rows, -1).astype(np.float32)))
        self.log_scale = torch.nn.Parameter(torch.zeros_like(self.stored_scale))
        self.bias = torch.nn.Parameter(bias.detach().clone())

    def scale(self) -> torch.Tensor:
        return self.stored_scale * torch.exp(self.log_scale)

    def weight(self) -> torch.Tensor:
        return self.codes * self.scale().repeat_interleave(BLOCK, dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(x, self.weight(), self.bias)

    def stored_bytes(self) -> bytes:
        """The Q4_0 blocks with the tuned scales (fp16) and the stored codes."""
        return pack_q4_0(self.codes.numpy(), self.scale().detach().numpy())


def make_block_scaled(model: torch.nn.Module, source: E5File, first_layer: int) -> None:
    """Replace the weight matrices of layers `first_layer`… of `model` (a BertModel) by
    `BlockScaledLinear`s over the file's stored codes."""
    for index in range(first_layer, source.layers):
        layer = model.encoder.layer[index]
        for path, short in LINEARS.items():
            parent_path, _, name = path.rpartition(".")
            parent = layer.get_submodule(parent_path)
            linear = getattr(parent, name)
            raw = source.raw(f"l{index}.{short}.w")
            setattr(parent, name, BlockScaledLinear(raw, linear.out_features, linear.bias))


def block_scaled_tensors(model: torch.nn.Module, source: E5File, first_layer: int) -> dict[str, bytes]:
    """Every tensor of layers `first_layer`… in the file's stored form, from a block-scaled model."""
    out: dict[str, bytes] = {}
    for index in range(first_layer, source.layers):
        layer = model.encoder.layer[index]
        for path, short in LINEARS.items():
            module = layer.get_submodule(path)
            if not isinstance(module, BlockScaledLinear):
                raise TypeError(f"layer {index} {path} is not block-scaled")
            out[f"l{index}.{short}.w"] = module.stored_bytes()
            out[f"l{index}.{short}.b"] = module.bias.detach().numpy().astype("<f4").tobytes()
        for path, short in NORMS.items():
            norm = layer.get_submodule(path)
            out[f"l{index}.{short}.w"] = norm.weight.detach().numpy().astype("<f4").tobytes()
            out[f"l{index}.{short}.b"] = norm.bias.detach().numpy().astype("<f4").tobytes()
    return out


def to_plain_linears(model: torch.nn.Module) -> None:
    """Replace every `BlockScaledLinear` of `model` by the `nn.Linear` it computes (fp16 scales, as
    stored), e.g. to save the model for transformers."""
    for name, module in list(model.named_modules()):
        if isinstance(module, BlockScaledLinear):
            parent_name, _, child = name.rpartition(".")
            rows, columns = module.codes.shape
            linear = torch.nn.Linear(columns, rows)
            with torch.no_grad():
                scale = module.scale().detach().to(torch.float16).to(torch.float32)
                linear.weight.copy_(module.codes * scale.repeat_interleave(BLOCK, dim=1))
                linear.bias.copy_(module.bias.detach())
            setattr(model.get_submodule(parent_name), child, linear)
