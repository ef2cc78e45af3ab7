"""Streaming: the recurrent state carried at inference, one step at a time.

A trained `many_to_many` or `many_to_one` stack (SimpleRNN, LSTM or GRU; stacked; token or
float inputs) is rebuilt from its own trained layers as a one-step model
`(x_t, *states) -> (y_t, *new_states)`: the embedding (or masking), each layer's *cell*
called once (so no while loop or TensorList is in the graph), the pooling as a running
accumulator, and the head. It shares the trained weights, and stepping a sequence through it
gives the whole-sequence outputs: `y_t` is what the sequence model outputs at step t
(`many_to_many`), or what it would output for the prefix ending at t (`many_to_one`).

- `step_model(model)`: the one-step Keras model.
- `initial_state(step, batch=...)`: the zero states to start (or reset) a stream with.
- `run_steps(step, inputs=..., states=...)`: feeds a sequence through, step by step, checking
  the inputs; returns the per-step outputs and the final states.
- `prefill_model(model)`: the sequence model that also returns its final states (a prompt in,
  the state to continue from out).
- `generate(model, prompt=..., length=...)`: sampling from a language model in one graph loop
  (`keras.ops.while_loop`) carrying the state, with temperature, top-k and a seed;
  `generation_loop(model)` is that loop uncompiled, for exporters to trace.

A bidirectional stack reads the sequence backwards too, so it cannot stream: a ValueError says
so. Steps whose input is padding (token id 0, or every feature equal to `mask_value`) leave the
state unchanged, as the masked sequence model does.
"""

from __future__ import annotations

import math
import warnings
import weakref

import keras
import numpy as np
from keras import layers, ops

from rnn_zoo._validation import check_int
from rnn_zoo.layers.pooling import MaskedGlobalMaxPooling1D

__all__ = ["generate", "generation_loop", "initial_state", "prefill_model", "run_steps",
           "step_model"]

_RNN_TYPES = (layers.SimpleRNN, layers.LSTM, layers.GRU)


def _plan(model):
    """The trained layers of a streamable stack, in order: (input, rnns, pooling, head)."""
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, got {type(model).__name__}.")
    by_type = {"rnns": [], "embedding": None, "masking": None, "pool": None, "head": None}
    for layer in model.layers:
        if isinstance(layer, layers.Bidirectional):
            raise ValueError(
                f"`model` {model.name!r} has a bidirectional layer ({layer.name!r}): it reads "
                "the sequence backwards too, so it cannot stream one step at a time."
            )
        if isinstance(layer, _RNN_TYPES):
            by_type["rnns"].append(layer)
        elif isinstance(layer, layers.Embedding):
            by_type["embedding"] = layer
        elif isinstance(layer, layers.Masking):
            by_type["masking"] = layer
        elif isinstance(layer, (layers.GlobalAveragePooling1D, MaskedGlobalMaxPooling1D)):
            by_type["pool"] = layer
        elif layer.name == "head" and isinstance(layer, layers.Dense):
            by_type["head"] = layer
        elif not isinstance(layer, (layers.InputLayer, layers.Dropout)):
            raise ValueError(
                f"`model` {model.name!r} is not a recurrent stack built by rnn_zoo.many_to_many "
                f"or many_to_one: it has a {type(layer).__name__} layer ({layer.name!r})."
            )
    if not by_type["rnns"] or by_type["head"] is None or len(model.inputs) != 1:
        raise ValueError(
            f"`model` {model.name!r} is not a recurrent stack built by rnn_zoo.many_to_many or "
            "many_to_one: it needs one sequence input, recurrent layers and a 'head' Dense."
        )
    rnns = by_type["rnns"]
    for rnn in rnns[:-1]:
        if not rnn.return_sequences:
            raise ValueError(f"`model` {model.name!r}: layer {rnn.name!r} does not return "
                             "sequences, so the layers are not one stack.")
    for rnn in rnns:
        if rnn.go_backwards:
            raise ValueError(f"`model` {model.name!r}: layer {rnn.name!r} reads the sequence "
                             "backwards, so it cannot stream one step at a time.")
    return by_type


