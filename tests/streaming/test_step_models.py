"""Step models rebuilt from trained layers reproduce the whole-sequence outputs, step by step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import rnn_zoo
from rnn_zoo.decoding import initial_state, prefill_model, run_steps, step_model
from tests.harness import build_tiny

ATOL = 1e-5
STREAMED = ("many_to_one", "many_to_many")
NAMES = [n for n in rnn_zoo.list_models() if rnn_zoo.get_spec(n).topology in STREAMED]
UNIDIRECTIONAL = [n for n in NAMES if not rnn_zoo.get_spec(n).defaults.get("bidirectional")]
BIDIRECTIONAL = [n for n in NAMES if rnn_zoo.get_spec(n).defaults.get("bidirectional")]


def _inputs(model, rng, batch=2, time=6):
    spec = model.inputs[0]
    if spec.dtype == "int32":
        vocab = next(la for la in model.layers if isinstance(la, keras.layers.Embedding)).input_dim
        return rng.integers(1, vocab, size=(batch, time)).astype(np.int32)
    # Features away from 0.0 so that a mask_value of 0.0 masks nothing by accident.
    return rng.uniform(0.5, 1.5, size=(batch, time, spec.shape[-1])).astype(np.float32)


def _whole_sequence(model, x):
    """Per-step outputs of the whole-sequence model: its output for every prefix (many-to-one)
    or its output sequence (many-to-many)."""
    if len(model.outputs[0].shape) == 3:
        return np.asarray(model.predict_on_batch(x))
    return np.stack([np.asarray(model.predict_on_batch(x[:, : t + 1]))
                     for t in range(x.shape[1])], axis=1)


def _perturb(model, rng):
    """Weights away from the initialiser's, so a missing bias or gate shows."""
    for w in model.weights:
        w.assign(np.asarray(w) + rng.normal(0, 0.3, w.shape).astype(np.float32))


def test_the_registry_has_what_this_file_streams():
    cells = {rnn_zoo.get_spec(n).defaults["cell"] for n in UNIDIRECTIONAL}
    assert cells == {"simple_rnn", "lstm", "gru"} and BIDIRECTIONAL
    assert {rnn_zoo.get_spec(n).topology for n in UNIDIRECTIONAL} == set(STREAMED)


@pytest.mark.parametrize("name", UNIDIRECTIONAL)
def test_stepping_reproduces_the_whole_sequence(name, rng):
    _, _, model = build_tiny(name, num_layers=2)
    _perturb(model, rng)
    step = step_model(model)
    assert not any("while" in type(la).__name__.lower() or isinstance(la, keras.layers.RNN)
                   for la in step.layers)
    assert {id(w) for w in step.weights} <= {id(w) for w in model.weights}  # shared, not copied
    x = _inputs(model, rng)
    expected = _whole_sequence(model, x)
    got, states = run_steps(step, inputs=x)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-6)
    # A reset: zero states again give the same outputs; carried states continue the stream.
    again, _ = run_steps(step, inputs=x, states=initial_state(step, batch=len(x)))
    np.testing.assert_allclose(again, expected, atol=ATOL, rtol=1e-6)
    first, mid = run_steps(step, inputs=x[:, :3])
    rest, end = run_steps(step, inputs=x[:, 3:], states=mid)
    np.testing.assert_allclose(np.concatenate([first, rest], 1), expected, atol=ATOL, rtol=1e-6)
    for a, b in zip(end, states, strict=True):
        np.testing.assert_allclose(a, b, atol=ATOL)


@pytest.mark.parametrize("pooling", ["mean", "max"])
def test_pooled_many_to_one_streams_with_padding(pooling, rng):
    _, _, model = build_tiny("many_to_one_gru", pooling=pooling)
    _perturb(model, rng)
    x = _inputs(model, rng, batch=3, time=5)
    x[1, 3:] = 0  # right-padded row: the pooled value must skip the padding
    x[2, 0] = 0
    expected = np.asarray(model.predict_on_batch(x))
    got, _ = run_steps(step_model(model), inputs=x)
    np.testing.assert_allclose(got[:, -1], expected, atol=ATOL, rtol=1e-6)


