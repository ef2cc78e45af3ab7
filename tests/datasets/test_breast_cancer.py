from __future__ import annotations

import collections

import numpy as np
import tensorflow_datasets as tfds
from sklearn.datasets import load_breast_cancer

from tests.datasets.dataset_helpers import assert_same_examples, examples, split_sizes

SPLITS = ("train", "validation", "test")


def test_stratified_split(data_dir):
    assert split_sizes("breast_cancer", data_dir) == {"train": 399, "validation": 57, "test": 113}
    counts = {
        s: collections.Counter(int(ex["label"]) for ex in examples("breast_cancer", s, data_dir))
        for s in SPLITS
    }
    # Class 0 = malignant (212), 1 = benign (357), each divided 70/10/20.
    assert counts == {
        "train": {0: 149, 1: 250},
        "validation": {0: 21, 1: 36},
        "test": {0: 42, 1: 71},
    }
    info = tfds.builder("breast_cancer", data_dir=str(data_dir)).info
    assert info.features["label"].names == ["malignant", "benign"]


def test_rows_are_disjoint_and_match_sklearn(data_dir):
    data = load_breast_cancer()
    seen = set()
    for split in SPLITS:
        for ex in examples("breast_cancer", split, data_dir):
            row = int(ex["index"])
            assert row not in seen
            seen.add(row)
            assert ex["features"].shape == (30,) and ex["features"].dtype == np.float32
            np.testing.assert_array_equal(ex["features"], data.data[row].astype(np.float32))
            assert ex["label"] == data.target[row]
    assert seen == set(range(569))


def test_two_builds_give_identical_examples(data_dir, second_data_dir):
    for split in SPLITS:
        assert_same_examples(
            examples("breast_cancer", split, data_dir),
            examples("breast_cancer", split, second_data_dir),
        )
