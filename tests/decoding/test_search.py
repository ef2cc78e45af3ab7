"""Greedy and beam search: exact on a model with known probabilities, bounded, graph-traceable."""

from __future__ import annotations

import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import rnn_zoo
from rnn_zoo.decoding import (
    EncoderDecoderParts,
    beam_search,
    encoder_decoder_parts,
    greedy_search,
)
from tests.harness import build_tiny

PAD, UNK, START, END, A, B = range(6)
# P(next | previous) of a bigram "decoder" that ignores the source. Greedy takes A (0.55) and
# then wanders; the most probable sentence is B <end> (0.45 * 0.9 = 0.405).
NEXT = {
    START: {A: 0.55, B: 0.45},
    A: {A: 0.34, B: 0.33, END: 0.33},
    B: {END: 0.9, A: 0.05, B: 0.05},
}


def _bigram_parts(vocab: int = 6) -> EncoderDecoderParts:
    """Parts whose one-step decoder emits log P(next | token) from the table `NEXT`."""
    table = np.full((vocab, vocab), -30.0, "float32")
    for prev, row in NEXT.items():
        for nxt, p in row.items():
            table[prev, nxt] = math.log(p)
    table[[PAD, UNK, END], END] = 0.0  # unused rows: anything valid

    source = keras.Input((None,), dtype="int32")
    mask = keras.ops.not_equal(source, 0)
    state = keras.ops.zeros_like(keras.ops.cast(source[:, :1], "float32"))
    encoder = keras.Model(source, {"encoder_outputs": keras.ops.expand_dims(
        keras.ops.cast(source, "float32"), -1), "source_mask": mask, "states": [state]})

    token = keras.Input((1,), dtype="int32", name="token")
    enc = keras.Input((None, 1), name="encoder_outputs")
    src_mask = keras.Input((None,), dtype="bool", name="source_mask")
    state_in = keras.Input((1,), name="state_0")
    embed = keras.layers.Embedding(vocab, vocab, name="bigram")
    logits = keras.ops.squeeze(embed(token), 1)
    scores = keras.ops.cast(src_mask, "float32") * 0.0
    step = keras.Model({"token": token, "encoder_outputs": enc, "source_mask": src_mask,
                        "states": [state_in]},
                       {"logits": logits, "states": [state_in * 1.0],
                        "attention_scores": scores})
    embed.set_weights([table])
    return EncoderDecoderParts(encoder, step, 1, 1)


def _sequence_logprob(ids) -> float:
    total, prev = 0.0, START
    for token in ids:
        total += math.log(NEXT.get(prev, {}).get(token, 1e-13))
        if token == END:
            break
        prev = token
    return total


SOURCE = np.array([[7, 8, 9]], "int32")


def test_beam_finds_the_most_probable_sentence_greedy_misses():
    parts = _bigram_parts()
    greedy = greedy_search(parts, SOURCE, start_id=START, end_id=END, max_length=4)
    beam = beam_search(parts, SOURCE, start_id=START, end_id=END, max_length=4, beam_width=2)
    assert np.asarray(greedy.ids)[0, 0] == A
    np.testing.assert_array_equal(np.asarray(beam.ids)[0], [B, END, 0, 0])
    np.testing.assert_allclose(np.asarray(beam.scores)[0], math.log(0.45 * 0.9), rtol=1e-5)
    assert float(np.asarray(beam.scores)[0]) > float(np.asarray(greedy.scores)[0])


def test_wide_beam_equals_exhaustive_search():
    """With a beam as wide as the vocabulary, the result is the best of all sequences."""
    parts = _bigram_parts()
    max_length = 3
    best = max(
        (seq for n in range(1, max_length + 1)
         for seq in itertools.product([A, B, END], repeat=n)
         if (END not in seq[:-1]) and (seq[-1] == END or n == max_length)),
        key=_sequence_logprob,
    )
    beam = beam_search(parts, SOURCE, start_id=START, end_id=END, max_length=max_length,
                       beam_width=6)
    found = [int(t) for t in np.asarray(beam.ids)[0] if t]
    assert found == list(best)
    np.testing.assert_allclose(float(np.asarray(beam.scores)[0]), _sequence_logprob(best),
                               rtol=1e-5)


