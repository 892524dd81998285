"""Arrays of a bundle read from disk."""

from __future__ import annotations

import mmap
from pathlib import Path

import numpy as np


def mapped_array(path: Path) -> np.ndarray:
    """The `.npy` file at `path`, memory-mapped read-only for random access.

    Queries read scattered rows (a candidate's sentence vectors, a term's postings). The kernel's
    read-ahead would turn each such read into megabytes (8 MiB per fault on the reference machine:
    sampling 1,024 rows of a 850 MB file mapped all of it), so the mapping is advised as random.
    A plain ndarray over the mapping also avoids numpy's memmap subclass, whose indexing costs
    microseconds each time."""
    with path.open("rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:  # numpy writes 3.0 headers for unicode field names only, which bundles do not have
            return np.load(path, mmap_mode="r", allow_pickle=False).view(np.ndarray)
        offset = fh.tell()
        size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if size == 0:
            return np.zeros(shape, dtype=dtype)
        mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)
    return np.ndarray(shape, dtype=dtype, buffer=mapping, offset=offset, order="F" if fortran else "C")