class _CellStep(layers.Layer):
    """One call of a trained recurrent cell (its weights shared): `(x, states) -> [h, *new]`.

    A layer of its own so that two stacked cells of the same kind (both named `lstm_cell`) get
    distinct names in the step model. The padding mask is applied by `step_model`, by hand.
    """

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.supports_masking = True

    def call(self, x, states):
        with warnings.catch_warnings():  # the mask x carries is handled by step_model
            warnings.filterwarnings("ignore", message=".*does not support masking.*")
            h, new = self.cell(x, list(states), training=False)
        return [h, *(new if isinstance(new, (list, tuple)) else [new])]

    def compute_mask(self, x, mask=None):
        return None

    def compute_output_shape(self, x_shape, states_shape):
        return [(x_shape[0], self.cell.units), *(tuple(s) for s in states_shape)]


def _num_states(rnn) -> int:
    return 2 if isinstance(rnn, layers.LSTM) else 1


def step_model(model: keras.Model, *, name: str | None = None) -> keras.Model:
    """Rebuilds a trained recurrent stack as a one-step model that carries its state.

    The returned model maps `[x_t, *states]` to `[y_t, *new_states]`, made of `model`'s own
    layers (the weights are shared, not copied). `x_t` is one step of the input: token ids
    `(batch,)` int32 for an `Embedding` input, or features `(batch, input_dim)` float32. The
    states are, layer by layer, `h` (SimpleRNN, GRU) or `h, c` (LSTM), each `(batch, units)`;
    a `many_to_one` model with `pooling="mean"` or `"max"` adds the running pooled vector and
    the count of real steps `(batch, 1)`. Start from `initial_state(step, batch=...)`.

    Args:
        model: a model built by `rnn_zoo.many_to_many` or `rnn_zoo.many_to_one` (any registry
            variant of those topologies, trained or not), unidirectional.
        name: the step model's name; default `"{model.name}_step"`.

    Returns:
        A functional `keras.Model`; `y_t` is `(batch, num_classes)` or `(batch, output_dim)`.

    Raises:
        ValueError: `model` is bidirectional, or is not such a stack.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_many
    >>> from rnn_zoo.decoding import initial_state, step_model
    >>> model = many_to_many(vocab_size=20, num_classes=20, cell="lstm", units=8, num_layers=2)
    >>> step = step_model(model)
    >>> states = initial_state(step, batch=1)
    >>> [s.shape for s in states]
    [(1, 8), (1, 8), (1, 8), (1, 8)]
    >>> y, *states = step([np.array([5], "int32"), *states])
    >>> tuple(y.shape)
    (1, 20)
    >>> whole = model(np.array([[5]], "int32"))
    >>> bool(np.allclose(whole[:, 0], y, atol=1e-6))
    True
    """
    plan = _plan(model)
    feature_shape = tuple(model.inputs[0].shape[2:])
    if plan["embedding"] is not None:
        x_in = keras.Input((), dtype="int32", name="token")
        mask = ops.not_equal(x_in, 0) if plan["embedding"].mask_zero else None
        x = plan["embedding"](x_in)
    else:
        x_in = keras.Input(feature_shape, dtype="float32", name="features")
        masking = plan["masking"]
        mask = ops.any(ops.not_equal(x_in, masking.mask_value), axis=-1) \
            if masking is not None else None
        x = x_in
    state_inputs, new_states = [], []
    for i, rnn in enumerate(plan["rnns"]):
        old = [keras.Input((rnn.cell.units,), dtype="float32", name=f"state_{i}_{k}")
               for k in range(_num_states(rnn))]
        state_inputs += old
        h, *new = _CellStep(rnn.cell, name=f"{rnn.name}_step")(x, list(old))
        if mask is not None:
            keep = ops.expand_dims(mask, -1)
            # A padded step leaves the state, and so the output, as it was (the masked RNN
            # outputs its last state again at such steps).
            new = [ops.where(keep, n, o) for n, o in zip(new, old, strict=True)]
            h = new[0]
        new_states += new
        x = h
    pool = plan["pool"]
    if pool is not None:
        units = plan["rnns"][-1].cell.units
        acc = keras.Input((units,), dtype="float32", name="pool_value")
        count = keras.Input((1,), dtype="float32", name="pool_count")
        real = ops.ones_like(count) if mask is None \
            else ops.cast(ops.expand_dims(mask, -1), "float32")
        new_count = count + real
        if isinstance(pool, layers.GlobalAveragePooling1D):
            new_acc = acc + x * real
            x = new_acc / ops.maximum(new_count, 1.0)
        else:  # masked max: the first real step starts the max; no real step yet gives zeros
            started = ops.greater(count, 0.0)
            new_acc = ops.where(ops.greater(real, 0.0),
                                ops.where(started, ops.maximum(acc, x), x), acc)
            x = new_acc
        state_inputs += [acc, count]
        new_states += [new_acc, new_count]
    y = plan["head"](x)
    return keras.Model([x_in, *state_inputs], [y, *new_states],
                       name=name or f"{model.name}_step")


