"""The japanese_vowels preset stands alone: `Task.from_preset` verifies its checksums and loads
a SeriesClassifier that answers raw utterances and re-scores the recorded test accuracy on the
real test split (the same weights as trained, republished in the task form)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline builders)
from recipes.japanese_vowels import RECIPE
from rnn_zoo import runner
from rnn_zoo._preset_folders import presets_dir, verify_checksums
from rnn_zoo.tasks import SeriesClassifier, Task

FOLDER = presets_dir() / RECIPE.name


@pytest.fixture(scope="module")
def task():
    return Task.from_preset(RECIPE.name)


@pytest.fixture(scope="module")
def test_split(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    tfds.builder(RECIPE.data.dataset, data_dir=data_dir).download_and_prepare()
    return runner.load_splits(RECIPE, data_dir=data_dir)["test"]


def test_loads_verified_as_the_recipe_task(task):
    listed = verify_checksums(FOLDER)
    assert {"task.json", "model.keras", "metrics.json", "README.md", "model.tflite"} <= set(listed)
    assert isinstance(task, SeriesClassifier)
    assert task.config == SeriesClassifier(**RECIPE.settings("full")).config
    assert task.classes == [str(i) for i in range(1, 10)]


def test_answers_raw_series(task, test_split):
    x, _ = test_split
    # Raw frames (not standardised), of different lengths, padded by the task itself.
    batch = [x[0], x[1][:5], np.asarray(x[2], np.float64)]
    assert len({len(s) for s in batch}) == 3
    answers = task.predict(batch)
    assert len(answers) == 3 and set(answers) <= set(task.classes)
    probabilities = task.predict_proba(batch)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # Each utterance answers the same alone as padded next to longer ones.
    np.testing.assert_allclose(task.predict_proba([batch[1]]), probabilities[1:2], atol=1e-5)


def test_rescores_the_recorded_test_metrics(task, test_split):
    metrics = json.loads((FOLDER / "metrics.json").read_text())
    found = task.evaluate(*test_split, batch_size=370)  # one call: seconds, not minutes
    # Bitwise: the same errors on the same utterances as the recorded run.
    assert found["examples"] == metrics["test"]["examples"] == 370
    assert found["accuracy"] == metrics["test"]["accuracy"]
    assert round((1 - found["accuracy"]) * 370) == metrics["test"]["errors"]
    assert metrics["task"]["test"]["accuracy"] == found["accuracy"]
    assert metrics["task"]["republished_by"] == "python scripts/presets_as_tasks/japanese_vowels.py"
