"""The memory benchmark measures one epoch of a recipe in its own process."""

from __future__ import annotations

import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline builders)
from benchmarks import memory


def test_measures_the_first_epoch_of_a_recipe(tmp_path):
    data_dir = str(tmp_path / "tfds")
    tfds.builder("breast_cancer", data_dir=data_dir).download_and_prepare()
    out = tmp_path / "r.json"
    results = memory.main(["--recipes", "breast_cancer", "--data-dir", data_dir,
                           "--out", str(out)])
    (found,) = results["recipes"]
    assert found["recipe"] == "breast_cancer"
    assert found["steps"] == 13  # one epoch: 399 training examples in batches of 32
    # Peak RSS covers at least what was resident when training began, and is plausible.
    assert found["peak_rss_mib"] >= found["peak_rss_before_training_mib"] > 100
    assert found["params"] > 0
    assert out.is_file()
