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
    recorded = preset.metrics["preprocessing"]["tokenizer"]
    assert recorded in tweet_tokenizer.LEGACY_NAMES | {tweet_tokenizer.NAME}
    # The task form names the library's tokenizer (no recipe to import in a deployment) ...
    task = json.loads((preset.path / "task.json").read_text(encoding="utf-8"))
    assert task["config"]["tokenizer"] == "tweet"
    # ... and the preset's own metrics are left as published.
    assert preset.metrics["preprocessing"]["tokenizer"] == recorded
