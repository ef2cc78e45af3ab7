"""The breast_cancer preset as a task: raw rows in, the recorded test accuracy re-scored."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline TFDS builders)
from recipes.breast_cancer import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import TabularClassifier, load_task

PRESET = Path(__file__).resolve().parents[2] / "saved_models" / "breast_cancer"


@pytest.fixture(scope="module")
def test_split(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    tfds.builder("breast_cancer", data_dir=data_dir).download_and_prepare()
    return runner.load_splits(RECIPE, data_dir=data_dir)["test"]


@pytest.fixture(scope="module")
def task():
    return TabularClassifier.from_preset("breast_cancer")


def test_loads_by_name_with_checksums_verified(task, tmp_path):
    assert isinstance(task, TabularClassifier) and task.classes == ["malignant", "benign"]
    assert task.backbone.count_params() == 18_562
    copy = Path(shutil.copytree(PRESET, tmp_path / "breast_cancer"))
    task_json = json.loads((copy / "task.json").read_text())
    task_json["state"]["classes"] = ["benign", "malignant"]
    (copy / "task.json").write_text(json.dumps(task_json))
    with pytest.raises(ValueError, match="task.json"):
        TabularClassifier.from_preset("breast_cancer", presets_dir=tmp_path)


def test_answers_raw_rows_as_the_card_shows(task):
    from sklearn.datasets import load_breast_cancer

    rows = load_breast_cancer().data[:3]
    card = (PRESET / "README.md").read_text()
    shown = re.search(r"task\.predict\(rows\)\s+# (\[.*?\])", card)[1]
    assert repr(task.predict(rows)) == shown
    assert load_task(PRESET).predict(rows) == task.predict(rows)
    np.testing.assert_allclose(task.predict_proba(rows).sum(axis=1), 1.0, rtol=1e-6)


def test_rescores_the_recorded_test_metrics(task, test_split):
    metrics = json.loads((PRESET / "metrics.json").read_text())
    scores = task.evaluate(*test_split)
    # Bitwise: the same backbone on the same standardised features.
    assert scores["accuracy"] == metrics["test"]["accuracy"] == 0.9823008849557522
    assert scores == metrics["task"]["test"] and metrics["task"]["max_abs_logit_diff"] == 0.0
    assert metrics["task"]["class"] == "TabularClassifier"


def test_the_committed_tflite_is_the_task_model(task, test_split):
    """`model.tflite` is exported from the task form (`scripts/export_presets.py`): raw rows
    in, the standardisation inside; it matches the task, which is its backbone on the task's
    own standardisation."""
    from ai_edge_litert.interpreter import Interpreter

    x = np.asarray(test_split[0][:8], np.float32)
    mean = np.asarray(task.state["mean"], np.float32)
    std = np.sqrt(np.asarray(task.state["variance"], np.float32))
    want = np.asarray(task.backbone((x - mean) / std))
    np.testing.assert_array_equal(want, task._run(x, batch_size=8))
    interpreter = Interpreter(model_path=str(PRESET / "model.tflite"))
    interpreter.allocate_tensors()
    (given,), (taken,) = interpreter.get_input_details(), interpreter.get_output_details()
    for row, expected in zip(x, want, strict=True):
        interpreter.set_tensor(given["index"], row[None])
        interpreter.invoke()
        np.testing.assert_allclose(interpreter.get_tensor(taken["index"])[0], expected,
                                   atol=1e-5, rtol=1e-6)
