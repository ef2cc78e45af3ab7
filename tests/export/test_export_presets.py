"""A committed preset of every task class exports to every format and passes the parity check;
text presets take raw strings; the artifacts committed in saved_models/ match their manifest and
metrics.json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnn_zoo import presets
from rnn_zoo.exporters import ATOL, RTOL
from tests.export.conftest import COMMITTED, PRESETS, committed_exports, reexported, script

export_presets = script("export_presets")

TEXT_PRESETS = ("char_lm_shakespeare", "tweet_sentiment")


def test_every_task_class_of_the_presets_is_reexported():
    kinds = {json.loads((COMMITTED / n / "task.json").read_text())["task"] for n in PRESETS}
    assert len(reexported()) == len(kinds) >= 7


@pytest.mark.parametrize("name", reexported())
def test_preset_passes_parity_in_every_format(exports, name):
    result = exports["presets"][name]
    assert set(result.artifacts) == {"keras", "saved_model", "tflite", "tflite_int8", "onnx"}
    for fmt in result.artifacts:
        found = exports["found"][f"{result.directory}::{fmt}"]
        # Float32 formats: |artifact - keras| <= ATOL + RTOL * |keras| (numpy.allclose's rule);
        # the raw maximum difference is recorded in export.json.
        assert found["ok"], found.get("error")
        assert result.manifest["parity"]["atol"] == ATOL
        assert result.manifest["parity"]["rtol"] == RTOL
        if fmt != "keras":
            assert found["rnn_zoo_loaded"] is False
        assert not result.artifacts[fmt].get("select_tf_ops"), fmt


@pytest.mark.parametrize("name", [n for n in TEXT_PRESETS if n in reexported()])
def test_text_presets_take_raw_strings(exports, name):
    result = exports["presets"][name]
    endpoints = result.manifest["endpoints"]
    assert endpoints["serving_default"]["inputs"] == [
        {"name": "text", "dtype": "string", "shape": [None]}]
    answer = "label" if name == "tweet_sentiment" else "next_token"
    assert endpoints["serving_default"]["outputs"][answer]["dtype"] == "string"
    # The SavedModel serves both; TFLite / ONNX / .keras take the token ids.
    assert result.artifacts["saved_model"]["endpoints"] == ["serving_default", "serve_tokens"]
    for fmt in ("tflite", "tflite_int8", "onnx", "keras"):
        assert result.artifacts[fmt]["endpoints"] == ["serve_tokens"]
    found = exports["found"][f"{result.directory}::saved_model"]
    string_cases = [c for c in found["cases"] if c["endpoint"] == "serving_default"]
    assert string_cases and all(c["ok"] for c in string_cases)


@pytest.mark.parametrize("name", committed_exports())
def test_committed_artifacts_run_and_match_their_records(exports, name):
    folder = COMMITTED / name
    result = exports["committed"][name]
    listed = presets.verify_checksums(folder)
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    record = metrics["export"]
    for fmt, artifact in result.artifacts.items():
        if artifact.get("written") is False:  # recorded with the converter's (or our) reason
            assert fmt == "tflite_full_int8" and artifact["reason"], artifact
            assert not (folder / artifact["path"]).exists()
            full = record["int8"]["full_int8"]
            assert full["written"] is False and full["reason"] == artifact["reason"]
            continue
        assert artifact["path"] in listed, artifact["path"]  # covered by checksums.sha256
        assert (folder / artifact["path"]).stat().st_size == artifact["bytes"]
        assert record["artifacts"][fmt]["bytes"] == artifact["bytes"]
        found = exports["found"][f"{folder}::{fmt}"]
        assert found["ok"], found.get("error")
        assert found["rnn_zoo_loaded"] is False
    # The int8 artifact's cost was measured by the task (`task.evaluate` on the recipe's raw
    # split, the artifact standing in for its part of the model), on the bar's split.
    assert record["command"] == f"{export_presets.COMMAND} {name}"
    delta = record["int8"]
    # The bar the preset was exported under (a re-scored preset keeps it as bar_at_training).
    assert delta["metric"] == metrics.get("bar_at_training", metrics["bar"])["metric"]
    assert delta["split"] == export_presets._split_of(delta["metric"])
    assert delta["keras"] == pytest.approx(metrics["test"][delta["metric"]], rel=0.01, abs=0.01)
    assert delta["delta"] == pytest.approx(delta["tflite_int8"] - delta["keras"])
    assert np.isfinite(delta["tflite_int8"])
