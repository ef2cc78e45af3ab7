"""The finishing step: cache, seeded shuffle, batch or bucket, prefetch."""

import pytest
import tensorflow as tf

from rnn_zoo.data import finish


def _epochs(ds, n=2):
    return [[b.tolist() for b in ds.as_numpy_iterator()] for _ in range(n)]


def test_same_seed_same_order_and_reshuffle_each_epoch():
    ds = tf.data.Dataset.range(50)
    a = _epochs(finish(ds, batch_size=10, shuffle_buffer=50, seed=7))
    b = _epochs(finish(ds, batch_size=10, shuffle_buffer=50, seed=7))
    assert a == b  # deterministic across runs
    assert a[0] != a[1]  # but a new order every epoch
    flat = sorted(x for batch in a[0] for x in batch)
    assert flat == list(range(50))


def test_fixed_order_without_reshuffle():
    ds = tf.data.Dataset.range(20)
    a, b = _epochs(finish(ds, batch_size=5, shuffle_buffer=20, seed=1,
                          reshuffle_each_iteration=False))
    assert a == b


def test_padded_batching_and_bucketing_branches():
    seqs = tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[1], [1, 2, 3], [4, 5]]))
    seqs = seqs.map(lambda x: tf.identity(x))
    padded = list(finish(seqs, batch_size=3, cache=False).as_numpy_iterator())
    assert padded[0].tolist() == [[1, 0, 0], [1, 2, 3], [4, 5, 0]]
    bucketed = list(finish(seqs, batch_size=2, boundaries=[2]).as_numpy_iterator())
    # A bucket is emitted when full; partial buckets are flushed at the end.
    assert [b.shape for b in bucketed] == [(2, 3), (1, 1)]
    assert finish(seqs, batch_size=None).element_spec.shape.as_list() == [None]
    assert finish(seqs, batch_size=2, deterministic=False).options().deterministic is False


def test_cache_to_file(tmp_path):
    ds = finish(tf.data.Dataset.range(4), batch_size=2, cache=str(tmp_path / "cache"))
    assert _epochs(ds) == [[[0, 1], [2, 3]]] * 2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"batch_size": 0}, ValueError, "`batch_size` must be an int >= 1, got 0"),
        ({"batch_size": "8"}, TypeError, "`batch_size` must be an int"),
        ({"batch_size": 2, "shuffle_buffer": 0}, ValueError,
         "`shuffle_buffer` must be an int >= 1"),
        ({"batch_size": 2, "seed": -1}, ValueError, "`seed` must be an int >= 0"),
        ({"batch_size": 2, "cache": 1}, TypeError, "`cache` must be True, False or a non-empty"),
        ({"batch_size": None, "boundaries": [2]}, ValueError, "`batch_size` must be given"),
        ({"batch_size": 2, "deterministic": "yes"}, TypeError, "`deterministic` must be True"),
    ],
)
def test_finish_errors_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        finish(tf.data.Dataset.range(3), **kwargs)


def test_finish_rejects_empty_dataset():
    with pytest.raises(ValueError, match="`dataset` must be a non-empty tf.data.Dataset"):
        finish(tf.data.Dataset.range(5).filter(lambda x: x > 10), batch_size=2)
