"""The sunspots_forecast preset stands alone: `Task.from_preset` verifies its checksums and
loads a Forecaster that answers raw yearly values and re-scores the recorded test RMSE and MAE
on the real test split, every year 1963-2008 (the same weights as trained, republished in the
task form)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline builders)
from recipes.sunspots_forecast import RECIPE
from rnn_zoo import runner
from rnn_zoo._preset_folders import presets_dir, verify_checksums
from rnn_zoo.tasks import Forecaster, Task

FOLDER = presets_dir() / RECIPE.name


@pytest.fixture(scope="module")
def task():
    return Task.from_preset(RECIPE.name)


@pytest.fixture(scope="module")
def splits(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("tfds"))
    tfds.builder(RECIPE.data.dataset, data_dir=data_dir).download_and_prepare()
    return runner.load_splits(RECIPE, data_dir=data_dir)


def test_loads_verified_as_the_recipe_task(task):
    listed = verify_checksums(FOLDER)
    assert {"task.json", "model.keras", "metrics.json", "README.md", "model.tflite"} <= set(listed)
    assert isinstance(task, Forecaster)
    assert task.config == Forecaster(**RECIPE.settings("full")).config
    assert task.config["lookback"] == 24 and task.config["contiguous"] is True


def test_answers_raw_years(task, splits):
    history = np.concatenate([splits["train"][0][0], splits["validation"][0][0]])
    forecast = task.predict(history)  # 1700-1962 -> 1963
    assert forecast.shape == (1,) and 0 < forecast[0] < 300
    # Only the last 24 years are read.
    np.testing.assert_allclose(task.predict(history[-24:]), forecast, rtol=1e-6)
    assert task.predict([history, history[:-1]]).shape == (2, 1)


def test_rescores_the_recorded_test_metrics(task, splits):
    metrics = json.loads((FOLDER / "metrics.json").read_text())
    found = task.evaluate(splits["test"][0])
    recorded = metrics["test"]
    assert found["examples"] == recorded["years"][1] - recorded["years"][0] + 1 == 46
    # Within float noise: standardising and de-standardising run in float32 inside the model,
    # where the recorded run de-standardised in float64.
    for metric in ("rmse", "mae"):
        assert found[metric] == pytest.approx(recorded[metric], abs=1e-4), metric
    # The task's own evaluation (float32 throughout) agrees to float32 rounding: a different CPU
    # (its vector width changes the summation order) moves the last digits, not more.
    assert found["rmse"] == pytest.approx(metrics["task"]["test"]["rmse"], rel=1e-6)
    # The bar of the recorded run still holds: below the ARIMA of the same run.
    assert found["rmse"] < metrics["baselines"]["arima"]["rmse"]