def _state_specs(step: keras.Model) -> list[tuple[str, tuple]]:
    if not isinstance(step, keras.Model) or len(step.inputs) < 2:
        raise TypeError("`step` must be a model made by rnn_zoo.decoding.step_model, got "
                        f"{type(step).__name__}.")
    return [(t.name, tuple(t.shape[1:])) for t in step.inputs[1:]]


def initial_state(step: keras.Model, *, batch: int = 1) -> list[np.ndarray]:
    """The zero states that start a stream (and reset one), in `step`'s input order.

    Args:
        step: a model made by `step_model`.
        batch: streams run side by side.

    Returns:
        A list of float32 zero arrays, `(batch, *state_shape)` each.

    Example:

    >>> from rnn_zoo import many_to_one
    >>> from rnn_zoo.decoding import initial_state, step_model
    >>> step = step_model(many_to_one(input_dim=3, output_dim=1, cell="gru", units=5))
    >>> [s.shape for s in initial_state(step, batch=4)]
    [(4, 5)]
    """
    batch = check_int("batch", batch)
    return [np.zeros((batch, *shape), np.float32) for _, shape in _state_specs(step)]


def _vocabulary_size(step: keras.Model) -> int | None:
    for layer in step.layers:
        if isinstance(layer, layers.Embedding):
            return int(layer.input_dim)
    return None


def _check_tokens(name: str, ids: np.ndarray, vocab: int):
    if ids.size and (ids.min() < 0 or ids.max() >= vocab):
        bad = int(ids[(ids < 0) | (ids >= vocab)].flat[0])
        raise ValueError(f"`{name}` has token id {bad} outside the vocabulary [0, {vocab}).")


def _check_states(step: keras.Model, states, batch: int) -> list[np.ndarray]:
    specs = _state_specs(step)
    if not isinstance(states, (list, tuple)) or len(states) != len(specs):
        raise ValueError(f"`states` must be a list of {len(specs)} arrays "
                         f"({', '.join(n for n, _ in specs)}), got {type(states).__name__}"
                         + (f" of {len(states)}" if isinstance(states, (list, tuple)) else "")
                         + ".")
    checked = []
    for j, ((name, shape), s) in enumerate(zip(specs, states, strict=True)):
        s = ops.convert_to_numpy(s) if not isinstance(s, np.ndarray) else s
        if s.dtype != np.float32:
            raise ValueError(f"`states[{j}]` ({name}) must be float32, got {s.dtype}.")
        if s.shape != (batch, *shape):
            raise ValueError(f"`states[{j}]` ({name}) must have shape {(batch, *shape)}, got "
                             f"{s.shape}.")
        checked.append(s)
    return checked


