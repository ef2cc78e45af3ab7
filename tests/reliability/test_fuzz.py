"""Fuzzing: random strings and random-length float sequences into the text and series models and
their SavedModel exports (written by `rnn_zoo.export`). Nothing crashes, and outputs have the
documented shapes and value ranges.

hypothesis runs derandomized (the same examples on every run) with a bounded number of examples
per test and no deadline, so the suite stays deterministic and fast.

- tweet_sentiment, through its preset task's `answer` (raw strings, what `rnn-zoo predict`
  prints): one `label<TAB>text` line per tweet, the label one of the three classes (a tweet with
  no token gets a label too, as in the SavedModel).
- tweet_sentiment's SavedModel (raw strings, also invalid UTF-8): finite logits of shape (n, 3)
  and labels that are the argmax of the logits.
- char_lm_shakespeare's `LanguageModel.generate`: the prompt, then exactly `length` characters
  of the vocabulary.
- sunspots_forecast and japanese_vowels (any batch, 1 to 48 steps, finite values): outputs of
  shape (batch, 1) and (batch, 9), finite; the sunspots SavedModel matches Keras within 1e-5.
  A japanese_vowels row that is all padding (every step 0.0, its mask value) is an empty
  sequence: `check_inputs` refuses it.
- NaN/inf anywhere in a series: `rnn_zoo.check_inputs` refuses it naming the input, and without
  the check only the rows holding them are non-finite.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnn_zoo
from tests.reliability.models import preset, task

FUZZ = settings(derandomize=True, deadline=None, max_examples=15, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])
CLASSES = ("negative", "neutral", "positive")
# Text as people and attackers type it: any unicode (no surrogates), emoji, control characters,
# markup, very long runs.
TEXT = st.text(max_size=200) | st.text(alphabet="ab !?@#<>&\n\t😀日本", max_size=2000)


@FUZZ
@given(texts=st.lists(TEXT, min_size=1, max_size=3))
def test_tweet_predict_hook(texts):
    classifier = task("tweet_sentiment")
    assert tuple(classifier.state["classes"]) == CLASSES
    out = classifier.answer(texts)
    rest = out
    for text in texts:  # a text may hold newlines and tabs itself: parse from the front
        label, rest = rest.split("\t", 1)
        assert label in CLASSES and rest.startswith(text)
        rest = rest[len(text) + 1:]
    assert rest == ""


@FUZZ
@given(texts=st.lists(TEXT | st.binary(max_size=300), min_size=1, max_size=4))
def test_exported_tweet_classifier(texts, exported):
    out = exported["tweets"].serving_default({"text": tf.constant(texts)})
    logits, labels = out["logits"].numpy(), out["label"].numpy()
    assert logits.shape == (len(texts), len(CLASSES)) and np.isfinite(logits).all()
    assert [CLASSES[i] for i in logits.argmax(-1)] == [label.decode() for label in labels]


@FUZZ
@given(prompt=TEXT.filter(bool), length=st.integers(1, 3),
       temperature=st.floats(0.05, 5.0), seed=st.integers(0, 2**31))
def test_char_lm_sampler(prompt, length, temperature, seed):
    lm = task("char_lm_shakespeare")
    text = lm.generate(prompt, length=length, temperature=temperature, seed=seed)
    assert text.startswith(prompt) and len(text) == len(prompt) + length
    assert set(text[len(prompt):]) <= set(lm.vocabulary[2:])  # never padding or OOV


def _series(channels: int):
    return st.tuples(st.integers(1, 3), st.integers(1, 48)).flatmap(
        lambda shape: hnp.arrays(np.float32, (*shape, channels),
                                 elements=st.floats(-50, 50, width=32)))


@FUZZ
@given(x=_series(1))
def test_sunspots_forecaster_and_its_export(x, exported):
    _, model = preset("sunspots_forecast")
    expected = np.asarray(model.predict_on_batch(rnn_zoo.check_inputs(model, x)))
    assert expected.shape == (len(x), 1) and np.isfinite(expected).all()
    served = exported["sunspots"].serving_default({"features": tf.constant(x)})
    got = next(iter(served.values())).numpy() if isinstance(served, dict) else served.numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@FUZZ
@given(x=_series(12))
def test_japanese_vowels_classifier(x):
    _, model = preset("japanese_vowels")  # masks steps whose 12 features are all 0.0
    if np.all(x == 0.0, axis=(1, 2)).any():
        with pytest.raises(ValueError, match="is all padding"):
            rnn_zoo.check_inputs(model, x)
        x = x + 1.0
    logits = np.asarray(model.predict_on_batch(rnn_zoo.check_inputs(model, x)))
    assert logits.shape == (len(x), 9) and np.isfinite(logits).all()


@FUZZ
@given(x=_series(1), data=st.data())
def test_non_finite_series_are_refused_or_stay_in_their_row(x, data):
    _, model = preset("sunspots_forecast")
    row = data.draw(st.integers(0, len(x) - 1))
    step = data.draw(st.integers(0, x.shape[1] - 1))
    x = x.copy()
    x[row, step, 0] = data.draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    with pytest.raises(ValueError, match="Input 'features' holds .* values must be finite"):
        rnn_zoo.check_inputs(model, x)
    out = np.asarray(model.predict_on_batch(x))
    others = np.arange(len(x)) != row
    assert np.isfinite(out[others]).all()
