"""`rnn_zoo.preprocessing`: the tweet tokenizer's recorded names, and the published preset's
legacy name mapped to the library's tokenizer (saved_models/ is checksummed: not edited)."""

from __future__ import annotations

import json

import pytest

from rnn_zoo import presets
from rnn_zoo.preprocessing import tweet_tokenizer


def test_recorded_names_resolve_to_the_library_tokenizer():
    assert tweet_tokenizer.tokenizer_named(tweet_tokenizer.NAME) is tweet_tokenizer.tokenize
    for legacy in tweet_tokenizer.LEGACY_NAMES:
        assert tweet_tokenizer.tokenizer_named(legacy) is tweet_tokenizer.tokenize
    with pytest.raises(ValueError, match="`tokenizer` 'str.split' is not a known tokenizer"):
        tweet_tokenizer.tokenizer_named("str.split")


def test_the_tweet_preset_is_served_with_the_library_tokenizer():
    preset = presets.get_preset("tweet_sentiment")
    # The task form names the library's tokenizer (no recipe to import in a deployment).
    task = json.loads((preset.path / "task.json").read_text(encoding="utf-8"))
    assert task["config"]["tokenizer"] == "tweet"
    assert preset.metrics["config"]["tokenizer"] == "tweet"
    from rnn_zoo.preprocessing.tweet_standardizer import TweetStandardizer
    from rnn_zoo.tasks import TextClassifier

    loaded = TextClassifier.from_preset("tweet_sentiment")
    assert isinstance(loaded.model.get_layer("standardize"), TweetStandardizer)


def test_last_value_layers_round_trip_and_invert_each_other():
    import keras
    import numpy as np

    from rnn_zoo.preprocessing.last_value import AddLast, SubtractLast

    window = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    relative = keras.ops.convert_to_numpy(SubtractLast()(window))
    np.testing.assert_allclose(relative, window - window[:, -1:, :], rtol=1e-6)
    # A forecast of "no change" for 3 steps is the last value, step-major per channel.
    flat = keras.ops.convert_to_numpy(AddLast(horizon=3)([np.zeros((4, 6), "float32"),
                                                          window]))
    np.testing.assert_allclose(flat.reshape(4, 3, 2), np.repeat(window[:, -1:, :], 3, 1))
    clone = AddLast.from_config(AddLast(horizon=3, name="a").get_config())
    assert (clone.horizon, clone.name) == (3, "a")
    with pytest.raises(ValueError, match="`horizon` must be an int >= 1"):
        AddLast(horizon=0)
