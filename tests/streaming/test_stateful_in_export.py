"""`rnn_zoo.export(..., stateful=True)` and `rnn-zoo export --stateful`: the step model with
explicit state travels in the export folder, recorded in export.json and parity-checked."""

from __future__ import annotations

import json

import pytest

import rnn_zoo
from rnn_zoo import cli
from tests.harness import build_tiny


def test_export_writes_the_step_model_into_the_export(tmp_path):
    model = build_tiny("many_to_many_gru")[2]
    result = rnn_zoo.export(model, tmp_path / "out", formats=("keras", "tflite"),
                            stateful=True)
    manifest = json.loads((tmp_path / "out" / "export.json").read_text())
    stateful = manifest["stateful"]
    assert stateful["directory"] == "stateful"
    assert set(stateful["artifacts"]) == {"tflite", "tflite_dynamic_int8"}
    assert stateful["parity"]["checked"] is True and stateful["parity"]["ok"] is True
    assert (tmp_path / "out" / "stateful" / "step.tflite").is_file()
    assert result.parity_ok is True and manifest["parity"]["ok"] is True


def test_a_bidirectional_model_cannot_be_exported_stateful(tmp_path):
    model = build_tiny("many_to_many_bigru_frames")[2]
    with pytest.raises(ValueError, match="(?i)bidirectional"):
        rnn_zoo.export(model, tmp_path / "out", formats=("tflite",), stateful=True)
    assert not (tmp_path / "out" / "export.json").exists()


def test_stateful_needs_a_format_that_carries_it(tmp_path):
    model = build_tiny("many_to_many_gru")[2]
    with pytest.raises(ValueError, match="`stateful` needs saved_model, tflite or onnx"):
        rnn_zoo.export(model, tmp_path / "out", formats=("keras",), stateful=True)


def test_the_cli_exports_a_keras_file_stateful(tmp_path, capsys):
    path = tmp_path / "lm.keras"
    build_tiny("many_to_many_lstm")[2].save(path)
    assert cli.main(["export", str(path), "--formats", "tflite", "--stateful", "--out",
                     str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "step tflite" in out and "stateful/step.tflite  step-by-step parity ok" in out
