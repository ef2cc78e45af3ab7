"""Shared pytest setup: quiet TensorFlow logs and a fixed seed for every test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

SEED = 1234


@pytest.fixture(autouse=True)
def _seed():
    """Seeds Python, NumPy and the Keras backend before each test."""
    keras.utils.set_random_seed(SEED)


@pytest.fixture
def rng():
    """A fresh NumPy generator, the same in every test."""
    return np.random.default_rng(SEED)
