"""The char LM preset's sampler (what `rnn-zoo predict char_lm_shakespeare` runs) is the
in-graph generation over the carried state: greedy equals an argmax loop over the full model."""

from __future__ import annotations

import numpy as np
import pytest

import rnn_zoo
from recipes import char_lm_shakespeare
from rnn_zoo.presets import get_preset, read_vocabulary


@pytest.fixture(scope="module")
def preset():
    info = get_preset("char_lm_shakespeare")
    return info, rnn_zoo.load_pretrained("char_lm_shakespeare", compile=False)


def test_cold_sampling_is_the_argmax_of_the_full_model(preset):
    info, model = preset
    vocabulary = read_vocabulary(info)
    prompt = "ROMEO:"
    index = {ch: i for i, ch in enumerate(vocabulary)}
    ids = [index[ch] for ch in prompt]
    for _ in range(10):
        logits = np.asarray(model.predict_on_batch(np.array([ids], np.int32)))[0, -1]
        logits[:2] = -np.inf
        ids.append(int(np.argmax(logits)))
    expected = prompt + "".join(vocabulary[i] for i in ids[len(prompt):])
    got = char_lm_shakespeare.sample(model, vocabulary, prompt=prompt, length=10,
                                     temperature=1e-4, seed=0)
    assert got == expected


def test_predict_hook_is_seeded_and_capped(preset):
    info, model = preset
    a = char_lm_shakespeare.predict(model, info, [], prompt="JULIET:", length=30, seed=5)
    b = char_lm_shakespeare.predict(model, info, [], prompt="JULIET:", length=30, seed=5)
    c = char_lm_shakespeare.predict(model, info, [], prompt="JULIET:", length=30, seed=6)
    assert a == b != c and a.startswith("JULIET:") and len(a) == len("JULIET:") + 30
    with pytest.raises(ValueError, match=r"`length` must be an int in \[1, 10000\]"):
        char_lm_shakespeare.predict(model, info, [], length=char_lm_shakespeare.MAX_LENGTH + 1)
    with pytest.raises(ValueError, match="`temperature`"):
        char_lm_shakespeare.predict(model, info, [], length=3, temperature=0.0)
