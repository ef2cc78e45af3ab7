"""`load_servable` / `export_preset` serve presets, run (task) folders and bare `.keras` files;
a preset or folder without `task.json` is refused with one line saying it is not in the task
form; `unrolled_model` unrolls a task's nested backbone (the full-integer converter needs it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from rnn_zoo._preset_folders import write_checksums
from rnn_zoo.exporters import formats as _formats
from rnn_zoo.exporters.presets import export_preset, load_servable

REPO = Path(__file__).resolve().parents[2]
PRESET = REPO / "saved_models" / "breast_cancer"


@pytest.fixture
def run_folder(tmp_path):
    """A task folder as `runner.train` leaves it (task.json, model.keras, metrics.json)."""
    folder = tmp_path / "run"
    folder.mkdir()
    for name in ("task.json", "model.keras", "metrics.json"):
        shutil.copy(PRESET / name, folder / name)
    return folder


def test_a_run_folder_is_served_by_its_task(run_folder):
    servable = load_servable(run_folder)
    assert servable.metadata["task"] == "TabularClassifier"
    assert servable.keras_model.inputs[0].shape[-1] == 30  # raw features in


def test_a_preset_is_served_by_its_task():
    servable = load_servable("breast_cancer")
    assert servable.metadata["task"] == "TabularClassifier"
    assert servable.metadata["classes"] == ["malignant", "benign"]


def test_a_bare_keras_file_is_served_as_the_plain_model(run_folder):
    servable = load_servable(run_folder / "model.keras")
    assert servable.name == "model" and "task" not in servable.metadata


@pytest.mark.parametrize("kind", ["run folder", "preset"])
def test_without_task_json_is_not_in_the_task_form(tmp_path, run_folder, kind):
    if kind == "run folder":
        (run_folder / "task.json").unlink()
        target, presets_dir = run_folder, None
    else:
        root = tmp_path / "presets"
        shutil.copytree(PRESET, root / "old_preset")
        (root / "old_preset" / "task.json").unlink()
        write_checksums(root / "old_preset")
        target, presets_dir = "old_preset", root
    with pytest.raises(ValueError) as caught:
        load_servable(target, presets_dir=presets_dir)
    message = str(caught.value)
    assert "\n" not in message and "not in the task form" in message
    assert "task.json" in message
    with pytest.raises(ValueError, match="not in the task form"):
        export_preset(target, tmp_path / "out", presets_dir=presets_dir, check=False)
    assert not (tmp_path / "out").exists()


def test_the_legacy_serving_path_is_gone():
    from rnn_zoo.exporters import presets, text

    for name in ("servable_for", "BUILTIN_SERVABLES", "_char_lm", "_tweets", "_run_servable"):
        assert not hasattr(presets, name), name
    assert not hasattr(text, "tweet_sentiment_servable")


def test_a_nested_backbone_is_unrolled_at_static_shapes():
    import keras

    inner_in = keras.Input((None, 2), name="ids")
    inner = keras.Model(inner_in, keras.layers.GRU(3, name="rnn")(inner_in), name="backbone")
    outer_in = keras.Input((None, 2), name="series")
    model = keras.Model(outer_in, inner(keras.layers.Rescaling(2.0)(outer_in)))
    clone = _formats.unrolled_model(model, {"series": (1, 5, 2)})
    rnn = clone.get_layer("backbone").get_layer("rnn")
    assert rnn.unroll is True
    assert tuple(clone.get_layer("backbone").inputs[0].shape) == (1, 5, 2)
    x = np.random.default_rng(0).normal(size=(1, 5, 2)).astype(np.float32)
    np.testing.assert_allclose(clone(x), model(x), atol=1e-6)
