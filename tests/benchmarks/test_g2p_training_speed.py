"""The g2p training-speed benchmark end to end on a tiny stand-in for cmudict (no TFDS build)."""

from __future__ import annotations

import json

import pytest

from benchmarks import g2p_training_speed
from recipes import g2p_cmudict

WORDS = ["a", "at", "cat", "cats", "scatter", "category", "catastrophe", "to", "tomato",
         "automatic", "tic", "tac"] * 6


@pytest.fixture(autouse=True)
def tiny_words(monkeypatch):
    def load_words(split, data_dir=None, manual_dir=None):
        return [(w, [" ".join(f"{c.upper()}1" for c in w)]) for w in WORDS]

    monkeypatch.setattr(g2p_cmudict, "load_words", load_words)


def test_benchmark_reports_speed_quality_and_throughput(tmp_path):
    out = tmp_path / "g2p.json"
    report = g2p_training_speed.main(["--pairs", "72", "--epochs", "2", "--test-words", "12",
                                      "--batch-size", "16", "--units", "4",
                                      "--embedding-dim", "4", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report["pairs"] == 72 and report["test_words"] == 12
    # Pad-to-max really pads to the longest word ("catastrophe", 11 letters).
    assert report["padded_lengths"]["source"] == 11
    assert len(report["epoch_seconds"]["zoo"]) == len(report["epoch_seconds"]["keras_io"]) == 2
    assert report["epoch_speedup"]["n"] == 1 and report["epoch_speedup"]["median"] > 0
    for side in ("zoo_greedy", "zoo_beam", "keras_io_greedy"):
        found = report["decoding"][side]
        assert 0 <= found["wer"] <= 1 and found["per"] >= 0 and found["words_per_second"] > 0
    assert report["machine"]["command"].startswith("nice -n 10 python -m benchmarks.")