def test_greedy_score_is_the_sum_of_its_choices():
    parts = _bigram_parts()
    greedy = greedy_search(parts, SOURCE, start_id=START, end_id=END, max_length=4)
    ids = [int(t) for t in np.asarray(greedy.ids)[0]]
    np.testing.assert_allclose(float(np.asarray(greedy.scores)[0]), _sequence_logprob(ids),
                               rtol=1e-5)


@pytest.fixture(scope="module", params=rnn_zoo.list_models("encoder_decoder_*"))
def trained_like(request):
    """A registry encoder-decoder at test size with random weights, and a padded source batch."""
    keras.utils.set_random_seed(3)
    _, _, model = build_tiny(request.param)
    source = np.array([[4, 5, 6, 7, 8], [9, 3, 0, 0, 0], [2, 0, 0, 0, 0]], "int32")
    return encoder_decoder_parts(model), source


def test_beam_width_one_equals_greedy(trained_like):
    parts, source = trained_like
    kwargs = dict(start_id=2, end_id=3, max_length=7)
    greedy = greedy_search(parts, source, **kwargs)
    beam = beam_search(parts, source, beam_width=1, **kwargs)
    np.testing.assert_array_equal(np.asarray(beam.ids), np.asarray(greedy.ids))
    np.testing.assert_allclose(np.asarray(beam.scores), np.asarray(greedy.scores), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(beam.attention), np.asarray(greedy.attention),
                               atol=1e-6)


@pytest.mark.parametrize("search", ["greedy", "beam"])
def test_output_stops_at_end_and_respects_max_length(trained_like, search):
    parts, source = trained_like
    # Make <end> likely so some rows finish early and some run to max_length.
    kwargs = dict(start_id=2, end_id=3, max_length=5, forbidden_ids=(0, 1, 2))
    if search == "beam":
        found = beam_search(parts, source, beam_width=3, **kwargs)
    else:
        found = greedy_search(parts, source, **kwargs)
    ids, lengths = np.asarray(found.ids), np.asarray(found.lengths)
    assert ids.shape == (3, 5) and lengths.shape == (3,)
    for row, length in zip(ids, lengths, strict=True):
        assert not set(row.tolist()) & {1, 2}, row  # forbidden ids never appear
        nonzero = np.flatnonzero(row)
        assert length == len(nonzero) <= 5
        assert list(nonzero) == list(range(length)), row  # tokens, then only padding
        ends = np.flatnonzero(row == 3)
        if len(ends):
            assert ends[0] == length - 1  # nothing after the first end token
    attention = np.asarray(found.attention)
    assert attention.shape == (3, 5, source.shape[1])
    assert np.all(attention[ids == 0] == 0)


def test_searches_trace_into_one_graph(trained_like):
    parts, source = trained_like

    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
    def decode(src):
        return beam_search(parts, src, start_id=2, end_id=3, max_length=6, beam_width=2).ids

    eager = beam_search(parts, source, start_id=2, end_id=3, max_length=6, beam_width=2).ids
    np.testing.assert_array_equal(decode(source).numpy(), np.asarray(eager))
    ops = {op.type for op in decode.get_concrete_function().graph.get_operations()}
    assert "While" in ops or "StatelessWhile" in ops


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(start_id=2, end_id=2, max_length=3), "must differ"),
        (dict(start_id=2, end_id=99, max_length=3), "end_id"),
        (dict(start_id=2, end_id=3, max_length=0), "max_length"),
        (dict(start_id=2, end_id=3, max_length=3, forbidden_ids=(3,)), "forbidden_ids"),
        (dict(start_id=2, end_id=3, max_length=3, beam_width=0), "beam_width"),
        (dict(start_id=2, end_id=3, max_length=3, length_penalty=-1.0), "length_penalty"),
    ],
)
def test_bad_search_arguments_are_named(kwargs, message):
    parts = _bigram_parts()
    with pytest.raises((ValueError, TypeError), match=message):
        beam_search(parts, SOURCE, **kwargs)


def test_parts_must_come_from_encoder_decoder_parts():
    with pytest.raises(TypeError, match="parts"):
        greedy_search(object(), SOURCE, start_id=2, end_id=3, max_length=3)
