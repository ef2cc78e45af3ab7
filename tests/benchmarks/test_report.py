"""The README's benchmark tables are generated from the committed results, and kept current."""

from __future__ import annotations

import json

import pytest

from benchmarks import report


def test_readme_tables_match_the_committed_results():
    text = report.README.read_text()
    assert report.render(text) == text, "stale tables: run `python -m benchmarks.report`"
    for name in report.TABLES:
        assert (report.RESULTS / f"{name}.json").is_file(), name
        assert f"<!-- {name}:start -->\nMeasured " in text, name


def test_render_replaces_only_between_the_markers(tmp_path):
    results = json.loads((report.RESULTS / "memory.json").read_text())
    (tmp_path / "memory.json").write_text(json.dumps(results))
    text = "intro\n<!-- memory:start -->\nold\n<!-- memory:end -->\noutro\n"
    rendered = report.render(text, tmp_path)
    assert rendered.startswith("intro\n<!-- memory:start -->\nMeasured ")
    assert rendered.endswith("<!-- memory:end -->\noutro\n")
    assert "old" not in rendered and "`breast_cancer`" in rendered
    with pytest.raises(ValueError, match="no <!-- memory:start -->"):
        report.render("no markers here", tmp_path)
