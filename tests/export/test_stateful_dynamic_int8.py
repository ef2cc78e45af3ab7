"""The dynamic-range int8 step (`step_dynamic_int8.tflite`): written with every TFLite stateful
export, builtin ops only, int8 weights inside, and the state carried step by step through it
reproduces the whole-sequence Keras outputs within the quantized bound, also after a reset."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.exporters.stateful import DYNAMIC_INT8, QUANTIZED_RTOL, export_stateful
from rnn_zoo.exporters.tflite import op_names

VOCAB = 11


def _lm():
    # 32 units: the LSTM kernels exceed the 1024 elements under which the converter keeps a
    # weight in float32, so the step really holds int8 weights.
    model = rnn_zoo.get_model("many_to_many_lstm", vocab_size=VOCAB, num_classes=VOCAB,
                              units=32, embedding_dim=8, num_layers=2)
    rng = np.random.default_rng(3)
    for w in model.weights:  # trained-looking logits (magnitude ~1-10), not ~0
        w.assign(np.asarray(w) + rng.normal(0, 0.3, w.shape).astype(np.float32))
    return model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    model = _lm()
    out = tmp_path_factory.mktemp("dynamic_int8")
    return model, out, export_stateful(model, out, formats=("tflite",), batch=1)


def _stream(runner, manifest, tokens):
    """Logits `(time, vocab)` of feeding `tokens` one at a time from zero states."""
    states = {s["name"]: np.zeros((1, *s["shape"][1:]), np.float32) for s in manifest["states"]}
    logits = []
    for token in tokens:
        found = runner(token=np.array([token], np.int32), **states)
        logits.append(np.array(found["outputs"][0]))
        states = {s["name"]: np.array(found[s["out"]]) for s in manifest["states"]}
    return np.stack(logits)


def test_the_dynamic_int8_step_is_recorded_and_checked(exported):
    _, out, manifest = exported
    record = manifest["artifacts"]["tflite_dynamic_int8"]
    assert record["path"] == DYNAMIC_INT8 and (out / DYNAMIC_INT8).is_file()
    assert record["builtin_only"] and record["runs_on"].startswith("builtin ops only")
    assert record["int8_tensors"] > 0 and record["batch"] == 1
    verdict = manifest["parity"]["approximate"]["tflite_dynamic_int8"]
    assert verdict["ok"] and verdict["reset_reproduces"]
    assert verdict["max_abs_error"] <= verdict["bound"]
    assert verdict["bound"] == QUANTIZED_RTOL * max(1.0, verdict["max_abs_keras"])
    assert manifest["parity"]["ok"] and not manifest["parity"]["rnn_zoo_imported"]
    assert json.loads((out / "stateful.json").read_text()) == manifest
    # A quarter of the weight bytes (plus the float32 tensors that stay float).
    assert (out / DYNAMIC_INT8).stat().st_size < 0.5 * (out / "step.tflite").stat().st_size


def test_it_runs_in_litert_with_builtin_ops_and_int8_weights(exported):
    from ai_edge_litert.interpreter import Interpreter

    _, out, _ = exported
    ops = op_names((out / DYNAMIC_INT8).read_bytes())
    assert "FULLY_CONNECTED" in ops
    assert not any(op.startswith("Flex") or "TENSOR_LIST" in op or op == "WHILE" for op in ops)
    interpreter = Interpreter(model_path=str(out / DYNAMIC_INT8))
    assert any(d["dtype"] == np.int8 for d in interpreter.get_tensor_details())
    runner = interpreter.get_signature_runner("step")
    # The interface stays float32 (ids int32): it takes the float step's feeds.
    assert runner.get_input_details()["token"]["dtype"] == np.int32
    assert runner.get_output_details()["outputs"]["dtype"] == np.float32


def test_the_carried_state_matches_keras_and_a_reset_reproduces(exported):
    from ai_edge_litert.interpreter import Interpreter

    model, out, manifest = exported
    tokens = np.random.default_rng(7).integers(2, VOCAB, size=16).astype(np.int32)
    want = np.asarray(model.predict_on_batch(tokens[None]))[0]
    runner = Interpreter(model_path=str(out / DYNAMIC_INT8)).get_signature_runner("step")
    first = _stream(runner, manifest, tokens)
    error = float(np.abs(first - want).max())
    # Not equal (the weights are int8), but within the quantized bound at every step.
    assert 0 < error <= QUANTIZED_RTOL * max(1.0, float(np.abs(want).max()))
    assert np.mean(first.argmax(-1) == want.argmax(-1)) >= 0.75
    np.testing.assert_array_equal(_stream(runner, manifest, tokens), first)  # after the reset


def test_export_json_records_it_with_every_tflite_stateful_export(tmp_path):
    model = rnn_zoo.get_model("many_to_many_gru", vocab_size=VOCAB, num_classes=VOCAB,
                              units=4, embedding_dim=4)
    rnn_zoo.export(model, tmp_path / "out", formats=("tflite",), stateful=True)
    stateful = json.loads((tmp_path / "out" / "export.json").read_text())["stateful"]
    assert stateful["artifacts"]["tflite_dynamic_int8"]["path"] == DYNAMIC_INT8
    assert (tmp_path / "out" / "stateful" / DYNAMIC_INT8).is_file()
    assert stateful["parity"]["approximate"]["tflite_dynamic_int8"]["ok"]
