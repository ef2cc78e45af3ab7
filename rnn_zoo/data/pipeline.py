"""The finishing step every input pipeline shares: cache, shuffle, batch or bucket, prefetch."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import tensorflow as tf

from rnn_zoo._validation import check_bool, check_int, check_optional_int
from rnn_zoo.data._checks import check_dataset
from rnn_zoo.data.bucketing import bucket_by_length


def finish(
    dataset: tf.data.Dataset,
    *,
    batch_size: int | Sequence[int] | None,
    cache: bool | str = True,
    shuffle_buffer: int | None = None,
    seed: int | None = None,
    reshuffle_each_iteration: bool = True,
    boundaries: Sequence[int] | None = None,
    length_of: str | int | Callable | None = None,
    pad_to_bucket_boundary: bool = False,
    drop_remainder: bool = False,
    deterministic: bool = True,
) -> tf.data.Dataset:
    """Caches, shuffles, batches (padded) or buckets by length, and prefetches.

    The order matters: caching before shuffling keeps the expensive preprocessing out of every
    epoch while still reshuffling; bucketing after shuffling mixes buckets across epochs.

    Args:
        dataset: unbatched dataset of preprocessed examples.
        batch_size: batch size (>= 1), per-bucket sizes when bucketing, or `None` to skip batching.
        cache: `True` caches in memory, a str caches to that file path, `False` does not cache.
        shuffle_buffer: shuffle buffer size (>= 1), or `None` for no shuffling.
        seed: shuffle seed; with `deterministic=True` the order is then the same on every run.
        reshuffle_each_iteration: draw a new order every epoch (still seeded).
        boundaries: bucket boundaries; given, batches come from `bucket_by_length`, otherwise
            from `padded_batch` (right padding with 0 to the batch's longest example).
        length_of: the feature whose length picks the bucket (see `bucket_by_length`).
        pad_to_bucket_boundary: see `bucket_by_length`.
        drop_remainder: drop the last partial batch (of each bucket when bucketing).
        deterministic: set `tf.data.Options.deterministic` so parallel stages keep input order.

    Returns:
        The finished dataset, prefetching with `AUTOTUNE`.

    Example:

    >>> ds = tf.data.Dataset.range(6)
    >>> [b.tolist() for b in finish(ds, batch_size=4).as_numpy_iterator()]
    [[0, 1, 2, 3], [4, 5]]
    """
    dataset = check_dataset("dataset", dataset)
    if not isinstance(cache, (bool, str)) or cache == "":
        raise TypeError(f"`cache` must be True, False or a non-empty file path, got {cache!r}.")
    shuffle_buffer = check_optional_int("shuffle_buffer", shuffle_buffer)
    seed = check_optional_int("seed", seed, minimum=0)
    check_bool("reshuffle_each_iteration", reshuffle_each_iteration)
    check_bool("drop_remainder", drop_remainder)
    check_bool("deterministic", deterministic)

    options = tf.data.Options()
    options.deterministic = deterministic
    dataset = dataset.with_options(options)
    if cache is not False:
        dataset = dataset.cache("" if cache is True else cache)
    if shuffle_buffer is not None:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed,
                                  reshuffle_each_iteration=reshuffle_each_iteration)
    if boundaries is not None:
        if batch_size is None:
            raise ValueError("`batch_size` must be given when `boundaries` is, got None.")
        dataset = bucket_by_length(
            dataset, batch_size=batch_size, boundaries=boundaries, length_of=length_of,
            pad_to_bucket_boundary=pad_to_bucket_boundary, drop_remainder=drop_remainder,
        )
    elif batch_size is not None:
        dataset = dataset.padded_batch(check_int("batch_size", batch_size),
                                       drop_remainder=drop_remainder)
    return dataset.prefetch(tf.data.AUTOTUNE)
