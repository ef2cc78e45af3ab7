"""In-graph generation: greedy equals an argmax loop over the full model; seeds reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from rnn_zoo.decoding import generate
from tests.harness import build_tiny

VOCAB = 11


@pytest.fixture(scope="module")
def lm():
    _, _, model = build_tiny("many_to_many_lstm", num_layers=2, units=8)
    rng = np.random.default_rng(7)
    for w in model.weights:  # peaked logits, so greedy never meets a near-tie
        w.assign(np.asarray(w) + rng.normal(0, 0.8, w.shape).astype(np.float32))
    return model


def _argmax_loop(model, prompt, length, suppress):
    ids = list(prompt)
    for _ in range(length):
        logits = np.asarray(model.predict_on_batch(np.array([ids], np.int32)))[0, -1]
        logits[list(suppress)] = -np.inf
        ids.append(int(np.argmax(logits)))
    return ids[len(prompt):]


def test_greedy_equals_an_argmax_loop_over_the_full_model(lm):
    prompt = [3, 4, 5]
    expected = _argmax_loop(lm, prompt, 12, suppress=(0, 1))
    got, _ = generate(lm, prompt=np.array([prompt]), length=12, top_k=1, suppress=(0, 1))
    assert got[0].tolist() == expected
    # A tiny temperature is greedy too (the softmax is one-hot to float32 precision).
    cold, _ = generate(lm, prompt=np.array([prompt]), length=12, temperature=1e-4,
                       suppress=(0, 1), seed=3)
    assert cold[0].tolist() == expected


def test_same_seed_same_text_and_the_state_continues(lm):
    prompt = np.array([[2, 6], [7, 8]])
    a, _ = generate(lm, prompt=prompt, length=20, temperature=1.5, seed=11)
    b, _ = generate(lm, prompt=prompt, length=20, temperature=1.5, seed=11)
    c, _ = generate(lm, prompt=prompt, length=20, temperature=1.5, seed=12)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c) and a.shape == (2, 20)
    assert (a != 0).all()  # padding is suppressed by default
    top2, _ = generate(lm, prompt=prompt, length=20, temperature=5.0, top_k=2, seed=1)
    for row in range(2):  # every sampled id is one of the two best at its step
        ids = prompt[row].tolist()
        for token in top2[row]:
            logits = np.asarray(lm.predict_on_batch(np.array([ids], np.int32)))[0, -1]
            logits[0] = -np.inf
            assert token in np.argsort(logits)[-2:]
            ids.append(int(token))
    # Continuing from returned states = generating in one go (greedy).
    whole, _ = generate(lm, prompt=prompt[:1], length=8, top_k=1)
    head, states = generate(lm, prompt=prompt[:1], length=4, top_k=1)
    tail, _ = generate(lm, prompt=head[:, -1:], length=4, top_k=1, states=states)
    np.testing.assert_array_equal(np.concatenate([head, tail], 1), whole)


@pytest.mark.parametrize("kwargs, match", [
    (dict(temperature=0.0), "`temperature` must be a finite float > 0"),
    (dict(temperature=-1.0), "`temperature`"),
    (dict(temperature=float("nan")), "`temperature`"),
    (dict(length=0), r"`length` must be an int in \[1, 10000\]"),
    (dict(length=10_001), "`length`"),
    (dict(top_k=0), "`top_k`"),
    (dict(top_k=VOCAB), "`top_k` must be at most 10"),
    (dict(prompt=np.array([[1, VOCAB]])), "`prompt` has token id 11 outside the vocabulary"),
    (dict(prompt=np.zeros((1, 0), np.int32)), "`prompt` must be integer token ids"),
    (dict(seed=-1), "`seed`"),
])
def test_bad_arguments_are_one_line_errors(lm, kwargs, match):
    args = {"prompt": np.array([[1, 2]]), "length": 3, **kwargs}
    with pytest.raises(ValueError, match=match) as info:
        generate(lm, **args)
    assert "\n" not in str(info.value)


def test_a_model_that_is_not_a_language_model_is_refused():
    _, _, forecaster = build_tiny("many_to_one_gru_forecast")
    with pytest.raises(ValueError, match="`model`.*float features"):
        generate(forecaster, prompt=np.array([[1]]), length=2)
    _, _, bi = build_tiny("many_to_many_bigru_frames")
    with pytest.raises(ValueError, match="cannot stream"):
        generate(bi, prompt=np.array([[1]]), length=2)
