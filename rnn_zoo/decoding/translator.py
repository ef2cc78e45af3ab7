"""`Translator`: a trained token encoder-decoder as one graph from raw strings to strings.

Vectorization (a `TextVectorization` over the source vocabulary), the search (`greedy_search` or
`beam_search`) and detokenization (a gather over the target vocabulary) all run inside one
`tf.function`, so the translator can be saved as a SavedModel whose signature takes and returns
strings. Strings need TensorFlow, so unlike the builders this module is TensorFlow-only.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import tensorflow as tf

from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.decoding.parts import encoder_decoder_parts
from rnn_zoo.decoding.search import beam_search, check_beam_width, greedy_search

SEARCHES = ("greedy", "beam")
_SPECIAL = ("", "[UNK]")


def _vocabulary(name, vocabulary, *, reserved):
    if isinstance(vocabulary, str) or not isinstance(vocabulary, Sequence):
        raise TypeError(f"`{name}` must be a list of str, got {type(vocabulary).__name__}.")
    vocabulary = list(vocabulary)
    if vocabulary[:len(reserved)] != list(reserved) or not all(
            isinstance(t, str) for t in vocabulary):
        raise ValueError(f"`{name}` must be a list of str starting with {list(reserved)} (ids 0, "
                         f"1, ...: what `vocabulary_of(vectorizer)` returns), got "
                         f"{vocabulary[:len(reserved) + 2]}...")
    return vocabulary


class Translator(tf.Module):
    """Maps a batch of strings to decoded strings with a trained token encoder-decoder.

    Args:
        model: an `rnn_zoo.encoder_decoder` model with token sources (`source_tokens`).
        source_vocabulary: the source vectorizer's vocabulary, id order, starting with
            `""` (padding) and `"[UNK]"`; see `rnn_zoo.data.vocabulary_of`.
        target_vocabulary: the target vocabulary, id order, starting with `""`, `"[UNK]"`,
            `start_token`, `end_token` (what `rnn_zoo.data.target_vectorizer` builds).
        source_split: `"character"` (e.g. letters of a word) or `"whitespace"`.
        source_standardize: the source standardization, e.g. `"lower"`, or None.
        target_separator: joins the output tokens (`" "` for phonemes or words).
        search: `"greedy"` or `"beam"`.
        beam_width: hypotheses kept by beam search, in [1, target vocabulary size] (the
            cap `rnn_zoo.decoding.search.check_beam_width` explains).
        length_penalty: beam search's length-normalisation exponent (>= 0).
        max_length: output tokens at most, end token included (>= 1).
        name: module name.

    Calling the translator with a list or 1-D tensor of strings returns a dict of tensors:
    `outputs` (decoded strings), `ids` `(batch, max_length)`, `scores` (summed
    log-probabilities) and `attention` `(batch, max_length, source_time)`. Upper case is
    standardized away when the source vocabulary was (`source_standardize`), characters outside
    the vocabulary read as `[UNK]`, and an empty (or all-padding) source decodes to `""`.

    Example:

    >>> from rnn_zoo import encoder_decoder
    >>> model = encoder_decoder(source_vocab_size=5, target_vocab_size=6, units=4)
    >>> translator = Translator(model, source_vocabulary=["", "[UNK]", "a", "b", "c"],
    ...                         target_vocabulary=["", "[UNK]", "<s>", "</s>", "X", "Y"],
    ...                         max_length=3)
    >>> out = translator(["abc", ""])
    >>> out["outputs"].shape, out["outputs"][1].numpy()
    (TensorShape([2]), b'')
    """

    def __init__(
        self,
        model: keras.Model,
        *,
        source_vocabulary: Sequence[str],
        target_vocabulary: Sequence[str],
        source_split: str = "character",
        source_standardize: str | None = "lower",
        target_separator: str = " ",
        search: str = "beam",
        beam_width: int = 4,
        length_penalty: float = 0.0,
        max_length: int = 32,
        name: str = "translator",
    ):
        super().__init__(name=name)
        self.parts = encoder_decoder_parts(model)
        if self.parts.encoder.inputs[0].dtype != "int32":
            raise ValueError("`model` must take token sources (`source_tokens`); a model with "
                             "float sources has no string front end.")
        source_vocabulary = _vocabulary("source_vocabulary", source_vocabulary,
                                        reserved=_SPECIAL)
        target_vocabulary = _vocabulary("target_vocabulary", target_vocabulary,
                                        reserved=_SPECIAL)
        if len(target_vocabulary) < 5:
            raise ValueError("`target_vocabulary` must hold '', '[UNK]', the start and end "
                             f"tokens and at least one symbol, got {target_vocabulary}.")
        check_choice("source_split", source_split, ("character", "whitespace"))
        check_choice("search", search, SEARCHES)
        if not isinstance(target_separator, str):
            raise TypeError(f"`target_separator` must be a str, got {target_separator!r}.")
        self.config = {
            "source_split": source_split, "source_standardize": source_standardize,
            "target_separator": target_separator, "search": search,
            "beam_width": check_beam_width(
                check_int("beam_width", beam_width),
                vocab=int(self.parts.decoder_step.output["logits"].shape[-1])),
            "length_penalty": float(length_penalty),
            "max_length": check_int("max_length", max_length),
        }
        self.model = model
        self.source_vectorizer = keras.layers.TextVectorization(
            standardize=source_standardize, split=source_split,
            vocabulary=source_vocabulary[len(_SPECIAL):])
        self.source_vectorizer(tf.constant([""]))  # builds it, so SavedModel export can track it
        self.source_vocabulary = source_vocabulary
        self.target_vocabulary = target_vocabulary
        self.target_tokens = tf.constant(target_vocabulary)
        self.start_id, self.end_id = 2, 3
        self.translate = tf.function(
            self._translate, input_signature=[tf.TensorSpec([None], tf.string, name="texts")])

    def __call__(self, texts):
        texts = tf.convert_to_tensor(texts, tf.string)
        if texts.shape.rank != 1:
            raise ValueError(f"`texts` must be a 1-D batch of strings, got shape {texts.shape}.")
        return self.translate(texts)

    def search_ids(self, source_ids):
        """Runs the configured search on `(batch, S)` int32 source ids; returns a SearchResult."""
        kwargs = {"start_id": self.start_id, "end_id": self.end_id,
                  "max_length": self.config["max_length"],
                  "forbidden_ids": (0, 1, self.start_id)}
        if self.config["search"] == "greedy":
            return greedy_search(self.parts, source_ids, **kwargs)
        return beam_search(self.parts, source_ids, beam_width=self.config["beam_width"],
                           length_penalty=self.config["length_penalty"], **kwargs)

    def detokenize(self, ids):
        """`(batch, T)` target ids -> strings: symbols up to the end token, joined."""
        # Symbols only, and nothing after the first end token (or padding).
        before_end = tf.math.cumsum(tf.cast(ids <= self.end_id, tf.int32), axis=1) == 0
        keep = tf.logical_and(ids > self.end_id, before_end)
        tokens = tf.ragged.boolean_mask(tf.gather(self.target_tokens, ids), keep)
        return tf.strings.reduce_join(tokens, axis=1, separator=self.config["target_separator"])

    def translate_codepoints(self, codepoints):
        """Decodes sources given as Unicode code points instead of strings (for TFLite).

        TFLite has no builtin kernels for splitting strings, so this entry point takes each
        source as int32 code points (`ord(c)`, right padded with 0) and maps them to ids with a
        gather over a code-point table (upper case folded when the source is lower-cased; code
        points outside the table read as `[UNK]`). Output tokens are strings gathered from the
        target vocabulary (`""` after the end), which TFLite's builtin GATHER supports. Shapes
        come from `codepoints`, so tracing it with a static shape gives a static graph.

        Args:
            codepoints: `(batch, source_time)` int32 tensor.

        Returns:
            Dict with `tokens` `(batch, max_length)` strings, `ids` and `scores`.
        """
        table, size = self._codepoint_table()
        codepoints = tf.convert_to_tensor(codepoints, tf.int32)
        inside = codepoints < size
        source = tf.where(inside, tf.gather(table, tf.where(inside, codepoints, 0)), 1)
        found = self.search_ids(tf.where(codepoints > 0, source, 0))
        before_end = tf.math.cumsum(tf.cast(found.ids <= self.end_id, tf.int32), axis=1) == 0
        visible = tf.where(tf.logical_and(found.ids > self.end_id, before_end), found.ids, 0)
        return {"tokens": tf.gather(self.target_tokens, visible), "ids": found.ids,
                "scores": found.scores}

    def codepoints_function(self, *, max_source_length: int, batch_size: int | None = 1):
        """`translate_codepoints` as a `tf.function` with input `codepoints`
        `(batch_size, max_source_length)` int32 (`batch_size=None`: dynamic batch)."""
        length = check_int("max_source_length", max_source_length)
        if batch_size is not None:
            batch_size = check_int("batch_size", batch_size)
        spec = tf.TensorSpec([batch_size, length], tf.int32, name="codepoints")
        return tf.function(self.translate_codepoints, input_signature=[spec])

    def _codepoint_table(self):
        if self.config["source_split"] != "character" or self.config["source_standardize"] \
                not in (None, "lower"):
            raise ValueError("Code-point inputs need a character-level source standardized with "
                             f"None or 'lower'; this translator has {self.config}.")
        index = {token: i for i, token in enumerate(self.source_vocabulary) if i >= 2}
        lower = self.config["source_standardize"] == "lower"
        # Every code point up to the largest one a vocabulary character (or, when lower-casing,
        # its upper case) has; 0 stays padding, the rest read as their standardized character.
        known = [c for t in index for c in (t, t.upper() if lower else t) if len(c) == 1]
        size = max(128, max(map(ord, known), default=0) + 1)
        ids = [0] + [index.get(chr(c).lower() if lower else chr(c), 1) for c in range(1, size)]
        return tf.constant(ids, tf.int32), size

    def _translate(self, texts):
        ids = tf.cast(self.source_vectorizer(texts), tf.int32)
        # An all-empty batch vectorizes to zero columns; one padding column keeps shapes valid.
        ids = tf.pad(ids, [[0, 0], [0, tf.maximum(0, 1 - tf.shape(ids)[1])]])
        found = self.search_ids(ids)
        empty = tf.reduce_all(tf.equal(ids, 0), axis=1, keepdims=True)
        out_ids = tf.where(empty, 0, found.ids)
        return {"outputs": self.detokenize(out_ids), "ids": out_ids, "scores": found.scores,
                "attention": found.attention}
