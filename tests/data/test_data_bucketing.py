"""Bucketing invariants: every example once and intact, padding bounded by the bucket."""

import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo.data import bucket_by_length, quantile_boundaries

BOUNDARIES = [4, 8, 12]


def _examples(n=97, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 16, size=n)
    # Token values encode (example, position) and are never 0, so padding is recognisable.
    return [np.arange(1, n_i + 1, dtype=np.int64) + 100 * i for i, n_i in enumerate(lengths)]


def _dataset(examples):
    def gen():
        for i, seq in enumerate(examples):
            yield {"tokens": seq, "chars": np.ones(len(seq) * 2, np.int32), "label": i}

    return tf.data.Dataset.from_generator(gen, output_signature={
        "tokens": tf.TensorSpec([None], tf.int64),
        "chars": tf.TensorSpec([None], tf.int32),
        "label": tf.TensorSpec([], tf.int64),
    })


def _bucket_of(length, boundaries):
    lo = max([0] + [b for b in boundaries if b <= length])
    hi = min([b for b in boundaries if b > length], default=None)
    return lo, hi


@pytest.mark.parametrize("pad_to_bucket_boundary", [False, True])
def test_every_example_once_with_tokens_intact_and_bounded_padding(pad_to_bucket_boundary):
    examples = _examples()
    batches = bucket_by_length(_dataset(examples), boundaries=BOUNDARIES, batch_size=5,
                               length_of="tokens", pad_to_bucket_boundary=pad_to_bucket_boundary)
    seen = []
    for batch in batches.as_numpy_iterator():
        tokens, labels = batch["tokens"], batch["label"]
        lengths = [len(examples[i]) for i in labels]
        lo, hi = _bucket_of(lengths[0], BOUNDARIES)
        assert all(lo <= n and (hi is None or n < hi) for n in lengths), "one bucket per batch"
        padded = tokens.shape[1]
        assert padded >= max(lengths)
        if hi is not None:
            assert padded <= hi - 1
            assert padded == (hi - 1 if pad_to_bucket_boundary else max(lengths))
        else:
            assert padded == max(lengths)  # the unbounded last bucket pads to its longest
        for row, i in zip(tokens, labels, strict=True):
            n = len(examples[i])
            np.testing.assert_array_equal(row[:n], examples[i])
            assert (row[n:] == 0).all(), "only zeros, only on the right"
        # A second sequence feature is padded to its own batch maximum, not the boundary.
        assert batch["chars"].shape[1] == 2 * max(lengths)
        seen.extend(labels.tolist())
    assert sorted(seen) == list(range(len(examples)))


def test_tuple_elements_per_bucket_batch_sizes_and_drop_remainder():
    examples = _examples(n=40)
    ds = tf.data.Dataset.from_generator(
        lambda: ((seq, np.int64(i)) for i, seq in enumerate(examples)),
        output_signature=(tf.TensorSpec([None], tf.int64), tf.TensorSpec([], tf.int64)),
    )
    sizes = [2, 3, 4, 5]
    batches = list(bucket_by_length(ds, boundaries=BOUNDARIES, batch_size=sizes,
                                    drop_remainder=True).as_numpy_iterator())
    for _tokens, labels in batches:
        n = len(examples[labels[0]])
        assert len(labels) == sizes[sum(n >= b for b in BOUNDARIES)]
    padded = list(bucket_by_length(ds, boundaries=BOUNDARIES, batch_size=2, length_of=0,
                                   pad_to_bucket_boundary=True).as_numpy_iterator())
    assert {t.shape[1] for t, _ in padded} <= {3, 7, 11} | {len(s) for s in examples}
    counts = np.bincount([sum(len(s) >= b for b in BOUNDARIES) for s in examples], minlength=4)
    assert sum(len(b[1]) for b in batches) == sum(c // s * s for c, s in zip(counts, sizes,
                                                                              strict=True))


def test_features_with_channels_are_padded_along_time_only():
    series = [np.full((n, 3), n, np.float32) for n in (2, 5, 3, 6)]
    ds = tf.data.Dataset.from_generator(lambda: iter(series),
                                        output_signature=tf.TensorSpec([None, 3], tf.float32))
    shapes = [b.shape for b in bucket_by_length(ds, boundaries=[4], batch_size=2,
                                                pad_to_bucket_boundary=True)]
    assert shapes == [(2, 3, 3), (2, 6, 3)]


def test_bucketing_is_deterministic():
    def run():
        ds = _dataset(_examples()).shuffle(50, seed=3)
        out = bucket_by_length(ds, boundaries=BOUNDARIES, batch_size=4, length_of="tokens")
        return [b["label"].tolist() for b in out.as_numpy_iterator()]

    assert run() == run()


def test_boundaries_derived_from_length_quantiles():
    examples = _examples(n=200)
    batches = bucket_by_length(_dataset(examples), batch_size=8, length_of="tokens",
                               num_buckets=4, sample_size=200)
    assert sum(len(b["label"]) for b in batches.as_numpy_iterator()) == 200
    assert quantile_boundaries([1, 2, 3, 4, 5, 6, 7, 8], num_buckets=4) == [3, 5, 7]
    assert quantile_boundaries([5, 5, 5], num_buckets=3) == [6]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"boundaries": [4, 4], "batch_size": 2}, ValueError,
         r"`boundaries` must be strictly increasing ints >= 1, got \[4, 4\]"),
        ({"boundaries": [0, 3], "batch_size": 2}, ValueError, "`boundaries` must be strictly"),
        ({"boundaries": [], "batch_size": 2}, ValueError, "`boundaries` must be a non-empty"),
        ({"boundaries": [4], "batch_size": 0}, ValueError,
         "`batch_size` must be an int >= 1, got 0"),
        ({"boundaries": [4], "batch_size": [1, 2, 3]}, ValueError,
         "`batch_size` must be an int or 2 ints"),
        ({"boundaries": [4], "batch_size": 2, "length_of": "nope"}, ValueError, "`length_of` must"),
        ({"boundaries": [4], "batch_size": 2, "length_of": lambda x: 1,
          "pad_to_bucket_boundary": True}, ValueError, "`pad_to_bucket_boundary=True` needs"),
    ],
)
def test_bucketing_errors_name_the_argument(kwargs, error, match):
    ds = _dataset(_examples(n=3))
    if "length_of" not in kwargs:
        kwargs["length_of"] = "tokens"
    with pytest.raises(error, match=match):
        bucket_by_length(ds, **kwargs)


def test_bucketing_rejects_empty_dataset_and_wrong_type():
    with pytest.raises(ValueError, match="`dataset` must be a non-empty"):
        bucket_by_length(tf.data.Dataset.range(0), boundaries=[2], batch_size=1)
    with pytest.raises(TypeError, match="`dataset` must be a tf.data.Dataset, got list"):
        bucket_by_length([[1, 2]], boundaries=[2], batch_size=1)
