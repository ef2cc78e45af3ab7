"""Stateful export: SavedModel `step`/`generate` and a builtin-ops TFLite step, checked in a fresh
process (feeding a sequence step by step reproduces the whole-sequence Keras outputs)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnn_zoo.exporters import stateful
from rnn_zoo.exporters.stateful import export_stateful
from tests.harness import build_tiny

VOCABULARY = ["", "[UNK]", *"abcdefghi"]  # the tiny variants' 11 ids


def _perturb(model, seed=3):
    rng = np.random.default_rng(seed)
    for w in model.weights:
        w.assign(np.asarray(w) + rng.normal(0, 0.3, w.shape).astype(np.float32))


@pytest.fixture(scope="module")
def lm_export(tmp_path_factory):
    _, _, model = build_tiny("many_to_many_lstm", num_layers=2)
    _perturb(model)
    out = tmp_path_factory.mktemp("lm")
    return model, out, export_stateful(model, out, vocabulary=VOCABULARY, batch=1)


def test_language_model_exports_step_and_generate(lm_export):
    _, out, manifest = lm_export
    parity = manifest["parity"]
    assert parity["checked"] and parity["ok"] and not parity["rnn_zoo_imported"]
    for fmt in ("saved_model", "tflite", "onnx"):
        entry = parity["artifacts"][fmt]
        assert entry["ok"] and entry["after_reset"] and entry["max_abs_error"] <= 1e-5
    assert parity["artifacts"]["saved_model"]["generate_matches"]
    assert manifest["artifacts"]["saved_model"]["signatures"] == ["step", "generate"]
    ops = manifest["artifacts"]["tflite"]["ops"]
    assert "FULLY_CONNECTED" in ops and not any(
        "TENSOR_LIST" in op or op == "WHILE" or op.startswith("Flex") for op in ops)
    assert [s["name"] for s in manifest["states"]] == [
        "state_0_0", "state_0_1", "state_1_0", "state_1_1"]
    onnx = manifest["artifacts"]["onnx"]
    assert onnx["inputs"] == ["token", *(s["name"] for s in manifest["states"])]
    assert onnx["outputs"] == ["outputs", *(s["out"] for s in manifest["states"])]
    assert "MatMul" in onnx["ops"] and "Loop" not in onnx["ops"]
    assert json.loads((out / "stateful.json").read_text()) == manifest


def test_the_parity_runner_catches_a_wrong_artifact(lm_export):
    _, out, _ = lm_export
    with np.load(out / stateful.CASES) as data:
        cases = dict(data)
    cases["expected"] = cases["expected"].copy()
    cases["expected"][0, -1, 0] += 1e-3  # one logit of the last step
    np.savez(out / stateful.CASES, **cases)
    report = stateful._check(out, timeout=300)
    assert not report["ok"]
    assert not any(entry["ok"] for entry in report["artifacts"].values())
    assert set(report["artifacts"]) == {"saved_model", "tflite", "onnx"}


def test_a_float_many_to_one_model_streams_through_tflite(tmp_path):
    _, _, model = build_tiny("many_to_one_gru_forecast", num_layers=2)
    _perturb(model)
    manifest = export_stateful(model, tmp_path, formats=("tflite",), batch=2)
    assert manifest["parity"]["ok"] and manifest["artifacts"]["tflite"]["batch"] == 2
    assert manifest["input"] == {"name": "features", "dtype": "float32", "shape": [None, 1]}


def test_bad_arguments(tmp_path):
    _, _, bi = build_tiny("many_to_many_bigru_frames")
    with pytest.raises(ValueError, match="bidirectional.*cannot stream"):
        export_stateful(bi, tmp_path)
    _, _, lm = build_tiny("many_to_many_gru")
    with pytest.raises(ValueError, match="`vocabulary` has 3 entries.*has 11"):
        export_stateful(lm, tmp_path, vocabulary=["", "[UNK]", "a"])
    with pytest.raises(ValueError, match="`formats`"):
        export_stateful(lm, tmp_path, formats=("coreml",))
    with pytest.raises(ValueError, match="`batch`"):
        export_stateful(lm, tmp_path, batch=0)
    _, _, series = build_tiny("many_to_one_lstm_series")
    with pytest.raises(ValueError, match="`vocabulary` is for a model with token ids"):
        export_stateful(series, tmp_path, vocabulary=VOCABULARY)
