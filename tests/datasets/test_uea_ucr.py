from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from rnn_zoo.datasets.uea_ucr import discover_ts_datasets
from tests.datasets.dataset_helpers import assert_same_examples, examples, split_sizes


def test_japanese_vowels_official_split(data_dir):
    assert split_sizes("uea_japanese_vowels", data_dir) == {"train": 270, "test": 370}
    info = tfds.builder("uea_japanese_vowels", data_dir=str(data_dir)).info
    assert info.features["label"].names == [str(i) for i in range(1, 10)]
    assert info.features["series"].shape == (None, 12)
    assert info.supervised_keys == ("series", "label")


def test_japanese_vowels_is_variable_length(data_dir):
    train = examples("uea_japanese_vowels", "train", data_dir)
    lengths = {ex["series"].shape[0] for ex in train}
    assert min(lengths) == 7 and max(lengths) == 26
    assert all(ex["series"].shape[1] == 12 for ex in train)
    assert not any(np.isnan(ex["series"]).any() for ex in train)
    assert {int(ex["label"]) for ex in train} == set(range(9))


def test_one_config_per_shipped_pair():
    found = discover_ts_datasets()
    assert {"JapaneseVowels", "JapaneseVowels_eq", "GunPoint", "BasicMotions"} <= set(found)
    configs = {c.name for c in tfds.builder_cls("uea_ucr").BUILDER_CONFIGS}
    assert configs == set(found)


def test_classification_and_regression_configs(data_dir):
    assert split_sizes("uea_ucr/GunPoint", data_dir) == {"train": 50, "test": 150}
    gun_point = examples("uea_ucr/GunPoint", "test", data_dir)
    assert all(ex["series"].shape == (150, 1) for ex in gun_point)

    assert split_sizes("uea_ucr/CardanoSentiment", data_dir) == {"train": 74, "test": 33}
    info = tfds.builder("uea_ucr/CardanoSentiment", data_dir=str(data_dir)).info
    assert info.supervised_keys == ("series", "target")
    assert info.features["series"].shape == (None, 2)


def test_two_builds_give_identical_examples(data_dir, second_data_dir):
    for name in ("uea_japanese_vowels", "uea_ucr/CardanoSentiment"):
        for split in ("train", "test"):
            assert_same_examples(
                examples(name, split, data_dir), examples(name, split, second_data_dir)
            )


# Official train/test sizes of every .ts pair aeon 1.6 ships.
OFFICIAL_SIZES = {
    "ACSF1": (100, 100),
    "ArrowHead": (36, 175),
    "BasicMotions": (40, 40),
    "CardanoSentiment": (74, 33),
    "Covid3Month": (140, 61),
    "Covid3Month_disc": (140, 61),
    "GunPoint": (50, 150),
    "ItalyPowerDemand": (67, 1029),
    "JapaneseVowels": (270, 370),
    "JapaneseVowels_eq": (270, 370),
    "OSULeaf": (200, 242),
    "PickupGestureWiimoteZ": (50, 50),
    "PickupGestureWiimoteZ_eq": (50, 50),
    "UnitTest": (20, 22),
}


def test_every_config_builds_with_its_official_split(tmp_path):
    assert set(OFFICIAL_SIZES) == set(discover_ts_datasets())
    for config, (train, test) in OFFICIAL_SIZES.items():
        builder = tfds.builder(f"uea_ucr/{config}", data_dir=str(tmp_path))
        builder.download_and_prepare()
        sizes = {s: builder.info.splits[s].num_examples for s in builder.info.splits}
        assert sizes == {"train": train, "test": test}, config