def run_steps(step: keras.Model, *, inputs, states=None):
    """Feeds a batch of sequences through `step`, one step at a time, carrying the state.

    Args:
        step: a model made by `step_model`.
        inputs: token ids `(batch, time)` (ints in `[0, vocab)`; 0 is padding) or features
            `(batch, time, input_dim)` float32.
        states: the states to start from (as `initial_state` returns, e.g. the final states of
            an earlier call, to continue a stream); None starts from zeros.

    Returns:
        `(outputs, states)`: NumPy `(batch, time, ...)` outputs, one per step, and the final
        states (a list of NumPy arrays) to continue from.

    Raises:
        ValueError: one line naming `inputs` or `states` when a shape, dtype or token id is
            wrong.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_many
    >>> from rnn_zoo.decoding import run_steps, step_model
    >>> model = many_to_many(vocab_size=20, num_classes=20, cell="gru", units=8)
    >>> x = np.array([[3, 4, 5, 6]], "int32")
    >>> outputs, states = run_steps(step_model(model), inputs=x)
    >>> bool(np.allclose(outputs, model.predict_on_batch(x), atol=1e-5))
    True
    >>> run_steps(step_model(model), inputs=np.array([[3, 25]]))
    Traceback (most recent call last):
    ...
    ValueError: `inputs` has token id 25 outside the vocabulary [0, 20).
    """
    x = np.asarray(inputs)
    vocab = _vocabulary_size(step)
    x_spec = tuple(step.inputs[0].shape[1:])
    if vocab is not None:
        if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
            raise ValueError(f"`inputs` must be integer token ids of shape (batch, time), got "
                             f"{x.dtype} {x.shape}.")
        _check_tokens("inputs", x, vocab)
        x = x.astype(np.int32)
    else:
        if x.ndim != 2 + len(x_spec) or tuple(x.shape[2:]) != x_spec \
                or not np.issubdtype(x.dtype, np.floating):
            raise ValueError(f"`inputs` must be float features of shape (batch, time, "
                             f"{', '.join(map(str, x_spec))}), got {x.dtype} {x.shape}.")
        x = x.astype(np.float32)
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"`inputs` must have at least one row and one step, got {x.shape}.")
    states = initial_state(step, batch=x.shape[0]) if states is None \
        else _check_states(step, states, x.shape[0])
    outputs = []
    for t in range(x.shape[1]):
        y, *states = step([ops.convert_to_tensor(x[:, t]),
                           *(ops.convert_to_tensor(s) for s in states)], training=False)
        outputs.append(ops.convert_to_numpy(y))
    return np.stack(outputs, axis=1), [ops.convert_to_numpy(s) for s in states]


def prefill_model(model: keras.Model) -> keras.Model:
    """The sequence model that also returns its final states: `[x, *states] -> [y_last, *states]`.

    Made of `model`'s trained cells, each wrapped in a `keras.layers.RNN` that returns its state,
    so a prompt is read in one call and the stream continues from the states it returns (in the
    order `step_model` takes them). `y_last` is the output at the last step.

    Args:
        model: a unidirectional `many_to_many` model (a language model); `many_to_one` models
            stream through `step_model`.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_many
    >>> from rnn_zoo.decoding import initial_state, prefill_model, step_model
    >>> model = many_to_many(vocab_size=20, num_classes=20, cell="lstm", units=8)
    >>> prefill = prefill_model(model)
    >>> y, *states = prefill([np.array([[3, 4, 5]], "int32"),
    ...                       *initial_state(step_model(model), batch=1)])
    >>> bool(np.allclose(y, model.predict_on_batch(np.array([[3, 4, 5]]))[:, -1], atol=1e-5))
    True
    """
    plan = _plan(model)
    if plan["pool"] is not None or not plan["rnns"][-1].return_sequences:
        raise ValueError(f"`model` {model.name!r} is many-to-one; prefill_model reads a prompt "
                         "for a many-to-many model (a language model). Use step_model.")
    x_in = keras.Input(model.inputs[0].shape[1:], dtype=model.inputs[0].dtype,
                       name=model.inputs[0].name)
    x = x_in
    if plan["embedding"] is not None:
        x = plan["embedding"](x)
    elif plan["masking"] is not None:
        x = plan["masking"](x)
    state_inputs, new_states = [], []
    for i, rnn in enumerate(plan["rnns"]):
        old = [keras.Input((rnn.cell.units,), dtype="float32", name=f"state_{i}_{k}")
               for k in range(_num_states(rnn))]
        state_inputs += old
        x, *new = layers.RNN(rnn.cell, return_sequences=True, return_state=True,
                             name=f"{rnn.name}_prefill")(x, initial_state=list(old))
        new_states += new
    y = plan["head"](x[:, -1])
    return keras.Model([x_in, *state_inputs], [y, *new_states], name=f"{model.name}_prefill")


# --- generation -------------------------------------------------------------------------------

_GENERATORS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _check_temperature(temperature) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating)) \
            or not 0 < temperature < math.inf:
        raise ValueError(f"`temperature` must be a finite float > 0, got {temperature!r}.")
    return float(temperature)


