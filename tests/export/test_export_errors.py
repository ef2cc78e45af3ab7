"""Clear one-line errors: bad arguments, unwritable directories, corrupted or truncated artifacts,
and the `rnn-zoo export` command's user errors (exit status 2)."""

from __future__ import annotations

import json
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

import rnn_zoo
from rnn_zoo import cli
from rnn_zoo.exporters import (
    Endpoint,
    ParityError,
    Servable,
    check_parity,
    export,
    keras_servable,
    load_result,
)
from rnn_zoo.exporters._standalone_runner import digest
from tests.harness import build_tiny


@pytest.fixture(scope="module")
def tiny():
    return build_tiny("many_to_one_gru")[2]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"formats": ("tflite", "pb")}, ValueError, "Unsupported export format(s) 'pb'"),
        ({"formats": ()}, ValueError, "`formats` must be a non-empty list"),
        ({"tflite_batch_size": 0}, ValueError, "`tflite_batch_size` must be an int >= 1"),
        ({"check": "yes"}, TypeError, "`check` must be True or False"),
        ({"metadata": [1]}, TypeError, "`metadata` must be a dict"),
    ],
)
def test_bad_arguments(tiny, tmp_path, kwargs, error, message):
    with pytest.raises(error) as info:
        export(tiny, tmp_path / "out", **kwargs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_bad_model_and_directory(tiny, tmp_path):
    with pytest.raises(TypeError, match="`model` must be a keras.Model or an rnn_zoo.export"):
        export("model.keras", tmp_path)
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for target in (blocker, blocker / "sub"):
        with pytest.raises(ValueError, match="`directory` .* (exists and is not a directory|is "
                                             "not writable)"):
            export(tiny, target)


def test_unavailable_format_for_a_servable(tmp_path):
    """A servable without a Keras model offers SavedModel and TFLite only, and says so."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    endpoint = Endpoint(lambda x: {"y": model(x["x"])}, {"x": tf.TensorSpec([None, 3])})
    servable = Servable(name="plain", endpoints={"serving_default": endpoint}, track=[model],
                        reference=lambda e, x: {"y": keras.ops.convert_to_numpy(model(x["x"]))},
                        examples={"serving_default": [{"x": np.ones((2, 3), np.float32)}]})
    assert servable.formats == ("saved_model", "tflite", "tflite_int8", "tflite_full_int8")
    with pytest.raises(ValueError, match="'plain' cannot be exported as 'onnx'; it offers "
                                         "saved_model, tflite, tflite_int8"):
        export(servable, tmp_path, formats=("onnx",))
    with pytest.raises(ValueError, match="must include 'serving_default'"):
        Servable(name="x", endpoints={}, track=[], reference=None, examples={})


@pytest.fixture(scope="module")
def corrupted(tiny, tmp_path_factory):
    """One export, copied four times and damaged four ways; all checked in one runner call."""
    root = tmp_path_factory.mktemp("corrupted")
    base = export(keras_servable(tiny), root / "base", formats=("saved_model", "tflite", "onnx"),
                  check=False)
    cases = {}

    def copy(name):
        shutil.copytree(base.directory, root / name)
        return load_result(root / name)

    truncated = copy("truncated")  # truncated after export: the manifest's checksum catches it
    path = truncated.path("tflite")
    path.write_bytes(path.read_bytes()[:1000])
    cases["truncated"] = truncated

    def garbage(name, fmt, relative=None):
        # Damaged and re-signed, so the loader itself must refuse it clearly.
        result = copy(name)
        path = result.path(fmt) / relative if relative else result.path(fmt)
        path.write_bytes(b"\x00not a model\xff" * 50)
        artifact = result.artifacts[fmt]
        artifact["sha256"], artifact["bytes"] = digest(result.path(fmt))
        result.write_manifest()
        return result

    cases["tflite"] = garbage("bad_tflite", "tflite")
    cases["onnx"] = garbage("bad_onnx", "onnx")
    cases["saved_model"] = garbage("bad_saved_model", "saved_model", "saved_model.pb")
    with pytest.raises(ParityError) as info:
        check_parity(list(cases.values()))
    return str(info.value), cases


def _verdict(corrupted, case):
    _, cases = corrupted
    fmt = "tflite" if case == "truncated" else case
    return cases[case].manifest["parity"]["artifacts"][fmt]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated", "model.tflite (tflite): 1000 bytes with sha256"),
        ("tflite", "model.tflite (tflite): cannot be loaded (ValueError:"),
        ("onnx", "model.onnx (onnx): cannot be loaded ("),
        ("saved_model", "saved_model (saved_model): cannot be loaded ("),
    ],
)
def test_corrupted_artifacts_give_a_clear_error(corrupted, case, message):
    verdict = _verdict(corrupted, case)
    assert verdict["ok"] is False
    assert message in verdict["error"], verdict["error"]
    assert "\n" not in verdict["error"]
    if case == "truncated":
        assert "corrupted or truncated" in verdict["error"]


def test_parity_error_is_one_line_naming_every_failing_file(corrupted):
    text, cases = corrupted
    assert text.startswith("Parity check failed for 4 artifact(s): ") and "\n" not in text
    for name in ("model.tflite", "model.onnx", "saved_model (saved_model)"):
        assert name in text
    # The verdicts are in export.json, and the undamaged artifacts of each export still pass.
    parity = json.loads((cases["tflite"].directory / "export.json").read_text())["parity"]
    assert parity["artifacts"]["onnx"]["ok"] and not parity["artifacts"]["tflite"]["ok"]


# --- the CLI ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "breast_cancr", "--out", "{tmp}/x"],
         "rnn-zoo: error: Unknown preset 'breast_cancr'. Did you mean 'breast_cancer'?"),
        (["export", "breast_cancer", "--formats", "pb", "--out", "{tmp}/x"],
         "argument --formats: invalid choice: 'pb'"),
        (["export", "breast_cancer", "--out", "{tmp}/file.txt/x"],
         "rnn-zoo: error: `--out` '{tmp}/file.txt/x' is not writable"),
        (["export", "{tmp}/missing.keras", "--out", "{tmp}/x"],
         "rnn-zoo: error: Model file '{tmp}/missing.keras' does not exist."),
        (["export", "{tmp}/file.txt", "--out", "{tmp}/x"], "is not a .keras file"),
        (["export", "breast_cancer"], "the following arguments are required: --out"),
    ],
    ids=["unknown-preset", "unsupported-format", "unwritable", "missing-file", "not-keras",
         "no-out"],
)
def test_cli_errors_are_one_line_with_exit_status_2(argv, message, tmp_path, capsys):
    (tmp_path / "file.txt").write_text("x")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert message.replace("{tmp}", str(tmp_path)) in captured.err
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_cli_exports_a_preset_with_parity(tmp_path, capsys):
    assert cli.main(["export", "breast_cancer", "--formats", "saved_model", "tflite",
                     "--out", str(tmp_path / "bc")]) == 0
    out = capsys.readouterr().out
    assert "saved_model" in out and "model.tflite" in out and "parity ok" in out
    manifest = json.loads((tmp_path / "bc" / "export.json").read_text())
    assert manifest["parity"]["ok"] is True
    # Served by its task: raw features in, the standardization inside and recorded.
    assert manifest["metadata"]["task"] == "TabularClassifier"
    assert set(manifest["metadata"]["standardize"]) == {"mean", "variance"}


def test_cli_exports_a_keras_file(tiny, tmp_path, capsys):
    path = tmp_path / "tiny.keras"
    tiny.save(path)
    assert cli.main(["export", str(path), "--formats", "tflite", "--out", str(tmp_path / "o"),
                     "--no-check"]) == 0
    assert "model.tflite" in capsys.readouterr().out
    result = load_result(tmp_path / "o")
    assert result.manifest["name"] == "tiny" and list(result.artifacts) == ["tflite"]
    assert rnn_zoo.exporters.load_result is load_result  # the package is also the function
    assert callable(rnn_zoo.export)
