"""Benchmarks that share one report each rewrite their own section and keep the others."""

from __future__ import annotations

from pathlib import Path

from evals.report_sections import keep_sections, replace_section, sections_of


def test_sections_are_added_replaced_and_kept(tmp_path: Path) -> None:
    report = tmp_path / "benchmarks.md"
    report.write_text("# Benchmarks\n\nmain figures\n", encoding="utf-8")
    replace_section(report, "scale", "## Scale\n\nfirst run")
    replace_section(report, "ann", "## ANN\n\nrows")
    replace_section(report, "scale", "## Scale\n\nsecond run")
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\nmain figures")
    assert "first run" not in text and text.count("second run") == 1 and "rows" in text
    assert list(sections_of(text)) == ["scale", "ann"]
    rewritten = keep_sections(report, "# Benchmarks\n\nnew main figures\n")
    assert rewritten.startswith("# Benchmarks\n\nnew main figures") and set(sections_of(rewritten)) == {"scale", "ann"}
    assert "main figures\n" not in rewritten.replace("new main figures\n", "")
