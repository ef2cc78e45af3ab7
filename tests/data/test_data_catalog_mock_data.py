"""Online-only pipelines run end to end on `tfds.testing.mock_data` (no network).

mock_data fakes the examples (random strings/labels), so these tests check the real code path
(tfds.load -> vectorize -> bucket) and the shapes/dtypes it produces, nothing about model quality.
`MockPolicy.USE_CODE` builds the dataset info from the TFDS builder code, which works offline
(the pip wheel of tensorflow-datasets ships no `dataset_info.json` metadata for these datasets).
"""

import tensorflow as tf
import tensorflow_datasets as tfds

from rnn_zoo.data import imdb_reviews_pipeline, ted_hrlr_pt_to_en_pipeline


def _mock(num_examples):
    return tfds.testing.mock_data(num_examples=num_examples,
                                  policy=tfds.testing.MockPolicy.USE_CODE)


def test_imdb_reviews_pipeline_with_mock_data(tmp_path):
    with _mock(24):
        train, vec = imdb_reviews_pipeline(split="train", batch_size=4, boundaries=[8, 16],
                                           shuffle_buffer=24, seed=0, data_dir=str(tmp_path))
        test, _ = imdb_reviews_pipeline(split="test", batch_size=4, vectorizer=vec,
                                        data_dir=str(tmp_path))
        for ds in (train, test):
            count = 0
            for ids, labels in ds:
                assert ids.dtype == tf.int64 and ids.shape.rank == 2
                assert labels.dtype == tf.int64 and labels.shape == (ids.shape[0],)
                assert ids.shape[1] <= 800
                count += int(ids.shape[0])
            assert count == 24
    assert vec.get_vocabulary()[:2] == ["", "[UNK]"]


def test_ted_hrlr_pt_to_en_pipeline_with_mock_data(tmp_path):
    with _mock(16):
        train, (src_vec, tgt_vec) = ted_hrlr_pt_to_en_pipeline(
            split="train", batch_size=4, boundaries=[4, 8], data_dir=str(tmp_path))
        assert tgt_vec.get_vocabulary()[2:4] == ["<start>", "<end>"]
        count = 0
        for inputs, dec_out in train:
            src, dec_in = inputs["source_tokens"], inputs["target_tokens"]
            assert src.dtype == dec_in.dtype == dec_out.dtype == tf.int64
            assert dec_in.shape == dec_out.shape and src.shape[0] == dec_in.shape[0]
            assert bool(tf.reduce_all(dec_in[:, 0] == 2))
            assert bool(tf.reduce_all(tf.reduce_sum(tf.cast(dec_out == 3, tf.int32), 1) == 1))
            count += int(src.shape[0])
        assert count == 16
