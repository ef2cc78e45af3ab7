"""The breast_cancer recipe: a declaration that the runner trains, scores and re-scores."""

from __future__ import annotations

import json

import numpy as np
import pytest

import recipes.breast_cancer as module
from rnn_zoo import runner
from rnn_zoo.tasks import TabularClassifier, load_task

RECIPE = module.RECIPE


@pytest.fixture(scope="module")
def quick(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("breast_cancer")
    metrics = runner.train(RECIPE, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


def test_the_module_is_a_declaration():
    names = {n for n in vars(module) if not n.startswith("__")}
    assert names == {"Bar", "Data", "Recipe", "RECIPE"}
    assert RECIPE.task == "TabularClassifier" and set(RECIPE.profiles) == {"quick", "full"}
    TabularClassifier(**RECIPE.settings("full"))  # every setting is the task's


def test_quick_profile_beats_the_trivial_baseline(quick):
    _, metrics = quick
    assert metrics["beats_trivial_baseline"]["met"]
    majority = metrics["baselines"]["majority_class"]
    assert metrics["test"]["accuracy"] > majority["accuracy"] + 0.2
    assert majority["class"] == "benign"
    assert metrics["baselines"]["logistic_regression"]["accuracy"] > 0.9
    assert metrics["dataset"]["examples"] == {"train": 399, "validation": 57, "test": 113}
    assert metrics["dataset"]["classes"] == ["malignant", "benign"]
    assert metrics["bar"]["rule"] == ">= baselines.logistic_regression"


def test_the_run_is_a_task_that_takes_raw_rows(quick, recipe_data_dir):
    out, metrics = quick
    task = load_task(out)
    x, y = runner.load_splits(RECIPE, data_dir=recipe_data_dir)["test"]
    assert task.evaluate(x, y)["accuracy"] == metrics["test"]["accuracy"]
    # The standardisation is the train split's, inside the model.
    train = np.asarray(runner.load_splits(RECIPE, data_dir=recipe_data_dir)["train"][0])
    np.testing.assert_allclose(task.state["mean"], train.mean(axis=0), rtol=1e-6)
    assert set(task.predict(x[:5])) <= {"malignant", "benign"}


def test_evaluate_rescores_the_run(quick, recipe_data_dir):
    out, metrics = quick
    evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]
    assert json.loads((out / runner.EVALUATION).read_text())["recipe"] == "breast_cancer"


def test_logistic_regression_baseline_standardises_with_train_statistics():
    from rnn_zoo.baselines import TabularLogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2)) * [1.0, 1e4] + [0.0, 5e5]  # wildly different scales
    y = np.where(x[:, 1] > 5e5, "high", "low").tolist()
    scores = TabularLogisticRegression()((x[:60], y[:60]), None, (x[60:], y[60:]))
    assert scores["accuracy"] >= 0.9 and set(scores["f1"]) == {"high", "low"}
    with pytest.raises(ValueError, match="`c` must be a number > 0"):
        TabularLogisticRegression(c=0)


def test_unknown_profile_and_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="Unknown profile 'ful'. Did you mean 'full'"):
        runner.train(RECIPE, profile="ful", out_dir=tmp_path)
    with pytest.raises(ValueError, match="`epochs` must be an int >= 1"):
        runner.train(RECIPE, epochs=0, out_dir=tmp_path)
    with pytest.raises(ValueError, match="`strategy` must be one of"):
        runner.train(RECIPE, strategy="tpu", out_dir=tmp_path)


def test_evaluate_needs_a_finished_run(tmp_path, recipe_data_dir):
    with pytest.raises(FileNotFoundError, match="not a finished run directory"):
        runner.evaluate(RECIPE, out_dir=tmp_path, data_dir=recipe_data_dir)
