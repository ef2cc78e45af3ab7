"""A recipe interrupted mid-way continues from its last finished epoch when run again."""

from __future__ import annotations

import json

import pytest

from rnn_zoo import runner
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import load_task
from rnn_zoo.training import read_history
from tests.harness import Interrupt

RECIPE = get_recipe("breast_cancer").RECIPE


def test_interrupted_recipe_resumes_instead_of_restarting(tmp_path, recipe_data_dir):
    args = {"profile": "quick", "out_dir": tmp_path, "epochs": 5, "data_dir": recipe_data_dir,
            "verbose": 0}
    with pytest.raises(KeyboardInterrupt):
        runner.train(RECIPE, **args, callbacks=[Interrupt(after=2)])
    assert (tmp_path / "backup").is_dir()
    assert not (tmp_path / runner.METRICS).exists()
    first = read_history(tmp_path / "history.csv")
    assert first["epoch"] == [0, 1, 2]

    metrics = runner.train(RECIPE, **args)
    history = read_history(tmp_path / "history.csv")
    assert history["epoch"] == [0, 1, 2, 3, 4]  # continued, not restarted
    assert history["loss"][:3] == first["loss"]  # the first epochs' rows are kept as they were
    assert metrics["training"]["initial_epoch"] == 3
    assert metrics["training"]["epochs_run"] == 5
    assert not (tmp_path / "backup").exists()
    on_disk = json.loads((tmp_path / runner.METRICS).read_text())
    assert on_disk["training"]["initial_epoch"] == 3
    # The resumed run is a task folder like any other: it re-scores to what it recorded.
    x, y = runner.load_splits(RECIPE, data_dir=recipe_data_dir)["test"]
    assert load_task(tmp_path).evaluate(x, y)["accuracy"] == on_disk["test"]["accuracy"]
