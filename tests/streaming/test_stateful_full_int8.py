"""The full-integer step (`step_int8.tflite`): calibrated on representative sequences, and its
quantized bound checked on real sequences held out of the calibration (random ids drive an
integer step's states where no real input goes), with `export.json` saying which."""

from __future__ import annotations

import json

import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.cli import _step_verdict
from rnn_zoo.exporters.stateful import CASES, export_stateful

VOCAB = 9


def _lm():
    model = rnn_zoo.get_model("many_to_many_lstm", vocab_size=VOCAB, num_classes=VOCAB,
                              units=32, embedding_dim=8)
    rng = np.random.default_rng(5)
    for w in model.weights:  # trained-looking logits, not ~0
        w.assign(np.asarray(w) + rng.normal(0, 0.3, w.shape).astype(np.float32))
    return model


def _text(rng, n):
    # A "language": ids follow a fixed successor rule most of the time.
    ids = [2]
    for _ in range(n - 1):
        ids.append(ids[-1] % (VOCAB - 2) + 2 if rng.random() < 0.8 else int(rng.integers(2, VOCAB)))
    return np.array(ids, np.int32)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    rng = np.random.default_rng(0)
    representative = [_text(rng, 24) for _ in range(6)]
    out = tmp_path_factory.mktemp("full_int8")
    manifest = export_stateful(_lm(), out, formats=("tflite",), representative=representative,
                               parity_rows=2, parity_time=12)
    return representative, out, manifest


def test_the_bound_is_checked_on_held_out_representative_sequences(exported):
    representative, out, manifest = exported
    assert manifest["parity"]["cases_from"].startswith("the last `parity_rows` representative")
    cases = np.load(out / CASES)
    np.testing.assert_array_equal(cases["inputs"],
                                  np.stack([s[:12] for s in representative[-2:]]))
    record = manifest["artifacts"]["tflite_int8"]
    assert record["written"] and (out / record["path"]).is_file()
    verdict = manifest["parity"]["approximate"]["tflite_int8"]
    assert verdict["ok"] and verdict["max_abs_error"] <= verdict["bound"]
    assert json.loads((out / "stateful.json").read_text()) == manifest


def test_without_representative_the_cases_are_seeded_random(tmp_path):
    model = rnn_zoo.get_model("many_to_many_gru", vocab_size=VOCAB, num_classes=VOCAB,
                              units=4, embedding_dim=4)
    manifest = export_stateful(model, tmp_path, formats=("saved_model",))
    assert manifest["parity"]["cases_from"] == "random inputs (seed 0)"
    assert manifest["parity"]["ok"]


def test_the_cli_prints_each_steps_verdict(exported):
    _, _, manifest = exported
    parity = manifest["parity"]
    assert _step_verdict(parity["artifacts"]["tflite"], None) == "  step-by-step parity ok"
    line = _step_verdict(None, parity["approximate"]["tflite_int8"])
    assert line.startswith("  step-by-step within the quantized bound ok (max |diff| ")
    failed = {**parity["approximate"]["tflite_dynamic_int8"], "ok": False}
    assert "bound FAILED" in _step_verdict(None, failed)
    assert _step_verdict(None, {"skipped": "not written: why"}) == "  not written: why"
