"""Bundle arrays on disk: appended in batches, read by rows or through a random-access mapping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rapporteur.bundle.arrays import NpyAppender, RowFile, mapped_array


def test_appended_batches_make_the_npy_file_numpy_writes(tmp_path: Path) -> None:
    rows = np.random.default_rng(0).random((1000, 24)).astype(np.float32)
    out = NpyAppender(tmp_path / "v.npy", 1000, 24, np.dtype(np.float32))
    for start in range(0, 1000, 300):
        out.append(rows[start : start + 300])
    out.close()
    np.save(tmp_path / "reference.npy", rows)
    assert (tmp_path / "v.npy").read_bytes() == (tmp_path / "reference.npy").read_bytes()


def test_an_appender_refuses_a_short_or_overlong_file(tmp_path: Path) -> None:
    out = NpyAppender(tmp_path / "v.npy", 10, 4, np.dtype(np.float32))
    with pytest.raises(ValueError, match="does not fit"):
        out.append(np.zeros((11, 4)))
    out.append(np.zeros((9, 4)))
    with pytest.raises(ValueError, match="9 rows written, 10 announced"):
        out.close()


def test_rows_read_by_slices_and_ids_equal_the_mapped_array(tmp_path: Path) -> None:
    rows = np.random.default_rng(1).random((500, 8)).astype(np.float32)
    np.save(tmp_path / "v.npy", rows)
    reader, mapped = RowFile(tmp_path / "v.npy"), mapped_array(tmp_path / "v.npy")
    assert reader.shape == (500, 8) and len(reader) == 500
    assert np.array_equal(reader[10:20], rows[10:20]) and np.array_equal(reader[495:900], rows[495:])
    assert np.array_equal(reader[np.array([499, 0, 7])], rows[[499, 0, 7]])
    assert np.array_equal(mapped, rows) and not mapped.flags.writeable
    reader.close()


def test_empty_and_integer_arrays_map_too(tmp_path: Path) -> None:
    np.save(tmp_path / "e.npy", np.zeros((0, 5), dtype=np.int64))
    np.save(tmp_path / "i.npy", np.arange(12, dtype=np.int32).reshape(3, 4))
    assert mapped_array(tmp_path / "e.npy").shape == (0, 5)
    assert mapped_array(tmp_path / "i.npy").tolist() == np.arange(12).reshape(3, 4).tolist()
