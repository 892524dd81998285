"""The scale benchmark end to end on a small synthetic corpus, and its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evals import bench_scale

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_run_measures_every_step_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "scale.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "evals.bench_scale",
            "--chunks",
            "300",
            "600",
            "--work",
            str(tmp_path / "w"),
            "--out",
            str(out),
            "--workers",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["target_chunks"] for r in rows] == [300, 600]
    small, large = rows
    assert 200 < small["chunks"] < large["chunks"] < 900
    assert large["sentences"] > small["sentences"]
    for row in rows:
        assert row["dense"] == "exact" and row["http"]["errors"] == 0
        assert row["build_peak_rss_mb"] > 0 and row["load_s"] > 0 and row["bundle_mb"] > 0
        assert row["latency_ms"]["search"]["p50"] > 0 and row["http"]["search_8_clients_rps"] > 0
    report = out.read_text(encoding="utf-8")
    assert "| search p50 ms |" in report and f"{large['chunks']:,} chunks" in report


def test_slopes_are_log_log() -> None:
    rows = [{"chunks": 1000, "x": 2.0}, {"chunks": 10_000, "x": 20.0}, {"chunks": 100_000, "x": 20.0}]
    assert bench_scale.slope(rows, lambda r: r["x"]) == ["", "1.00", "0.00"]
