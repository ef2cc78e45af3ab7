"""The digit_captions recipe: a declaration that the runner trains, scores and re-scores."""

from __future__ import annotations

import numpy as np
import pytest

import recipes.digit_captions as module
from rnn_zoo import runner
from rnn_zoo.tasks import SequenceCaptioner, load_task

RECIPE = module.RECIPE


@pytest.fixture(scope="module")
def quick(recipe_data_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("digit_captions")
    metrics = runner.train(RECIPE, profile="quick", out_dir=out, data_dir=recipe_data_dir,
                           verbose=0)
    return out, metrics


@pytest.fixture(scope="module")
def test_split(recipe_data_dir):
    import dataclasses

    # The test split alone: the recipe's data with train pointed at a sliver of it.
    data = dataclasses.replace(RECIPE.data, splits={"train": "train[:1]", "test": "test"})
    return runner.load_splits(dataclasses.replace(RECIPE, data=data),
                              data_dir=recipe_data_dir)["test"]


def test_the_module_is_a_declaration():
    names = {n for n in vars(module) if not n.startswith("__")}
    assert names == {"Bar", "Data", "Recipe", "RECIPE", "_DIGITS"}
    assert RECIPE.task == "SequenceCaptioner" and set(RECIPE.profiles) == {"quick", "full"}
    SequenceCaptioner(**RECIPE.settings("full"))  # every setting is the task's


def test_quick_profile_beats_the_trivial_baseline(quick):
    _, metrics = quick
    assert metrics["beats_trivial_baseline"]["met"]
    majority = metrics["baselines"]["majority_string"]
    assert metrics["test"]["exact_match"] > majority["exact_match"] + 0.2
    assert metrics["test"]["examples"] == 2000
    assert metrics["dataset"]["examples"] == {"train": 20000, "validation": 2000, "test": 2000}
    composed = metrics["baselines"]["per_digit_logistic_regression"]
    # Fitted on the distinct 8x8 digits of train: about 1,257 source images.
    assert composed["exact_match"] > 0.5 and 1200 <= composed["distinct_slices"] <= 1257
    assert metrics["bar"]["rule"] == ">= 0.95"


def test_the_run_answers_three_digits_for_a_raw_image(quick, test_split):
    out, metrics = quick
    task = load_task(out)
    x, y = test_split
    assert task.evaluate(x, y) == metrics["test"]
    answers = task.predict(np.stack(x[:8]))  # uint8 pixels, as the dataset holds them
    assert all(len(a) == 3 and a.isdigit() for a in answers)
    assert task.predict_proba(np.stack(x[:2])).shape == (2, 3, 10)


def test_evaluate_rescores_the_run(quick, recipe_data_dir):
    out, metrics = quick
    evaluation = runner.evaluate(RECIPE, out_dir=out, data_dir=recipe_data_dir)
    assert evaluation["test"] == metrics["test"] == evaluation["recorded_test"]


def test_baselines_score_like_the_fixed_length_captioner():
    from rnn_zoo.baselines import MajoritySequence, PerSliceLogisticRegression

    left, right = np.zeros((2, 2)), np.full((2, 2), 255.0)
    images = [np.hstack([left, right]), np.hstack([right, left]), np.hstack([left, left])]
    train = (images, ["01", "10", "00"])
    test = (images, ["01", "10", "11"])
    sliced = PerSliceLogisticRegression(slice_width=2, fixed_length=True)(train, None, test)
    # "01", "10" right; "00" for "11": no digit right (the end is not a position).
    assert sliced["exact_match"] == pytest.approx(2 / 3)
    assert sliced["token_accuracy"] == pytest.approx(4 / 6) and sliced["distinct_slices"] == 2
    majority = MajoritySequence(fixed_length=True)((None, ["10", "10", "01"]), None, test)
    assert majority["target"] == "10" and majority["token_accuracy"] == pytest.approx(3 / 6)
    with pytest.raises(ValueError, match="each of the 2 slices of an image needs one"):
        PerSliceLogisticRegression(slice_width=2)((images, ["0", "10", "00"]), None, test)
