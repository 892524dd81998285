"""Arrays of a bundle read from disk."""

from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np


def mapped_array(path: Path) -> np.ndarray:
    """The `.npy` file at `path`, memory-mapped read-only for random access.

    Queries read scattered rows (a candidate's sentence vectors, a term's postings). The kernel's
    read-ahead would turn each such read into megabytes (8 MiB per fault on the reference machine:
    sampling 1,024 rows of a 850 MB file mapped all of it), so the mapping is advised as random.
    A plain ndarray over the mapping also avoids numpy's memmap subclass, whose indexing costs
    microseconds each time."""
    with path.open("rb") as fh:
        try:
            shape, fortran, dtype, offset = _header(fh)
        except ValueError:  # a header version numpy writes only for unicode field names
            return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if size == 0:
            return np.zeros(shape, dtype=dtype)
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)
    return np.ndarray(shape, dtype=dtype, buffer=mapping, offset=offset, order="F" if fortran else "C")


def _header(fh: BinaryIO) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """Shape, Fortran order, dtype and data offset of the `.npy` file open as `fh`."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    return shape, fortran, dtype, fh.tell()


class RowFile:
    """Rows of a 2-d `.npy` file read with plain file reads: nothing is mapped, so that a build
    reading a multi-gigabyte file through does not hold it in its resident memory."""

    def __init__(self, path: Path) -> None:
        self._fh = path.open("rb")
        shape, fortran, self.dtype, self._offset = _header(self._fh)
        if fortran or len(shape) != 2:
            raise ValueError(f"{path.name}: not a C-ordered 2-d array")
        self.shape = (int(shape[0]), int(shape[1]))
        self._row_bytes = self.shape[1] * self.dtype.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice | np.ndarray) -> np.ndarray:
        if isinstance(rows, slice):
            start, stop, step = rows.indices(self.shape[0])
            if step != 1:
                raise ValueError("RowFile reads contiguous slices or arrays of row ids")
            count = max(0, stop - start)
            data = os.pread(self._fh.fileno(), count * self._row_bytes, self._offset + start * self._row_bytes)
            return np.frombuffer(data, dtype=self.dtype).reshape(count, self.shape[1])
        ids = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(ids), self.shape[1]), dtype=self.dtype)
        for i, row in enumerate(ids.tolist()):
            data = os.pread(self._fh.fileno(), self._row_bytes, self._offset + row * self._row_bytes)
            out[i] = np.frombuffer(data, dtype=self.dtype)
        return out

    def close(self) -> None:
        self._fh.close()


class NpyAppender:
    """A `.npy` file of `rows` × `columns` written by appending batches of rows in order (a memory
    map would keep every written page in the writer's resident memory)."""

    def __init__(self, path: Path, rows: int, columns: int, dtype: np.dtype) -> None:
        self.path = path
        self.shape = (rows, columns)
        self.dtype = np.dtype(dtype)
        self._written = 0
        self._fh = path.open("wb")
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": self.shape}
        if rows * columns < 2**31:
            np.lib.format.write_array_header_1_0(self._fh, header)
        else:  # numpy reads either; 2.0 allows a longer header
            np.lib.format.write_array_header_2_0(self._fh, header)

    def append(self, batch: np.ndarray) -> None:
        batch = np.ascontiguousarray(batch, dtype=self.dtype)
        if batch.ndim != 2 or batch.shape[1] != self.shape[1] or self._written + len(batch) > self.shape[0]:
            raise ValueError(f"{self.path.name}: batch of shape {batch.shape} does not fit")
        self._fh.write(batch.tobytes())
        self._written += len(batch)

    def close(self) -> None:
        """Close the file; raises if fewer rows were written than announced."""
        self._fh.close()
        if self._written != self.shape[0]:
            raise ValueError(f"{self.path.name}: {self._written} rows written, {self.shape[0]} announced")
