"""Bucketing by sequence length: batches of similar lengths, padded only as far as needed.

Buckets are `[0, b0), [b0, b1), ..., [b_last, inf)` for `boundaries = [b0, ..., b_last]`.
"Padding only to the boundary" means, precisely: a batch from bucket `[lo, hi)` is padded to the
length of its longest example (always `<= hi - 1`), or with `pad_to_bucket_boundary=True` to
exactly `hi - 1` (fixed shapes per bucket, fewer retraces). The last bucket has no upper bound and
always pads to its longest example. Padding is 0 (the masked id) on the right; labels and other
fixed-shape features are batched untouched.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.data._checks import check_boundaries, check_dataset


def quantile_boundaries(lengths, *, num_buckets: int) -> list[int]:
    """Derives bucket boundaries so each bucket holds about the same number of examples.

    Args:
        lengths: non-empty 1-D array of sequence lengths (e.g. from a sample of the data).
        num_buckets: wanted number of buckets (>= 2); fewer come back when lengths repeat.

    Returns:
        Strictly increasing boundaries; bucket `i` is `[b[i-1], b[i])`.

    Example:

    >>> quantile_boundaries([1, 2, 3, 4, 5, 6, 7, 8], num_buckets=4)
    [3, 5, 7]
    """
    num_buckets = check_int("num_buckets", num_buckets, minimum=2)
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.size == 0 or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"`lengths` must be a non-empty 1-D int array, got shape {lengths.shape} "
                         f"and dtype {lengths.dtype}.")
    # Bucket i holds lengths <= its quantile (an observed length), hence +1: bounds are exclusive.
    qs = np.quantile(lengths, np.arange(1, num_buckets) / num_buckets, method="lower")
    boundaries = sorted({int(q) + 1 for q in qs if q < lengths.max()})
    return boundaries or [int(lengths.max()) + 1]


def _length_getter(element_spec, length_of):
    """Returns (fn(element) -> int32 length, path of the length component or None)."""
    if callable(length_of):
        return length_of, None
    if length_of is None:
        if isinstance(element_spec, tf.TensorSpec):
            return (lambda x: tf.shape(x)[0]), ()
        if isinstance(element_spec, tuple):
            length_of = 0
        else:
            raise ValueError("`length_of` must name the sequence feature (a dict key) for dict "
                             f"elements, got None; keys are {sorted(element_spec)}.")
    if isinstance(element_spec, dict) and isinstance(length_of, str) and length_of in element_spec:
        return (lambda x: tf.shape(x[length_of])[0]), (length_of,)
    if (isinstance(element_spec, tuple) and isinstance(length_of, numbers.Integral)
            and not isinstance(length_of, bool) and 0 <= length_of < len(element_spec)):
        return (lambda *x: tf.shape(x[length_of])[0]), (length_of,)
    raise ValueError(f"`length_of` must be a callable, a dict key or a tuple index of the element "
                     f"{element_spec}, got {length_of!r}.")


def bucket_by_length(
    dataset: tf.data.Dataset,
    *,
    batch_size: int | Sequence[int],
    boundaries: Sequence[int] | None = None,
    length_of: str | int | Callable | None = None,
    num_buckets: int = 4,
    sample_size: int = 1000,
    pad_to_bucket_boundary: bool = False,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Groups examples of similar length into right-padded batches (see the module docstring).

    Every example comes out exactly once (unless `drop_remainder` drops a bucket's last partial
    batch), with its tokens intact; the order is deterministic for a deterministic input.

    Args:
        dataset: unbatched dataset whose elements are a tensor, a tuple or a dict; variable-length
            features have a leading time axis.
        batch_size: one batch size (>= 1), or one per bucket (`len(boundaries) + 1` ints).
        boundaries: strictly increasing lengths; `None` derives them with `quantile_boundaries`
            from the first `sample_size` examples.
        length_of: which feature sets the length: a dict key, a tuple index, or a callable
            taking the element as `Dataset.map` passes it (tuples unpacked) and returning a
            scalar length; `None` for a plain tensor or the first tuple item.
        num_buckets: buckets to derive when `boundaries` is `None` (>= 2).
        sample_size: examples read to derive boundaries (>= 1).
        pad_to_bucket_boundary: pad the `length_of` feature to `hi - 1` instead of the batch's
            longest (needs a key or index, not a callable).
        drop_remainder: drop each bucket's last batch if it is smaller than the batch size.

    Returns:
        A dataset of padded batches with the same structure as `dataset`'s elements.

    Example:

    >>> ds = tf.data.Dataset.from_generator(
    ...     lambda: ([1] * n for n in [1, 5, 2, 6]),
    ...     output_signature=tf.TensorSpec([None], tf.int32))
    >>> [b.shape[1] for b in bucket_by_length(ds, boundaries=[4], batch_size=2)]
    [2, 6]
    """
    dataset = check_dataset("dataset", dataset)
    length_fn, path = _length_getter(dataset.element_spec, length_of)
    check_bool("pad_to_bucket_boundary", pad_to_bucket_boundary)
    check_bool("drop_remainder", drop_remainder)
    if pad_to_bucket_boundary and path is None:
        raise ValueError("`pad_to_bucket_boundary=True` needs `length_of` as a key or index (the "
                         "feature to pad to the boundary), got a callable.")
    if boundaries is None:
        sample_size = check_int("sample_size", sample_size)
        # Length functions take the element the way `Dataset.map` passes it (tuples unpacked).
        sample = dataset.take(sample_size).map(length_fn)
        boundaries = quantile_boundaries(np.fromiter(sample.as_numpy_iterator(), dtype=np.int64),
                                         num_buckets=num_buckets)
    boundaries = check_boundaries("boundaries", boundaries)
    num = len(boundaries) + 1
    if not isinstance(batch_size, (list, tuple)):
        batch_sizes = [check_int("batch_size", batch_size)] * num
    else:
        batch_sizes = [check_int("batch_size", b) for b in batch_size]
        if len(batch_sizes) != num:
            raise ValueError(f"`batch_size` must be an int or {num} ints (len(boundaries) + 1), "
                             f"got {len(batch_sizes)}: {batch_sizes!r}.")

    bounds = tf.constant(boundaries, tf.int64)
    sizes = tf.constant(batch_sizes, tf.int64)
    # -1 means "longest in the batch"; the last bucket is unbounded so it always uses -1.
    pad_lengths = tf.constant([b - 1 for b in boundaries] + [-1] if pad_to_bucket_boundary
                              else [-1] * num, tf.int64)
    spec = dataset.element_spec

    def bucket_id(*element):
        length = tf.cast(length_fn(*element), tf.int64)
        return tf.reduce_sum(tf.cast(length >= bounds, tf.int64))

    def padded_shapes(key):
        shapes = tf.nest.map_structure(lambda s: tf.TensorShape(s.shape), spec)
        if not pad_to_bucket_boundary:
            return shapes
        target = spec
        for p in path:
            target = target[p]
        rest = [-1 if d is None else d for d in target.shape[1:]]
        shape = tf.concat([[tf.gather(pad_lengths, key)], tf.constant(rest, tf.int64)], axis=0)
        if path == ():
            return shape
        if isinstance(shapes, dict):
            return {**shapes, path[0]: shape}
        return tuple(shape if i == path[0] else s for i, s in enumerate(shapes))

    def batch_bucket(key, window):
        return window.padded_batch(tf.gather(sizes, key), padded_shapes=padded_shapes(key),
                                   drop_remainder=drop_remainder)

    return dataset.group_by_window(
        key_func=bucket_id,
        reduce_func=batch_bucket,
        window_size_func=lambda key: tf.gather(sizes, key),
    )
