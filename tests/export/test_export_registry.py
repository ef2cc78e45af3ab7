"""Every registry model (tiny) exports to every format, and every artifact reproduces Keras in a
fresh process that never imports rnn_zoo: padded batches, rows alone, all formats."""

from __future__ import annotations

import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.exporters import ATOL, DEFAULT_FORMATS, RTOL
from rnn_zoo.exporters.parity import CASES

MODELS = rnn_zoo.list_models()
FLOAT32 = ("keras", "saved_model", "tflite", "onnx")


def _found(exports, result, fmt):
    return exports["found"][f"{result.directory}::{fmt}"]


@pytest.mark.parametrize("name", MODELS)
def test_every_format_passes_parity(exports, name):
    result = exports["registry"][name]
    assert tuple(result.artifacts) == DEFAULT_FORMATS
    for fmt in DEFAULT_FORMATS:
        found = _found(exports, result, fmt)
        assert found["ok"], found.get("error")
        assert found["cases"], fmt
        if fmt in FLOAT32:
            # The tiny models stay far inside the absolute bound alone.
            assert found["max_abs_diff"] <= ATOL, (fmt, found["max_abs_diff"])
        else:  # int8 weights: it runs and gives finite outputs of the right shape
            assert np.isfinite(found["max_abs_diff"])
        if fmt != "keras":
            assert found["rnn_zoo_loaded"] is False, fmt
    assert result.manifest["parity"]["ok"] is True
    assert result.manifest["parity"]["atol"] == ATOL and result.manifest["parity"]["rtol"] == RTOL


@pytest.mark.parametrize("name", MODELS)
def test_tflite_is_builtin_only_with_a_dynamic_sequence_length(exports, name):
    result = exports["registry"][name]
    model_inputs = result.manifest["endpoints"]["serving_default"]["inputs"]
    for fmt in ("tflite", "tflite_int8"):
        artifact = result.artifacts[fmt]
        assert artifact["select_tf_ops"] is False and artifact["flex_ops"] == []
        assert "WHILE" in artifact["ops"], artifact["ops"]  # the recurrent loop, as a builtin
        assert artifact["static_batch_size"] == 1
        for spec, original in zip(artifact["inputs"]["serving_default"], model_inputs,
                                  strict=True):
            assert spec["shape"] == [1, *original["shape"][1:]]
    # SavedModel and ONNX keep the dynamic batch (and sequence) dimensions.
    for spec in model_inputs:
        assert spec["shape"][0] is None
    assert result.artifacts["onnx"]["onnx_inputs"] == [s["name"] for s in model_inputs]


def _masked(name):
    model_inputs = rnn_zoo.get_spec(name).defaults
    return rnn_zoo.get_spec(name).topology in ("many_to_one", "many_to_many",
                                               "encoder_decoder") and (
        "input_dim" not in model_inputs or "mask_value" in model_inputs)


@pytest.mark.parametrize("name", [n for n in MODELS if _masked(n)])
def test_masks_survive_export(exports, name):
    """The padded batch through each artifact equals Keras on it, and so does each row alone:
    for a masking model the padded rows and the unpadded sequences give the same outputs."""
    result = exports["registry"][name]
    with np.load(result.directory / CASES) as data:
        padded = {k.split("/")[-1]: data[k] for k in data.files
                  if k.startswith("serving_default/0/in/")}
        expected_padded = data["serving_default/0/out/outputs"]
        alone = [data[f"serving_default/{i}/out/outputs"] for i in range(1, 4)]
    assert any((v == 0).all(axis=tuple(range(2, v.ndim))).any() for v in padded.values()), \
        "the first case must contain right-padded rows"
    per_step = expected_padded.ndim == 3
    for i, row in enumerate(alone):
        want = expected_padded[i:i + 1, :row.shape[1]] if per_step else expected_padded[i:i + 1]
        np.testing.assert_allclose(row, want, rtol=0, atol=1e-5)
    for fmt in DEFAULT_FORMATS:
        found = _found(exports, result, fmt)
        assert [c["case"] for c in found["cases"]] == [0, 1, 2, 3]
        assert all(c["ok"] for c in found["cases"]), fmt
