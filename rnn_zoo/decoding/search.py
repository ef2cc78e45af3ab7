"""Greedy and beam search over a one-step decoder, as loops in the graph (`keras.ops.while_loop`).

Both searches keep fixed-size buffers (`max_length` output steps) and stop early once every
hypothesis has emitted the end token, so they trace into one graph: inside a `tf.function` they
export to SavedModel and convert to TFLite's builtin `WHILE`, and they run on JAX too.

Conventions: id 0 is padding; an output row holds its tokens, then the end token, then 0s.
Scores are sums of log-probabilities (natural log) of the emitted tokens, end token included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from keras import ops

from rnn_zoo._validation import check_int
from rnn_zoo.decoding.parts import EncoderDecoderParts

# Large but finite: -inf would turn `score + logp` into NaN where both are -inf.
_NEG = -1e9


def check_beam_width(beam_width, *, vocab: int, name: str = "beam_width") -> int:
    """`beam_width` if it is an int in [1, vocab]: the cap is the target vocabulary size.

    Why that bound: a beam of `vocab` already keeps every possible first token (the first step
    is exhaustive), quality saturates far below it (the presets decode with 5), and the cost
    grows linearly past it: each step runs the decoder `batch * width` times, takes a top-k
    over `width * vocab` scores and carries `width * max_length * source_time` attention
    weights (a width of 100,000 took 7.2 GB and 104 s for one word; one of 3e9 overflowed
    int32 shapes inside TensorFlow).
    """
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) \
            or not 1 <= beam_width <= vocab:
        raise ValueError(
            f"`{name}` must be an int in [1, {vocab}] (at most the target vocabulary size: a "
            "beam that wide already keeps every possible first token; wider ones cost memory "
            f"and time), got {beam_width!r}.")
    return beam_width


class SearchResult(NamedTuple):
    """The best hypothesis per source.

    Attributes:
        ids: `(batch, max_length)` int32 target ids: tokens, the end token, then padding (0).
            A row without an end token ran out of `max_length`.
        lengths: `(batch,)` int32, tokens emitted including the end token.
        scores: `(batch,)` float32 sum of the tokens' log-probabilities (before any length
            normalisation).
        attention: `(batch, max_length, source_time)` float32 attention weights of each emitted
            token over the source (zeros for models without attention, and after the end).
    """

    ids: object
    lengths: object
    scores: object
    attention: object


def _check_search_args(parts, start_id, end_id, max_length, forbidden_ids):
    if not isinstance(parts, EncoderDecoderParts):
        raise TypeError("`parts` must be the EncoderDecoderParts returned by rnn_zoo.decoding."
                        f"encoder_decoder_parts(model), got {type(parts).__name__}.")
    vocab = int(parts.decoder_step.output["logits"].shape[-1])
    start_id = check_int("start_id", start_id, minimum=1)
    end_id = check_int("end_id", end_id, minimum=1)
    for name, value in (("start_id", start_id), ("end_id", end_id)):
        if value >= vocab:
            raise ValueError(f"`{name}`={value} is outside the target vocabulary of {vocab} ids.")
    if start_id == end_id:
        raise ValueError(f"`start_id` and `end_id` must differ, both are {start_id}.")
    max_length = check_int("max_length", max_length)
    if forbidden_ids is None:
        forbidden_ids = (0, start_id)
    forbidden = sorted({check_int("forbidden_ids[]", i, minimum=0) for i in forbidden_ids})
    if any(i >= vocab for i in forbidden) or end_id in forbidden:
        raise ValueError(f"`forbidden_ids` must be ids below {vocab} other than end_id={end_id}, "
                         f"got {list(forbidden_ids)}.")
    bias = [_NEG if i in forbidden else 0.0 for i in range(vocab)]
    return vocab, start_id, end_id, max_length, ops.convert_to_tensor(bias, "float32")


def _step(parts, token, encoded, states):
    out = parts.decoder_step(
        {"token": token, "encoder_outputs": encoded["encoder_outputs"],
         "source_mask": encoded["source_mask"], "states": list(states)},
        training=False,
    )
    logp = ops.log_softmax(ops.cast(out["logits"], "float32"), axis=-1)
    return logp, list(out["states"]), ops.cast(out["attention_scores"], "float32")


def _top1(x):
    """Max and argmax over the last axis. `top_k` rather than `argmax`: Keras's TensorFlow
    argmax adds a BitwiseAnd (for -0.0) that TFLite has no builtin kernel for."""
    values, indices = ops.top_k(x, 1)
    return values[..., 0], ops.cast(indices[..., 0], "int32")


def _column(i, length, dtype):
    """A `(1, length)` one-hot row selecting output step `i` (a scatter that TFLite supports)."""
    return ops.expand_dims(ops.cast(ops.equal(ops.arange(length), i), dtype), 0)


def greedy_search(
    parts: EncoderDecoderParts,
    source,
    *,
    start_id: int,
    end_id: int,
    max_length: int,
    forbidden_ids: Sequence[int] | None = None,
) -> SearchResult:
    """Greedy decoding: at each step, the most probable next token.

    Args:
        parts: `encoder_decoder_parts(model)` of a trained encoder-decoder.
        source: source batch as the encoder takes it: `(batch, S)` int ids (0 = padding) or
            `(batch, S, features)` floats.
        start_id: id the decoder starts from.
        end_id: id that ends a hypothesis.
        max_length: output steps at most (>= 1), end token included.
        forbidden_ids: ids never emitted; default padding (0) and `start_id`.

    Returns:
        A `SearchResult`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import encoder_decoder
    >>> from rnn_zoo.decoding import encoder_decoder_parts, greedy_search
    >>> model = encoder_decoder(source_vocab_size=20, target_vocab_size=12, units=8,
    ...                         attention="luong")
    >>> parts = encoder_decoder_parts(model)
    >>> found = greedy_search(parts, np.array([[4, 5, 6]], "int32"), start_id=2, end_id=3,
    ...                       max_length=5)
    >>> tuple(found.ids.shape), tuple(found.attention.shape)
    ((1, 5), (1, 5, 3))
    """
    _, start_id, end_id, max_length, bias = _check_search_args(
        parts, start_id, end_id, max_length, forbidden_ids)
    encoded = parts.encoder(source, training=False)
    batch = ops.shape(encoded["source_mask"])[0]
    source_time = ops.shape(encoded["source_mask"])[1]

    def cond(i, token, states, ids, scores, done, attention):
        return ops.logical_and(i < max_length, ops.logical_not(ops.all(done)))

    def body(i, token, states, ids, scores, done, attention):
        logp, states, att = _step(parts, token, encoded, states)
        logp = logp + bias
        gained, best = _top1(logp)
        best = ops.where(done, 0, best)
        scores = scores + ops.where(done, 0.0, gained)
        ids = ids + ops.expand_dims(best, 1) * _column(i, max_length, "int32")
        att = ops.where(ops.expand_dims(done, 1), 0.0, att)
        attention = attention + (ops.expand_dims(_column(i, max_length, "float32"), -1)
                                 * ops.expand_dims(att, 1))
        done = ops.logical_or(done, ops.equal(best, end_id))
        return i + 1, ops.expand_dims(best, 1), states, ids, scores, done, attention

    loop_vars = (
        ops.convert_to_tensor(0, "int32"),
        ops.full((batch, 1), start_id, "int32"),
        list(encoded["states"]),
        ops.zeros((batch, max_length), "int32"),
        ops.zeros((batch,), "float32"),
        ops.zeros((batch,), "bool"),
        ops.zeros((batch, max_length, source_time), "float32"),
    )
    _, _, _, ids, scores, _, attention = ops.while_loop(cond, body, loop_vars)
    lengths = ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=1)
    return SearchResult(ids, lengths, scores, attention)


def beam_search(
    parts: EncoderDecoderParts,
    source,
    *,
    start_id: int,
    end_id: int,
    max_length: int,
    beam_width: int = 4,
    length_penalty: float = 0.0,
    forbidden_ids: Sequence[int] | None = None,
) -> SearchResult:
    """Beam search: keeps the `beam_width` most probable prefixes at each step.

    Hypotheses compete on their summed log-probability; a finished hypothesis stays in the beam
    (extended by padding at no cost), so the search stops when all beams have ended or at
    `max_length`. The returned hypothesis is the beam's best after length normalisation
    `score / ((5 + length) / 6) ** length_penalty` (Wu et al. 2016; 0 = no normalisation).
    With `beam_width=1` the result equals `greedy_search`.

    Args:
        parts: `encoder_decoder_parts(model)` of a trained encoder-decoder.
        source: source batch as the encoder takes it (see `greedy_search`).
        start_id: id the decoder starts from.
        end_id: id that ends a hypothesis.
        max_length: output steps at most (>= 1), end token included.
        beam_width: hypotheses kept per source, in [1, target vocabulary size] (see
            `check_beam_width` for why that cap).
        length_penalty: exponent alpha of the length normalisation (>= 0).
        forbidden_ids: ids never emitted; default padding (0) and `start_id`.

    Returns:
        A `SearchResult` with the best hypothesis per source; `scores` are its raw summed
        log-probabilities.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import encoder_decoder
    >>> from rnn_zoo.decoding import beam_search, encoder_decoder_parts
    >>> model = encoder_decoder(source_vocab_size=20, target_vocab_size=12, units=8)
    >>> found = beam_search(encoder_decoder_parts(model), np.array([[4, 5], [6, 0]], "int32"),
    ...                     start_id=2, end_id=3, max_length=4, beam_width=3)
    >>> tuple(found.ids.shape), tuple(found.scores.shape)
    ((2, 4), (2,))
    """
    vocab, start_id, end_id, max_length, bias = _check_search_args(
        parts, start_id, end_id, max_length, forbidden_ids)
    width = check_beam_width(check_int("beam_width", beam_width), vocab=vocab)
    if isinstance(length_penalty, bool) or not isinstance(length_penalty, (int, float)) \
            or not length_penalty >= 0:
        raise ValueError(f"`length_penalty` must be a number >= 0, got {length_penalty!r}.")
    encoded = parts.encoder(source, training=False)
    batch = ops.shape(encoded["source_mask"])[0]
    source_time = ops.shape(encoded["source_mask"])[1]
    flat = batch * width

    def tile(x):  # (batch, ...) -> (batch * width, ...), each source repeated `width` times
        return ops.repeat(x, width, axis=0)

    encoded = {"encoder_outputs": tile(encoded["encoder_outputs"]),
               "source_mask": tile(encoded["source_mask"]),
               "states": [tile(s) for s in encoded["states"]]}
    # A finished hypothesis may only be extended by padding, at no cost.
    pad_only = ops.convert_to_tensor([0.0] + [_NEG] * (vocab - 1), "float32")
    offsets = ops.expand_dims(ops.arange(batch, dtype="int32") * width, 1)

    def cond(i, token, states, ids, scores, done, attention):
        return ops.logical_and(i < max_length, ops.logical_not(ops.all(done)))

    def body(i, token, states, ids, scores, done, attention):
        logp, states, att = _step(parts, token, encoded, states)
        logp = ops.where(ops.expand_dims(done, 1), pad_only, logp + bias)
        candidates = ops.reshape(ops.expand_dims(scores, 1) + logp, (batch, width * vocab))
        top_scores, top = ops.top_k(candidates, width)
        top = ops.cast(top, "int32")
        origin = ops.reshape(top // vocab + offsets, (flat,))
        token = ops.reshape(top % vocab, (flat,))
        states = [ops.take(s, origin, axis=0) for s in states]
        ids = ops.take(ids, origin, axis=0) + ops.expand_dims(token, 1) * _column(
            i, max_length, "int32")
        was_done = ops.take(done, origin, axis=0)
        att = ops.where(ops.expand_dims(was_done, 1), 0.0, ops.take(att, origin, axis=0))
        attention = ops.take(attention, origin, axis=0) + (
            ops.expand_dims(_column(i, max_length, "float32"), -1) * ops.expand_dims(att, 1))
        done = ops.logical_or(was_done, ops.equal(token, end_id))
        return (i + 1, ops.expand_dims(token, 1), states, ids, ops.reshape(top_scores, (flat,)),
                done, attention)

    # Only the first beam of each source is live at the start, so the first step does not fill
    # the beam with copies of the same hypothesis.
    first = ops.cast(ops.equal(ops.arange(flat) % width, 0), "float32")
    loop_vars = (
        ops.convert_to_tensor(0, "int32"),
        ops.full((flat, 1), start_id, "int32"),
        encoded["states"],
        ops.zeros((flat, max_length), "int32"),
        (1.0 - first) * _NEG,
        ops.zeros((flat,), "bool"),
        ops.zeros((flat, max_length, source_time), "float32"),
    )
    _, _, _, ids, scores, _, attention = ops.while_loop(cond, body, loop_vars)
    lengths = ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=1)
    normalised = scores / ops.power((5.0 + ops.cast(lengths, "float32")) / 6.0,
                                    float(length_penalty))
    _, best = _top1(ops.reshape(normalised, (batch, width)))
    pick = best + offsets[:, 0]
    return SearchResult(ops.take(ids, pick, axis=0), ops.take(lengths, pick, axis=0),
                        ops.take(scores, pick, axis=0), ops.take(attention, pick, axis=0))
