"""Fixtures for the recipe tests: one TFDS build of the recipes' datasets per session."""

from __future__ import annotations

from pathlib import Path

import pytest
import tensorflow_datasets as tfds

import rnn_zoo.datasets  # noqa: F401  (registers the offline builders)

RECIPE_DATASETS = ("breast_cancer", "sunspots", "uea_japanese_vowels", "digit_strings/k3")


@pytest.fixture(scope="session")
def recipe_data_dir(tmp_path_factory) -> str:
    """A private TFDS data dir holding the recipes' datasets, built once (about 10 s)."""
    data_dir: Path = tmp_path_factory.mktemp("recipes_tfds")
    tfds.disable_progress_bar()
    for name in RECIPE_DATASETS:
        tfds.builder(name, data_dir=str(data_dir)).download_and_prepare()
    return str(data_dir)
