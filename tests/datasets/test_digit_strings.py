from __future__ import annotations

import numpy as np
import pytest
import tensorflow_datasets as tfds
from sklearn.datasets import load_digits

from rnn_zoo.datasets.digit_strings import DigitStringsConfig, source_split
from tests.datasets.dataset_helpers import assert_same_examples, examples, split_sizes

SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def k3(data_dir):
    return {split: examples("digit_strings", split, data_dir) for split in SPLITS}


def test_split_sizes(data_dir):
    assert split_sizes("digit_strings", data_dir) == {
        "train": 20_000,
        "validation": 2_000,
        "test": 2_000,
    }


def test_source_pools_are_disjoint_and_cover_all_images():
    pools = source_split(1797)
    assert [len(pools[s]) for s in SPLITS] == [1257, 180, 360]
    assert sorted(np.concatenate(list(pools.values())).tolist()) == list(range(1797))


def test_no_source_image_in_two_splits(k3):
    used = {s: {int(i) for ex in k3[s] for i in ex["source_indices"]} for s in SPLITS}
    assert not used["train"] & used["test"]
    assert not used["train"] & used["validation"]
    assert not used["validation"] & used["test"]
    for split in SPLITS:
        assert used[split] <= set(source_split(1797)[split].tolist())


def test_images_and_labels_match_the_source(k3):
    digits = load_digits()
    for ex in k3["test"][:50]:
        assert ex["image"].shape == (8, 24, 1) and ex["image"].dtype == np.uint8
        expected = np.concatenate([digits.images[i] for i in ex["source_indices"]], axis=1)
        np.testing.assert_array_equal(ex["image"][..., 0], np.rint(expected * 255 / 16))
        assert ex["label"].decode() == "".join(str(d) for d in ex["digits"])
        assert list(ex["digits"]) == [digits.target[i] for i in ex["source_indices"]]
    assert max(int(ex["image"].max()) for ex in k3["test"]) == 255


def test_other_k_via_config(tmp_path):
    config = DigitStringsConfig(name="k2_tiny", k=2, num_examples=(30, 5, 7))
    builder = tfds.builder("digit_strings", config=config, data_dir=str(tmp_path))
    builder.download_and_prepare()
    assert {s: builder.info.splits[s].num_examples for s in SPLITS} == {
        "train": 30,
        "validation": 5,
        "test": 7,
    }
    ex = next(iter(tfds.as_numpy(builder.as_dataset(split="test"))))
    assert ex["image"].shape == (8, 16, 1) and len(ex["label"]) == 2


def test_two_builds_give_identical_examples(k3, second_data_dir):
    assert_same_examples(k3["test"], examples("digit_strings", "test", second_data_dir))
    assert_same_examples(
        k3["train"][:500], examples("digit_strings", "train", second_data_dir)[:500]
    )