def test_padding_leaves_the_state_as_it_was(rng):
    _, _, model = build_tiny("many_to_many_lstm")
    x = _inputs(model, rng, batch=1, time=4)
    padded = np.concatenate([x, np.zeros((1, 2), np.int32)], axis=1)
    step = step_model(model)
    _, states = run_steps(step, inputs=x)
    out, padded_states = run_steps(step, inputs=padded)
    for a, b in zip(states, padded_states, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(out[:, 4:], out[:, 3:4].repeat(2, 1))


def test_prefill_hands_over_the_state(rng):
    _, _, model = build_tiny("many_to_many_gru", num_layers=2)
    _perturb(model, rng)
    step, prefill = step_model(model), prefill_model(model)
    x = _inputs(model, rng)
    y, *states = prefill([x[:, :4], *initial_state(step, batch=2)])
    rest, _ = run_steps(step, inputs=x[:, 4:], states=[np.asarray(s) for s in states])
    expected = _whole_sequence(model, x)
    np.testing.assert_allclose(np.asarray(y), expected[:, 3], atol=ATOL)
    np.testing.assert_allclose(rest, expected[:, 4:], atol=ATOL)


@pytest.mark.parametrize("name", BIDIRECTIONAL)
def test_bidirectional_cannot_stream(name):
    _, _, model = build_tiny(name)
    with pytest.raises(ValueError, match="bidirectional.*cannot stream") as info:
        step_model(model)
    assert "\n" not in str(info.value)


def test_other_topologies_are_refused():
    _, _, model = build_tiny("encoder_decoder_gru")
    with pytest.raises(ValueError, match="`model`.*not a recurrent stack"):
        step_model(model)
    with pytest.raises(TypeError, match="`model`"):
        step_model("many_to_many_lstm")


@pytest.mark.parametrize("bad, match", [
    (lambda s: s[:1], r"`states` must be a list of 2"),
    (lambda s: [s[0][:, :2], s[1]], r"`states\[0\]` \(state_0_0\) must have shape \(1, 4\)"),
    (lambda s: [s[0].astype(np.float64), s[1]], r"`states\[0\]` \(state_0_0\) must be float32"),
])
def test_bad_states_are_one_line_errors(bad, match):
    _, _, model = build_tiny("many_to_many_lstm")
    step = step_model(model)
    with pytest.raises(ValueError, match=match) as info:
        run_steps(step, inputs=np.array([[1, 2]]), states=bad(initial_state(step, batch=1)))
    assert "\n" not in str(info.value)


def test_bad_inputs_are_one_line_errors():
    _, _, model = build_tiny("many_to_many_lstm")  # vocabulary 11
    step = step_model(model)
    for x, match in [(np.array([[1, 11]]), "token id 11 outside the vocabulary"),
                     (np.array([[1, -1]]), "token id -1 outside"),
                     (np.array([[1.5, 2.0]]), "integer token ids"),
                     (np.zeros((1, 0), np.int32), "at least one row and one step")]:
        with pytest.raises(ValueError, match=f"`inputs`.*{match}"):
            run_steps(step, inputs=x)
    _, _, series = build_tiny("many_to_one_lstm_series")
    with pytest.raises(ValueError, match=r"`inputs` must be float features of shape"):
        run_steps(step_model(series), inputs=np.zeros((1, 4, 2), np.float32))
    with pytest.raises(ValueError, match="`batch`"):
        initial_state(step, batch=0)


_JAX_SCRIPT = """
import numpy as np, keras
from rnn_zoo.decoding import run_steps, step_model
from tests.harness import build_tiny
assert keras.backend.backend() == "jax"
rng = np.random.default_rng(0)
for name in ("many_to_many_lstm", "many_to_one_gru_forecast"):
    _, _, model = build_tiny(name, num_layers=2)
    for w in model.weights:
        w.assign(np.asarray(w) + rng.normal(0, 0.3, w.shape).astype("float32"))
    if name == "many_to_many_lstm":
        x = rng.integers(1, 11, size=(2, 5)).astype("int32")
        expected = np.asarray(model.predict_on_batch(x))
    else:
        x = rng.normal(size=(2, 5, 1)).astype("float32")
        expected = np.stack([np.asarray(model.predict_on_batch(x[:, :t + 1])) for t in range(5)], 1)
    got, _ = run_steps(step_model(model), inputs=x)
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-6)
    print(name, "ok", float(np.abs(got - expected).max()))
from rnn_zoo.decoding import generate
_, _, lm = build_tiny("many_to_many_gru", num_layers=2)
greedy, _ = generate(lm, prompt=np.array([[2, 3]]), length=5, top_k=1)
ids = [2, 3]
for _ in range(5):
    logits = np.asarray(lm.predict_on_batch(np.array([ids])))[0, -1]
    logits[0] = -np.inf
    ids.append(int(logits.argmax()))
assert greedy[0].tolist() == ids[2:], (greedy, ids)
a, _ = generate(lm, prompt=np.array([[2, 3]]), length=5, seed=4)
b, _ = generate(lm, prompt=np.array([[2, 3]]), length=5, seed=4)
assert (a == b).all()
print("generate ok ok")
"""


def test_step_models_and_generate_under_jax():
    pytest.importorskip("jax")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, "-c", _JAX_SCRIPT], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count(" ok ") == 3
