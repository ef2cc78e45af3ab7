"""Helpers for the dataset tests (fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the builders)

# The exact upstream files for catalog datasets live beside the repository (CI: ../shared).
MANUAL_ROOT = (Path(__file__).parents[2] / ".." / "shared" / "tfds_manual").resolve()

OFFLINE_BUILDS = (
    "breast_cancer",
    "cmudict",
    "digit_strings",  # default config k3
    "sunspots",
    "tweet_sentiment",
    "uea_japanese_vowels",
    "uea_ucr/GunPoint",
    "uea_ucr/CardanoSentiment",  # a regression (`@targetLabel`) file
)


def build_all(data_dir: Path) -> Path:
    tfds.disable_progress_bar()
    for name in OFFLINE_BUILDS:
        tfds.builder(name, data_dir=str(data_dir)).download_and_prepare()
    return data_dir


def examples(name: str, split: str, data_dir: Path) -> list[dict]:
    """All examples of a split as numpy dicts, in TFDS's stored order."""
    builder = tfds.builder(name, data_dir=str(data_dir))
    return list(tfds.as_numpy(builder.as_dataset(split=split)))


def split_sizes(name: str, data_dir: Path) -> dict[str, int]:
    info = tfds.builder(name, data_dir=str(data_dir)).info
    return {split: info.splits[split].num_examples for split in info.splits}


def assert_same_examples(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            np.testing.assert_array_equal(np.asarray(x[key]), np.asarray(y[key]), err_msg=key)
