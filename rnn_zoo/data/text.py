"""Text vectorization with Keras preprocessing layers.

The layers returned here can sit inside a model, so an exported text model takes raw strings.
Every vocabulary follows one convention: id 0 is padding (masked by `Embedding(mask_zero=True)`),
id 1 is the out-of-vocabulary token `[UNK]`, and real tokens start at id 2.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import keras
import numpy as np
import tensorflow as tf

from rnn_zoo._validation import check_choice, check_optional_int
from rnn_zoo.data._checks import check_strings

PAD_ID = 0
OOV_ID = 1
OOV_TOKEN = "[UNK]"
STANDARDIZE_CHOICES = (None, "lower", "strip_punctuation", "lower_and_strip_punctuation")


def _vectorizer(texts, *, split, standardize, max_tokens, output_sequence_length):
    texts = check_strings("texts", texts)
    check_choice("standardize", standardize, STANDARDIZE_CHOICES)
    # Padding and OOV take two slots, so fewer than 3 tokens leaves no room for a real token.
    max_tokens = check_optional_int("max_tokens", max_tokens, minimum=3)
    output_sequence_length = check_optional_int("output_sequence_length", output_sequence_length)
    layer = keras.layers.TextVectorization(
        max_tokens=max_tokens,
        standardize=standardize,
        split=split,
        output_mode="int",
        output_sequence_length=output_sequence_length,
    )
    if isinstance(texts, tf.data.Dataset):
        # Batching makes `adapt` fast; an unbatched dataset would be read one string at a time.
        texts = texts.batch(1024) if texts.element_spec.shape.rank == 0 else texts
    layer.adapt(texts)
    return layer


def char_vectorizer(
    texts,
    *,
    standardize: str | None = None,
    max_tokens: int | None = None,
    output_sequence_length: int | None = None,
) -> keras.layers.TextVectorization:
    """Adapts a character-level `TextVectorization` layer (id 0 = padding, id 1 = OOV).

    Every character, whitespace included, is a token; characters unseen during `adapt` map to 1.

    Args:
        texts: non-empty list of str, or a `tf.data.Dataset` of `tf.string` (scalars or batches).
        standardize: `None` (keep text as is), `"lower"`, `"strip_punctuation"` or
            `"lower_and_strip_punctuation"`.
        max_tokens: vocabulary size cap including padding and OOV (>= 3), or `None` for all.
        output_sequence_length: pad/truncate to this length; `None` pads each batch to its
            longest string (right padding with 0).

    Returns:
        An adapted `keras.layers.TextVectorization` mapping strings to int64 ids.

    Example:

    >>> layer = char_vectorizer(["aaa", "bbc"])  # more frequent characters get smaller ids
    >>> layer(["abc", "z"]).numpy().tolist()
    [[2, 3, 4], [1, 0, 0]]
    """
    return _vectorizer(texts, split="character", standardize=standardize, max_tokens=max_tokens,
                       output_sequence_length=output_sequence_length)


def word_vectorizer(
    texts,
    *,
    standardize: str | None = "lower_and_strip_punctuation",
    max_tokens: int | None = None,
    output_sequence_length: int | None = None,
) -> keras.layers.TextVectorization:
    """Adapts a whitespace-split word-level `TextVectorization` layer (0 = padding, 1 = OOV).

    Args:
        texts: non-empty list of str, or a `tf.data.Dataset` of `tf.string` (scalars or batches).
        standardize: `None`, `"lower"`, `"strip_punctuation"` or `"lower_and_strip_punctuation"`.
        max_tokens: vocabulary size cap including padding and OOV (>= 3), or `None` for all;
            the most frequent words are kept.
        output_sequence_length: pad/truncate to this length; `None` pads each batch to its
            longest text (right padding with 0).

    Returns:
        An adapted `keras.layers.TextVectorization` mapping strings to int64 ids.

    Example:

    >>> layer = word_vectorizer(["the cat", "the cat", "the dog"])
    >>> layer(["The cat!", "a dog"]).numpy().tolist()
    [[2, 3], [1, 4]]
    """
    return _vectorizer(texts, split="whitespace", standardize=standardize, max_tokens=max_tokens,
                       output_sequence_length=output_sequence_length)


def vocabulary_of(layer_or_vocabulary) -> list[str]:
    """Returns the vocabulary of a lookup layer, or a list of tokens, as a list of Python str."""
    if isinstance(layer_or_vocabulary, (keras.layers.TextVectorization, keras.layers.StringLookup)):
        layer_or_vocabulary = layer_or_vocabulary.get_vocabulary()
    if isinstance(layer_or_vocabulary, (str, bytes)) or not isinstance(
        layer_or_vocabulary, Iterable
    ):
        raise TypeError("`vocabulary` must be a TextVectorization/StringLookup layer or a list of "
                        f"str, got {type(layer_or_vocabulary).__name__}.")
    return [t.decode("utf-8") if isinstance(t, bytes) else str(t) for t in layer_or_vocabulary]


def decode_ids(ids, *, vocabulary, separator: str = "", stop_id: int | None = None):
    """Maps token ids back to text (the inverse of a vectorizer), e.g. to read generated output.

    Padding (id 0) is skipped; OOV (id 1) decodes to `"[UNK]"`; decoding of a row stops at the
    first `stop_id` (e.g. the `<end>` id) when given.

    Args:
        ids: 1-D or 2-D int array/tensor of ids.
        vocabulary: a `TextVectorization`/`StringLookup` layer, or its list of tokens.
        separator: joins the tokens: `""` for characters, `" "` for words or phonemes.
        stop_id: id that ends a row (not included in the output), or `None`.

    Returns:
        A str for 1-D `ids`, a list of str for 2-D `ids`.

    Example:

    >>> layer = char_vectorizer(["hello"])
    >>> decode_ids(layer("hole"), vocabulary=layer)
    'hole'
    """
    vocab = vocabulary_of(vocabulary)
    if not isinstance(separator, str):
        raise TypeError(f"`separator` must be a str, got {type(separator).__name__}.")
    array = np.asarray(ids)
    if array.ndim not in (1, 2) or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"`ids` must be a 1-D or 2-D int array, got shape {array.shape} "
                         f"and dtype {array.dtype}.")
    if array.size and (array.min() < 0 or array.max() >= len(vocab)):
        raise ValueError(f"`ids` must be in [0, {len(vocab)}), got values in "
                         f"[{array.min()}, {array.max()}].")

    def decode_row(row):
        tokens = []
        for i in row.tolist():
            if i == stop_id:
                break
            if i != PAD_ID:
                tokens.append(vocab[i])
        return separator.join(tokens)

    return decode_row(array) if array.ndim == 1 else [decode_row(r) for r in array]


def target_vocabulary(sequences, *, split: str = "whitespace") -> list[str]:
    """Collects the sorted symbol inventory (e.g. phonemes) of a corpus of target strings.

    Args:
        sequences: non-empty list of str such as `["HH AH0 L OW1", ...]`.
        split: `"whitespace"` (space-separated symbols) or `"character"`.

    Returns:
        The sorted list of distinct symbols.

    Example:

    >>> target_vocabulary(["K AE1 T", "T AE1 P"])
    ['AE1', 'K', 'P', 'T']
    """
    sequences = check_strings("sequences", sequences)
    if isinstance(sequences, tf.data.Dataset):
        sequences = [s.decode("utf-8") for s in sequences.as_numpy_iterator()]
    check_choice("split", split, ("whitespace", "character"))
    counts = Counter(sym for s in sequences for sym in (s.split() if split == "whitespace" else s))
    return sorted(counts)


def target_vectorizer(
    vocabulary,
    *,
    start_token: str = "<start>",
    end_token: str = "<end>",
    split: str = "whitespace",
    standardize: str | None = None,
) -> keras.layers.TextVectorization:
    """Builds the seq2seq target lookup: 0 padding, 1 OOV, 2 `<start>`, 3 `<end>`, then symbols.

    Pair it with `teacher_forcing_pair` to get the decoder input/target.

    Args:
        vocabulary: non-empty list of distinct target symbols (e.g. phonemes), without the
            start/end tokens; see `target_vocabulary`.
        start_token: token the decoder starts from (id 2).
        end_token: token that ends a target (id 3).
        split: `"whitespace"` (targets are space-separated symbols) or `"character"`.
        standardize: `None`, `"lower"`, `"strip_punctuation"` or `"lower_and_strip_punctuation"`.

    Returns:
        A `keras.layers.TextVectorization` with a fixed vocabulary (no `adapt` needed).

    Example:

    >>> layer = target_vectorizer(["AE1", "K", "T"])
    >>> layer("K AE1 T").numpy().tolist()
    [5, 4, 6]
    """
    vocab = vocabulary_of(vocabulary)
    check_choice("split", split, ("whitespace", "character"))
    check_choice("standardize", standardize, STANDARDIZE_CHOICES)
    for name, token in (("start_token", start_token), ("end_token", end_token)):
        if not isinstance(token, str) or not token or (split == "whitespace" and " " in token):
            raise ValueError(f"`{name}` must be a non-empty str without spaces, got {token!r}.")
    if not vocab:
        raise ValueError("`vocabulary` must contain at least one symbol, got [].")
    bad = [t for t in vocab if not t or t in ("", OOV_TOKEN, start_token, end_token)]
    if bad or len(set(vocab)) != len(vocab):
        raise ValueError("`vocabulary` must hold distinct non-empty symbols other than "
                         f"'', {OOV_TOKEN!r}, {start_token!r}, {end_token!r}; got {bad or vocab}.")
    return keras.layers.TextVectorization(
        standardize=standardize, split=split, vocabulary=[start_token, end_token, *vocab]
    )


def teacher_forcing_pair(ids, *, start_id: int, end_id: int):
    """Returns `(decoder_input, decoder_target)` = (`<start> y`, `y <end>`), right padded with 0.

    Works on one unpadded target (1-D) or a right-padded batch (2-D); both outputs are one step
    longer than `ids`, so the two stay aligned step by step.

    Args:
        ids: int tensor of target ids, shape `(T,)` or `(batch, T)` padded with 0.
        start_id: id of `<start>` (2 for `target_vectorizer`).
        end_id: id of `<end>` (3 for `target_vectorizer`).

    Returns:
        Tuple of two int tensors of shape `(T + 1,)` or `(batch, T + 1)`.

    Example:

    >>> inp, tgt = teacher_forcing_pair(tf.constant([[7, 8], [9, 0]]), start_id=2, end_id=3)
    >>> inp.numpy().tolist(), tgt.numpy().tolist()
    ([[2, 7, 8], [2, 9, 0]], [[7, 8, 3], [9, 3, 0]])
    """
    for name, value in (("start_id", start_id), ("end_id", end_id)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 2:
            raise ValueError(f"`{name}` must be an int >= 2 (0 is padding, 1 is OOV), "
                             f"got {value!r}.")
    ids = tf.convert_to_tensor(ids)
    if ids.shape.rank not in (1, 2) or not ids.dtype.is_integer:
        raise ValueError(f"`ids` must be a 1-D or 2-D int tensor, got shape {ids.shape} "
                         f"and dtype {ids.dtype.name}.")
    batched = ids if ids.shape.rank == 2 else ids[tf.newaxis]
    starts = tf.fill([tf.shape(batched)[0], 1], tf.cast(start_id, batched.dtype))
    decoder_input = tf.concat([starts, batched], axis=1)
    # `<end>` goes right after the last real token of each row, i.e. at index = row length.
    lengths = tf.reduce_sum(tf.cast(batched != 0, tf.int32), axis=1)
    padded = tf.pad(batched, [[0, 0], [0, 1]])
    ends = tf.one_hot(lengths, tf.shape(padded)[1], dtype=batched.dtype) * tf.cast(end_id,
                                                                                  batched.dtype)
    decoder_target = padded + ends
    if ids.shape.rank == 1:
        return decoder_input[0], decoder_target[0]
    return decoder_input, decoder_target
