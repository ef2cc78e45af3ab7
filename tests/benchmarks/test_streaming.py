"""The streaming benchmark runs end to end, and its baselines compute what they claim."""

from __future__ import annotations

import numpy as np

import rnn_zoo
from benchmarks import streaming


def test_numpy_floor_is_the_same_lstm_step():
    model = rnn_zoo.get_model("many_to_many_lstm", vocab_size=9, num_classes=9, units=6,
                              embedding_dim=3, num_layers=2)
    floor = streaming.NumpyLSTM(model)
    ids = [3, 4, 5, 8]
    expected = np.asarray(model.predict_on_batch(np.array([ids], np.int32)))[0]
    states, got = floor.zeros(), []
    for token in ids:
        y, states = floor.step(token, states)
        got.append(y[0])
    np.testing.assert_allclose(np.stack(got), expected, atol=1e-5)


def test_window_rerun_baseline_never_emits_padding_or_oov():
    vocabulary = ["", "[UNK]", *"abcdef"]
    model = rnn_zoo.get_model("many_to_many_gru", vocab_size=8, num_classes=8, units=4,
                              embedding_dim=3)
    text = streaming.window_rerun_sample(model, vocabulary, prompt="ab", length=5,
                                         temperature=1.0, context=3)
    assert text.startswith("ab") and len(text) == 7 and set(text[2:]) <= set("abcdef")


def test_runs_end_to_end(tmp_path):
    out = tmp_path / "streaming.json"
    results = streaming.main(["--quick", "--no-series", "--rounds", "2", "--chars", "20",
                              "--window-chars", "2",
                              "--out", str(out)])
    assert out.is_file()
    assert set(results["characters_per_second"]) == set(streaming.CASES)
    assert all(s["n"] == 2 and s["median"] > 0 for s in results["characters_per_second"].values())
    assert all(err <= 1e-5 for err in results["max_abs_error_vs_whole_sequence"].values())
    assert set(results["bars"]) == set(streaming.BARS)
    assert not any(op.startswith("Flex") or op == "WHILE" for op in results["tflite_ops"])


def test_int8_benchmark_runs_end_to_end(tmp_path):
    from benchmarks import streaming_int8

    out = tmp_path / "int8.json"
    results = streaming_int8.main(["--quick", "--calibration-chunks", "2", "--rounds", "2",
                                   "--chars", "20", "--window-chars", "2", "--out", str(out)])
    assert out.is_file() and results["characters_scored"] == 300
    loss = results["validation_loss"]
    assert set(loss) == set(streaming_int8.STEPS) and all(np.isfinite(v) for v in loss.values())
    ratios = results["generation"]["generation_over_window_rerun"]
    assert set(ratios) == set(streaming_int8.STEPS)
    assert all(r["n"] == 2 and r["median"] > 0 and r["bar"] == 100.0 for r in ratios.values())
    assert results["parity"]["artifacts"]["tflite"]["ok"]
    assert results["parity"]["approximate"]["tflite_int8"]["reset_reproduces"]
    assert not any(op.startswith("Flex") for op in results["int8_artifact"]["ops"])


def test_chunks_follow_the_recipe_protocol():
    from benchmarks import streaming_int8

    chunks = streaming_int8.chunks_of(np.arange(305))
    assert chunks.shape == (3, 101) and chunks[1, 0] == 100 and chunks[2, -1] == 300
