"""Determinism: the same recipe with the same seed on CPU gives identical results twice.

The `breast_cancer` recipe's `quick` profile (12 epochs) runs twice in this process through
`rnn_zoo.runner.train`; the test metrics, the baselines, the bar, the training summary, every
row of `history.csv` and the saved weights are identical.
(The SIGKILL test in test_kill_resume.py compares two separate processes as well.)
"""

from __future__ import annotations

import numpy as np

from rnn_zoo import runner
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import load_task

EPOCHS = 12


def test_same_recipe_same_seed_identical_metrics(tmp_path, breast_cancer_data_dir):
    recipe = get_recipe("breast_cancer").RECIPE
    runs = [runner.train(recipe, profile="quick", epochs=EPOCHS, out_dir=tmp_path / str(i),
                         verbose=0, data_dir=breast_cancer_data_dir) for i in range(2)]
    first, second = runs
    assert first["test"] == second["test"]
    assert first["baselines"] == second["baselines"] and first["bar"] == second["bar"]
    summary = {k: v for k, v in first["training"].items() if k != "seconds"}
    assert summary == {k: v for k, v in second["training"].items() if k != "seconds"}
    assert summary["epochs_run"] == EPOCHS
    assert (tmp_path / "0" / "history.csv").read_bytes() == \
        (tmp_path / "1" / "history.csv").read_bytes()
    weights = [load_task(tmp_path / str(i)).model.get_weights() for i in range(2)]
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)
