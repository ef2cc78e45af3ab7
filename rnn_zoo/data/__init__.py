"""Input pipelines: TFDS datasets -> vectorized, bucketed, batched model inputs.

Conventions: token id 0 is padding (right padded, masked by `Embedding(mask_zero=True)`), id 1 is
OOV; seq2seq targets add `<start>` = 2 and `<end>` = 3; series inputs are `(batch, T, C)` float32.
"""

from rnn_zoo.data.bucketing import bucket_by_length, quantile_boundaries
from rnn_zoo.data.catalog import imdb_reviews_pipeline, ted_hrlr_pt_to_en_pipeline
from rnn_zoo.data.pipeline import finish
from rnn_zoo.data.tasks import char_lm_pipeline, seq2seq_pipeline, text_classification_pipeline
from rnn_zoo.data.text import (
    OOV_ID,
    PAD_ID,
    char_vectorizer,
    decode_ids,
    target_vectorizer,
    target_vocabulary,
    teacher_forcing_pair,
    vocabulary_of,
    word_vectorizer,
)
from rnn_zoo.data.windows import (
    Normalization,
    fit_normalization,
    sliding_windows,
    window_dataset,
    with_context,
)

__all__ = [
    "OOV_ID",
    "PAD_ID",
    "Normalization",
    "bucket_by_length",
    "char_lm_pipeline",
    "char_vectorizer",
    "decode_ids",
    "finish",
    "fit_normalization",
    "imdb_reviews_pipeline",
    "quantile_boundaries",
    "seq2seq_pipeline",
    "sliding_windows",
    "target_vectorizer",
    "target_vocabulary",
    "teacher_forcing_pair",
    "ted_hrlr_pt_to_en_pipeline",
    "text_classification_pipeline",
    "vocabulary_of",
    "window_dataset",
    "with_context",
    "word_vectorizer",
]
