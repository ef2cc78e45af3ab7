"""japanese_vowels: the quick profile end to end through the runner on the real data (beats the
majority class, a task folder that takes raw series, re-scored by `runner.evaluate`), and the
declaration's `full` profile builds the preset's task."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from recipes.japanese_vowels import RECIPE
from rnn_zoo import runner
from rnn_zoo.tasks import SeriesClassifier, load_task


@pytest.fixture(scope="module")
def quick_run(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("japanese_vowels") / "run"
    metrics = runner.train(RECIPE, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


def test_quick_profile_beats_the_majority_class(quick_run):
    _, metrics = quick_run
    majority = metrics["baselines"]["majority_class"]
    assert metrics["test"]["accuracy"] > majority["accuracy"] + 0.5, metrics["test"]
    assert metrics["beats_trivial_baseline"] == {"baseline": "majority_class",
                                                 "metric": "accuracy", "met": True}
    assert metrics["bar"]["rule"] == ">= 0.99" and metrics["profile"] == "quick"


def test_the_run_is_the_official_split_with_the_speaker_names(quick_run):
    out, metrics = quick_run
    assert json.loads((out / runner.METRICS).read_text()) == metrics
    assert metrics["dataset"]["examples"] == {"train": 270, "test": 370}
    assert metrics["dataset"]["classes"] == [str(i) for i in range(1, 10)]
    assert metrics["test"]["examples"] == metrics["baselines"]["majority_class"]["examples"]
    assert metrics["model"]["task"] == "SeriesClassifier"
    assert metrics["model"]["settings"]["units"] == 32


def test_the_run_folder_is_a_task_on_raw_series(quick_run, recipe_data_dir):
    out, metrics = quick_run
    task = load_task(out)
    x, y = runner.load_splits(RECIPE, data_dir=recipe_data_dir)["test"]
    # Raw, unstandardised utterances of different lengths in, speaker names out.
    answers = task.predict(x[:5])
    assert set(answers) <= set(metrics["dataset"]["classes"])
    assert len({len(s) for s in x[:5]}) > 1
    evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"]["accuracy"] == metrics["test"]["accuracy"]
    assert evaluation["recorded_test"] == metrics["test"]
    assert np.mean(np.asarray(task.predict(x)) == np.asarray(y)) == metrics["test"]["accuracy"]


def test_the_full_profile_is_the_preset_task():
    task = SeriesClassifier(**RECIPE.settings("full"))
    preset = json.loads((Path(__file__).parents[2] / "saved_models" / RECIPE.name
                         / "task.json").read_text())
    assert preset["task"] == "SeriesClassifier"
    # Settings added to the task after the preset was trained are at their defaults, which
    # train it as before (no series here is longer than `max_steps`; budget "fast" is one fit;
    # no label smoothing; an ensemble of one model).
    added = {k: v for k, v in task.config.items() if k not in preset["config"]}
    assert added == {k: SeriesClassifier.MODEL_DEFAULTS[k] for k in added}
    assert set(added) <= {"budget", "max_steps", "label_smoothing", "ensemble"}
    assert preset["config"] == {k: v for k, v in task.config.items() if k not in added}
