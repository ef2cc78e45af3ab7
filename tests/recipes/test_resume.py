"""A recipe interrupted mid-way continues from its last finished epoch when run again."""

from __future__ import annotations

import json

import pytest

from recipes import breast_cancer
from rnn_zoo.training import read_history
from tests.harness import Interrupt


def test_interrupted_recipe_resumes_instead_of_restarting(tmp_path, recipe_data_dir):
    args = {"profile": "quick", "out_dir": tmp_path, "epochs": 5, "data_dir": recipe_data_dir,
            "verbose": 0}
    with pytest.raises(KeyboardInterrupt):
        breast_cancer.run(**args, callbacks=[Interrupt(after=2)])
    assert (tmp_path / "backup").is_dir()
    assert not (tmp_path / "metrics.json").exists()
    first = read_history(tmp_path / "history.csv")
    assert first["epoch"] == [0, 1, 2]

    metrics = breast_cancer.run(**args)
    history = read_history(tmp_path / "history.csv")
    assert history["epoch"] == [0, 1, 2, 3, 4]  # continued, not restarted
    assert history["loss"][:3] == first["loss"]  # the first epochs' rows are kept as they were
    assert metrics["training"]["initial_epoch"] == 3
    assert metrics["training"]["epochs_run"] == 5
    assert not (tmp_path / "backup").exists()
    assert json.loads((tmp_path / "metrics.json").read_text())["training"]["initial_epoch"] == 3