def _sample(logits, seed, i, backend: str):
    """One id per row from softmax(logits), stateless: the same (seed, i) gives the same id."""
    if backend == "tensorflow":
        import tensorflow as tf

        key = tf.stack([seed[0], seed[1] + i])
        return tf.cast(tf.random.stateless_categorical(logits, 1, seed=key)[:, 0], "int32")
    if backend == "jax":
        import jax

        key = jax.random.fold_in(jax.random.PRNGKey(seed[0]), seed[1] + i)
        return jax.random.categorical(key, logits, axis=-1).astype("int32")
    raise NotImplementedError(f"generate runs on the tensorflow and jax backends, not {backend}.")


def generation_loop(model: keras.Model, *, top_k: int | None = None, suppress=(0,)):
    """The uncompiled loop `generate` runs: `run(prompt, states, length, temperature, seed)`.

    For exporters that trace it into their own graph (the SavedModel `generate` signature):
    `prompt` `(batch, time)` int32 ids, `states` as `initial_state` gives them, `length` an int32
    scalar (a Python int under JAX), `temperature` a float32 scalar, `seed` two int32 words.
    It returns `(ids, states)`: `(batch, length)` int32 ids and the states after them. Arguments
    are not checked here; `generate` checks them.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_many
    >>> from rnn_zoo.decoding import generation_loop
    >>> run = generation_loop(many_to_many(vocab_size=9, num_classes=9, units=4), top_k=1)
    >>> ids, _ = run(np.array([[3]], "int32"), [np.zeros((1, 4), "float32")] * 2, 3, 1.0,
    ...              np.array([0, 0], "int32"))
    >>> tuple(ids.shape)
    (1, 3)
    """
    if top_k is not None:
        top_k = check_int("top_k", top_k)
    suppress = tuple(sorted({int(s) for s in suppress}))
    step, prefill = step_model(model), prefill_model(model)
    vocab = int(step.outputs[0].shape[-1])
    bias = np.zeros((vocab,), np.float32)
    bias[list(suppress)] = -np.inf
    backend = keras.backend.backend()

    def run(prompt, states, length, temperature, seed):
        logits, *states = prefill([prompt, *states], training=False)
        batch = ops.shape(prompt)[0]

        def pick(logits, i):
            logits = ops.cast(logits, "float32") + bias
            if top_k == 1:
                return ops.cast(ops.argmax(logits, axis=-1), "int32")
            if top_k is not None:
                kth = ops.top_k(logits, top_k, sorted=True)[0][:, -1:]
                logits = ops.where(logits < kth, -np.inf, logits)
            return _sample(logits / temperature, seed, i, backend)

        def cond(i, logits, states, ids):
            return i < length

        def body(i, logits, states, ids):
            token = pick(logits, i)
            ids = ids + ops.expand_dims(token, 1) * ops.cast(ops.equal(positions, i), "int32")
            logits, *states = step([token, *states], training=False)
            return i + 1, logits, states, ids

        positions = ops.arange(length, dtype="int32")
        loop = (ops.convert_to_tensor(0, "int32"), logits, list(states),
                ops.zeros((batch, length), "int32"))
        _, _, states, ids = ops.while_loop(cond, body, loop)
        return ids, states

    return run


def _generator(model, *, top_k: int | None, suppress: tuple[int, ...]):
    """The compiled generation function of `model`, built once per (top_k, suppress)."""
    cache = _GENERATORS.setdefault(model, {})
    key = (top_k, suppress)
    if key in cache:
        return cache[key]
    run = generation_loop(model, top_k=top_k, suppress=suppress)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        fn = tf.function(run, reduce_retracing=True)
    elif backend == "jax":
        import jax

        fn = jax.jit(run, static_argnums=2)  # the output buffer's length must be static
    else:
        fn = run
    cache[key] = fn
    return fn


