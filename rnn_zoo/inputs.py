"""`check_inputs`: validate a batch against a model's inputs before calling it.

Builders return plain `keras.Model`s, and a batch that does not fit one fails deep inside
TensorFlow (a zero-length sequence, a wrong feature count, a token id past the vocabulary) or,
with NaN/inf, gives NaN outputs for those rows. `check_inputs` turns each of these into a one-line
`ValueError`/`TypeError` naming the input, and returns the batch as arrays of the model's dtypes.

>>> import numpy as np, rnn_zoo
>>> model = rnn_zoo.many_to_one(input_dim=3, output_dim=1, units=4)
>>> rnn_zoo.check_inputs(model, np.zeros((2, 5, 3))).dtype
dtype('float32')
>>> rnn_zoo.check_inputs(model, np.zeros((2, 0, 3)))
Traceback (most recent call last):
    ...
ValueError: Input 'features' needs at least 1 time step, got shape (2, 0, 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import keras
import numpy as np

__all__ = ["check_inputs", "check_text"]


def check_text(text, *, name: str) -> str:
    """Returns `text` if it is a str that encodes as UTF-8; else a one-line error naming it.

    Bytes that are not UTF-8 reach Python from `sys.argv` as lone surrogates (U+DC80-U+DCFF,
    PEP 383), which TensorFlow cannot convert; this names the input instead.
    """
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, got {type(text).__name__}.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        char = ord(text[e.start])
        what = (f"byte 0x{char - 0xDC00:02x}" if 0xDC80 <= char <= 0xDCFF
                else f"lone surrogate U+{char:04X}")
        raise ValueError(f"{name} is not valid UTF-8 ({what} at character {e.start}); "
                         "expected UTF-8 text.") from None
    return text


def _layer_reading(model: keras.Model, tensor, kind):
    """The layer of type `kind` that reads `tensor` directly, if any."""
    for layer in model.layers:
        if isinstance(layer, kind):
            try:
                if layer.input is tensor:
                    return layer
            except (AttributeError, ValueError):
                continue
    return None


def _shape_text(shape) -> str:
    return "(" + ", ".join("batch" if i == 0 else ("T" if d is None else str(d))
                           for i, d in enumerate(shape)) + ")"


def _check_one(model: keras.Model, spec, value) -> np.ndarray:
    name = spec.name
    wanted = keras.backend.standardize_dtype(spec.dtype)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested lists
        raise TypeError(f"Input {name!r} must be an array of shape {_shape_text(spec.shape)}, "
                        f"got {type(value).__name__} ({error}).") from None
    textual = array.dtype.kind in "USO"
    if (wanted == "string") != textual or not (textual or array.dtype.kind in "biuf"):
        takes = "strings" if wanted == "string" else f"{wanted} numbers"
        raise TypeError(f"Input {name!r} takes {takes}, got dtype {array.dtype}.")
    if array.ndim != len(spec.shape):
        raise ValueError(f"Input {name!r} must have shape {_shape_text(spec.shape)}, got shape "
                         f"{array.shape}.")
    if array.shape[0] == 0:
        raise ValueError(f"Input {name!r} needs at least one example, got shape {array.shape}.")
    for axis, (want, got) in enumerate(zip(spec.shape[1:], array.shape[1:], strict=True), 1):
        if want is None and got == 0:
            raise ValueError(f"Input {name!r} needs at least 1 time step, got shape "
                             f"{array.shape}.")
        if want is not None and want != got:
            raise ValueError(f"Input {name!r} must have shape {_shape_text(spec.shape)}, got "
                             f"shape {array.shape} (axis {axis} is {got}, not {want}).")
    if wanted == "string":
        return array
    if "int" in wanted:
        if array.dtype.kind == "b":
            raise TypeError(f"Input {name!r} takes integer ids, got dtype bool.")
        if array.dtype.kind == "f" and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise TypeError(f"Input {name!r} takes integer ids, got non-integer values.")
        embedding = _layer_reading(model, spec, keras.layers.Embedding)
        high = embedding.input_dim if embedding is not None else np.iinfo(wanted).max + 1
        # Range-check before the cast: 2**32 + 1 would wrap to id 1 in int32 and read as valid.
        bad = (array < 0) | (array >= high)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            value = array[where]
            shown = int(value) if array.dtype.kind != "f" else float(value)
            raise ValueError(f"Input {name!r} holds id {shown} at {where}; ids must be in "
                             f"[0, {high}).")
        return array.astype(wanted)
    array = array.astype(wanted)
    finite = np.isfinite(array)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(f"Input {name!r} holds {array[where]} at {where}; values must be "
                         "finite (replace missing values before calling the model).")
    masking = _layer_reading(model, spec, keras.layers.Masking)
    if masking is not None and array.ndim == 3:
        empty = np.all(array == masking.mask_value, axis=(1, 2))
        if empty.any():
            raise ValueError(f"Input {name!r} row {int(np.argmax(empty))} is all padding (every "
                             f"step equals the mask value {masking.mask_value}): an empty "
                             "sequence, which the model cannot pool.")
    return array


def check_inputs(model: keras.Model, x):
    """Checks a batch `x` against `model.inputs`; returns it as arrays of the inputs' dtypes.

    Args:
        model: a `keras.Model` (e.g. from a builder, the registry or `load_pretrained`).
        x: an array for a one-input model, or a dict `{input name: array}` (a list in input
            order is accepted too).

    Returns:
        `x` in the same structure, each array cast to its input's dtype.

    Without this check a negative id reads as a valid one counted from the end (Keras' `take`
    wraps like NumPy) and gives finite logits; ids are range-checked before the cast to the
    input's dtype, so 2**32 + 1 cannot wrap to id 1 either. Exported TFLite models run without
    rnn_zoo and accept zero time steps (they return the empty sequence's output, the same for
    every input, not a prediction), where Keras and the SavedModel refuse them: check first.

    Raises:
        TypeError: a wrong type (strings for numbers, fractional or boolean token ids, missing
            inputs).
        ValueError: a rank or size that does not fit (including zero examples or zero time
            steps), a token id outside the embedding's vocabulary, a NaN/inf feature value, or
            a row that is all padding (every step equals the `Masking` layer's value: an empty
            sequence); the message names the input and, for values, the first bad position.
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a keras.Model, got {type(model).__name__}.")
    specs = list(model.inputs)
    names = [spec.name for spec in specs]
    if isinstance(x, Mapping):
        missing = [n for n in names if n not in x]
        extra = sorted(set(x) - set(names))
        if missing or extra:
            raise TypeError(f"`x` must have the keys {names}; missing {missing}, unknown "
                            f"{extra}.")
        return {spec.name: _check_one(model, spec, x[spec.name]) for spec in specs}
    if len(specs) > 1:
        if not isinstance(x, Sequence) or isinstance(x, (str, bytes)) or len(x) != len(specs):
            raise TypeError(f"`x` must be a dict with the keys {names} (or a list of "
                            f"{len(specs)} arrays), got {type(x).__name__}.")
        return [_check_one(model, spec, value) for spec, value in zip(specs, x, strict=True)]
    return _check_one(model, specs[0], x)
