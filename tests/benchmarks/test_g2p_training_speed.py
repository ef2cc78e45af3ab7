"""The g2p training-speed benchmark end to end on a tiny stand-in for cmudict (no TFDS build)."""

from __future__ import annotations

import json

import pytest

from benchmarks import g2p_training_speed
from benchmarks import report as report_tables

WORDS = ["a", "at", "cat", "cats", "scatter", "category", "catastrophe", "to", "tomato",
         "automatic", "tic", "tac"] * 6


@pytest.fixture(autouse=True)
def tiny_words(monkeypatch):
    def load_words(split):
        return list(WORDS), [[" ".join(f"{c.upper()}1" for c in w)] for w in WORDS]

    monkeypatch.setattr(g2p_training_speed, "load_words", load_words)


def test_benchmark_reports_speed_quality_and_throughput(tmp_path):
    out = tmp_path / "g2p.json"
    report = g2p_training_speed.main(["--pairs", "72", "--epochs", "2", "--seeds", "0", "1",
                                      "--test-words", "12", "--batch-size", "16", "--units", "4",
                                      "--embedding-dim", "4", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report["pairs"] == 72 and report["test_words"] == 12
    # Pad-to-max really pads to the longest word ("catastrophe", 11 letters).
    assert report["padded_lengths"]["source"] == 11
    assert [run["seed"] for run in report["runs"]] == [0, 1]
    for run in report["runs"]:
        assert {side: len(t) for side, t in run["epoch_seconds"].items()} == {
            "zoo": 2, "zoo_batch_mean": 2, "keras_io": 2}
        for found in run["decoding"].values():
            assert 0 <= found["wer"] <= 1 and found["per"] >= 0 and found["words_per_second"] > 0
    # One later epoch per seed, paired across sides.
    assert report["epoch_speedup"]["n"] == 2 and report["epoch_speedup"]["median"] > 0
    mean = report["mean_over_seeds"]
    assert set(mean) == {"zoo_greedy", "zoo_beam", "zoo_batch_mean_greedy", "keras_io_greedy"}
    assert mean["zoo_greedy"]["wer"] == pytest.approx(
        sum(run["decoding"]["zoo_greedy"]["wer"] for run in report["runs"]) / 2)
    assert report["zoo_wer_equal_or_better"] == (
        mean["zoo_greedy"]["wer"] <= mean["keras_io_greedy"]["wer"])
    table = report_tables.g2p_training_speed(report)
    assert "keras.io style" in table and f"{mean['zoo_greedy']['wer']:.3f}" in table
    assert report["machine"]["command"].startswith("nice -n 10 python -m benchmarks.")