def generate(model: keras.Model, *, prompt, length: int, temperature: float = 1.0,
             top_k: int | None = None, seed: int = 0, suppress=(0,), max_length: int = 10_000,
             states=None):
    """Samples `length` tokens after `prompt` from a language model, in one graph loop.

    The prompt is read once by the sequence model (`prefill_model`), and its final state is
    handed to a `keras.ops.while_loop` that samples a token from softmax(logits / temperature)
    (after keeping the `top_k` largest logits), feeds it to the one-step model and carries
    the state on. The loop is compiled once per model (a `tf.function`, or `jax.jit`), so no
    step returns to Python. Sampling is stateless: the same `seed` gives the same tokens.

    Args:
        model: a unidirectional `many_to_many` model with an `Embedding` input, whose output
            at each step is next-token logits.
        prompt: token ids `(batch, time)` (or one `(time,)` row), in `[0, vocab)`, time >= 1.
        length: tokens to generate, in `[1, max_length]`.
        temperature: > 0; lower is greedier.
        top_k: sample among the `top_k` most likely tokens only; 1 is greedy (argmax); None
            (default) samples from the whole vocabulary.
        seed: an int >= 0.
        suppress: token ids never generated (default: 0, the padding id).
        max_length: the cap on `length`.
        states: the states to continue from (see `initial_state`); None starts from zeros.

    Returns:
        `(ids, states)`: generated ids as a NumPy `(batch, length)` int32 array, and the states
        after the last generated token was read (NumPy arrays) — hand them back as `states`
        with the last id as `prompt` to continue.

    Example:

    >>> import numpy as np
    >>> from rnn_zoo import many_to_many
    >>> from rnn_zoo.decoding import generate
    >>> model = many_to_many(vocab_size=20, num_classes=20, cell="gru", units=8)
    >>> ids, _ = generate(model, prompt=np.array([[3, 4]]), length=5, top_k=1)
    >>> ids.shape
    (1, 5)
    >>> generate(model, prompt=np.array([[3, 4]]), length=5, temperature=0)
    Traceback (most recent call last):
    ...
    ValueError: `temperature` must be a finite float > 0, got 0.
    """
    max_length = check_int("max_length", max_length)
    if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= max_length:
        raise ValueError(f"`length` must be an int in [1, {max_length}], got {length!r}.")
    temperature = _check_temperature(temperature)
    if top_k is not None:
        top_k = check_int("top_k", top_k)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"`seed` must be an int >= 0, got {seed!r}.")
    if seed < 0:
        raise ValueError(f"`seed` must be an int >= 0, got {seed!r}.")
    plan = _plan(model)
    if plan["embedding"] is None:
        raise ValueError(f"`model` {model.name!r} takes float features; generate needs a "
                         "language model with token ids in and next-token logits out.")
    vocab = int(plan["embedding"].input_dim)
    suppress = tuple(sorted({int(s) for s in suppress}))
    _check_tokens("suppress", np.asarray(suppress, np.int64), vocab)
    if top_k is not None and top_k > vocab - len(suppress):
        raise ValueError(f"`top_k` must be at most {vocab - len(suppress)} (the vocabulary less "
                         f"the suppressed ids), got {top_k}.")
    ids = np.asarray(prompt)
    if ids.ndim == 1:
        ids = ids[None]
    if ids.ndim != 2 or ids.shape[1] < 1 or ids.shape[0] < 1 \
            or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"`prompt` must be integer token ids of shape (batch, time >= 1), got "
                         f"{ids.dtype} {ids.shape}.")
    _check_tokens("prompt", ids, vocab)
    fn = _generator(model, top_k=top_k, suppress=suppress)
    step = step_model(model) if states is not None else None
    start = _check_states(step, states, ids.shape[0]) if step is not None else [
        np.zeros((ids.shape[0], rnn.cell.units), np.float32)
        for rnn in plan["rnns"] for _ in range(_num_states(rnn))]
    # The seed as two int32 words, so any int >= 0 below 2**62 is its own stream.
    seed_words = np.array([seed % 2**31, (seed // 2**31) % 2**31], np.int32)
    out, final = fn(ops.convert_to_tensor(ids.astype(np.int32)),
                    [ops.convert_to_tensor(s) for s in start],
                    length if keras.backend.backend() == "jax"
                    else ops.convert_to_tensor(length, "int32"),
                    ops.convert_to_tensor(temperature, "float32"),
                    ops.convert_to_tensor(seed_words))
    return ops.convert_to_numpy(out), [ops.convert_to_numpy(s) for s in final]
