"""Subword tokenization that travels with a model: raw cased text <-> subword pieces.

`learn_subwords` learns a piece vocabulary from training text (byte-pair-encoding merges over
the text's words, plain Python); `SubwordTokenizer` splits raw strings into those pieces in the
graph (greedy longest match, WordPiece's inference rule, `tf` ops only, so a saved model needs
no custom op), and `SubwordDetokenizer` joins pieces back into the raw text.

The text's spacing is part of the pieces, as in SentencePiece: every whitespace-separated word
starts with the marker `"▁"` (U+2581), so `"A man, smiling."` is the words `"▁A"`, `"▁man,"`,
`"▁smiling."`, which split into pieces such as `"▁A" "▁man" "," "▁smil" "ing" "."`. Joining the
pieces and turning each marker back into a space restores the text exactly, case and
punctuation included, up to whitespace: runs of whitespace read as one space, and leading or
trailing whitespace is dropped. A `"▁"` in the input reads as whitespace. A character the
vocabulary lacks becomes the piece `"[UNK]"` (that character only); invalid UTF-8 bytes read as
U+FFFD first, so every string has a defined tokenization.

>>> pieces = learn_subwords(["a man runs", "a man sits"], vocab_size=20)
>>> import tensorflow as tf
>>> layer = SubwordTokenizer(vocabulary=pieces)
>>> layer(tf.constant(["A man runs!"])).numpy()[0].decode()
'▁ [UNK] ▁man ▁runs [UNK]'
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import keras

from rnn_zoo._validation import check_bool, check_int

__all__ = ["MARKER", "SubwordDetokenizer", "SubwordTokenizer", "detokenize_pieces",
           "learn_subwords", "piece_table", "pretokenize", "subword_texts"]

MARKER = "\u2581"
UNKNOWN = "[UNK]"
# Whitespace of any kind, the marker itself included (it is how pieces spell a space).
_SPACE = r"[\s\x{a0}\x{2000}-\x{200b}\x{2028}\x{2029}\x{3000}\x{2581}]+"
# One punctuation mark or symbol, with the marker before it if it has one.
_SYMBOL = "\u2581?[^\\pL\\pN\\pM\\s\u2581]"


def pretokenize(texts, *, lowercase: bool = False, tf=None):
    """A batch of strings -> its words, `[batch, (words)]` (TensorFlow ops).

    Whitespace separates words and each word after whitespace (the first included) starts
    with the marker; each punctuation mark or symbol is a word of its own (with the marker
    when whitespace precedes it), so pieces never span a word and its punctuation. Invalid
    UTF-8 reads as U+FFFD.
    """
    if tf is None:
        import tensorflow as tf
    texts = tf.convert_to_tensor(texts, tf.string)
    text = tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace",
                                        replacement_char=0xFFFD)
    text = tf.strings.strip(tf.strings.regex_replace(text, _SPACE, " "))
    if lowercase:
        text = tf.strings.lower(text, encoding="utf-8")
    marked = tf.strings.join([MARKER, tf.strings.regex_replace(text, " ", " " + MARKER)])
    marked = tf.strings.regex_replace(marked, _SYMBOL, r" \0 ")
    return tf.strings.split(tf.where(text == "", "", marked))


def learn_subwords(texts: Iterable[str], *, vocab_size: int, lowercase: bool = False,
                   max_piece_length: int = 16) -> list[str]:
    """Learns a subword vocabulary from `texts` with byte-pair-encoding merges.

    Starts from every character of the texts' words (the marker included) and merges the most
    frequent adjacent pair of pieces, counted over the words weighted by their frequency, until
    the vocabulary holds `vocab_size` pieces or no pair is left (ties: the pair that sorts
    first). `SubwordTokenizer` then splits a word by greedy longest match over the pieces.

    Args:
        texts: the training strings (one side of the training pairs only).
        vocab_size: most pieces (>= 1); every character of the texts is kept even if they
            alone exceed it.
        lowercase: lower-case the texts first (as the tokenizer will).
        max_piece_length: longest piece, in characters (a merge past it is skipped).

    Returns:
        The pieces, most frequent first (the characters, then the merges in merge order).
    """
    vocab_size = check_int("vocab_size", vocab_size)
    max_piece_length = check_int("max_piece_length", max_piece_length)
    check_bool("lowercase", lowercase)
    texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"`texts[{i}]` must be a str, got {type(text).__name__}.")
    if not texts:
        raise ValueError("`texts` is empty; give the training strings to learn from.")
    words = pretokenize(texts, lowercase=lowercase).flat_values.numpy()
    counts = Counter(w.decode("utf-8") for w in words)
    words = [list(w) for w in counts]
    freqs = list(counts.values())
    chars: Counter = Counter()
    for word, n in zip(words, freqs, strict=True):
        for ch in word:
            chars[ch] += n
    vocabulary = sorted(chars, key=lambda c: (-chars[c], c))
    pairs: Counter = Counter()
    where: defaultdict = defaultdict(set)
    for i, word in enumerate(words):
        for pair in zip(word, word[1:], strict=False):
            pairs[pair] += freqs[i]
            where[pair].add(i)
    # A max-heap with lazy deletion: an entry is stale when its count is no longer current.
    heap = [(-n, pair) for pair, n in pairs.items()]
    heapq.heapify(heap)
    known = set(vocabulary)
    while len(vocabulary) < vocab_size and heap:
        negative, pair = heapq.heappop(heap)
        if pairs.get(pair, 0) != -negative or -negative <= 0:
            continue
        merged = pair[0] + pair[1]
        if len(merged) > max_piece_length:
            del pairs[pair]
            continue
        if merged not in known:
            known.add(merged)
            vocabulary.append(merged)
        changed = set()
        for i in list(where[pair]):
            word, n = words[i], freqs[i]
            for old in zip(word, word[1:], strict=False):
                pairs[old] -= n
                changed.add(old)
            new, k = [], 0
            while k < len(word):
                if k + 1 < len(word) and (word[k], word[k + 1]) == pair:
                    new.append(merged)
                    k += 2
                else:
                    new.append(word[k])
                    k += 1
            words[i] = new
            for p in zip(new, new[1:], strict=False):
                pairs[p] += n
                where[p].add(i)
                changed.add(p)
        del where[pair]
        for p in changed:
            if pairs[p] > 0:
                heapq.heappush(heap, (-pairs[p], p))
            else:
                pairs.pop(p, None)
    return vocabulary


def piece_table(vocabulary: Sequence[str], *, tf=None):
    """A lookup table piece -> its index in `vocabulary` (-1 for any other string)."""
    if tf is None:
        import tensorflow as tf
    return tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(tf.constant(list(vocabulary), tf.string),
                                            tf.range(len(vocabulary), dtype=tf.int64)),
        default_value=-1)


def subword_texts(texts, *, vocabulary: Sequence[str], lowercase: bool = False,
                  max_piece_length: int | None = None, table=None, tf=None):
    """A batch of strings -> the same strings as space-separated pieces (TensorFlow ops).

    Each word (with its marker) is split left to right, each time taking the longest piece of
    `vocabulary` (at most `max_piece_length` characters; default the longest piece) that
    starts there, or `"[UNK]"` for one character when no piece does. `table`: the
    vocabulary's `piece_table`, made once by the caller (a layer, so that a SavedModel tracks
    it); default a new one.
    """
    if tf is None:
        import tensorflow as tf
    width = max_piece_length or max(len(p) for p in vocabulary)
    table = piece_table(vocabulary, tf=tf) if table is None else table
    sentences = pretokenize(texts, lowercase=lowercase, tf=tf)  # [batch, (words)]
    words = sentences.flat_values
    lengths = tf.strings.length(words, unit="UTF8_CHAR")
    count = tf.shape(words)[0]
    sizes = tf.range(1, width + 1)

    def step(t, position, found, found_lengths):
        # Every candidate piece at each word's position, longest last: [words, width].
        starts = tf.repeat(position[:, None], width, axis=1)
        spans = tf.broadcast_to(sizes[None, :], tf.shape(starts))
        fits = starts + spans <= lengths[:, None]
        flat = tf.strings.substr(tf.reshape(tf.repeat(words[:, None], width, axis=1), [-1]),
                                 tf.reshape(starts, [-1]), tf.reshape(spans, [-1]),
                                 unit="UTF8_CHAR")
        known = tf.logical_and(tf.reshape(table.lookup(flat) >= 0, tf.shape(starts)), fits)
        longest = tf.reduce_max(tf.where(known, spans, 0), axis=1)
        active = position < lengths
        taken = tf.where(active, tf.maximum(longest, 1), 0)
        piece = tf.strings.substr(words, tf.minimum(position, lengths), taken,
                                  unit="UTF8_CHAR")
        piece = tf.where(longest > 0, piece, UNKNOWN)
        return (t + 1, position + taken, found.write(t, piece),
                found_lengths.write(t, tf.cast(active, tf.int64)))

    _, _, found, active = tf.while_loop(
        lambda t, position, *_: tf.reduce_any(position < lengths),
        step,
        (tf.constant(0), tf.zeros_like(lengths), tf.TensorArray(tf.string, 0, True),
         tf.TensorArray(tf.int64, 0, True)),
        maximum_iterations=tf.reduce_max(tf.concat([lengths, [0]], 0)))
    steps = found.size()
    # [steps, words] -> each word's pieces in order (inactive steps dropped).
    pieces = tf.transpose(tf.reshape(found.stack(), [steps, count]))
    mask = tf.transpose(tf.reshape(active.stack(), [steps, count])) > 0
    per_word = tf.ragged.boolean_mask(pieces, mask)
    per_word = tf.strings.reduce_join(per_word, axis=1, separator=" ")
    per_sentence = tf.RaggedTensor.from_row_splits(per_word, sentences.row_splits)
    return tf.strings.reduce_join(per_sentence, axis=1, separator=" ")


def detokenize_pieces(pieces, *, tf=None):
    """Space-separated pieces -> the raw text (TensorFlow ops): the pieces joined, each marker
    a space, the leading one dropped."""
    if tf is None:
        import tensorflow as tf
    text = tf.strings.regex_replace(pieces, " ", "")
    return tf.strings.strip(tf.strings.regex_replace(text, MARKER, " "))


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SubwordTokenizer(keras.layers.Layer):
    """Raw strings -> space-separated subword pieces, so a whitespace `TextVectorization` can
    look them up (see the module docstring for the pieces).

    Args:
        vocabulary: the pieces (`learn_subwords`); a non-empty list of distinct non-empty
            strings without whitespace.
        lowercase: lower-case the text first (Unicode-aware).

    Example:

    >>> import tensorflow as tf
    >>> layer = SubwordTokenizer(vocabulary=["▁", "a", "b", "ab", "▁ab", "▁a"])
    >>> [t.decode() for t in layer(tf.constant(["ab aab", ""])).numpy()]
    ['▁ab ▁a ab', '']
    """

    def __init__(self, *, vocabulary, lowercase: bool = False, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        if isinstance(vocabulary, str) or not isinstance(vocabulary, (list, tuple)) \
                or not vocabulary or not all(isinstance(p, str) and p for p in vocabulary):
            raise TypeError("`vocabulary` must be a non-empty list of non-empty str (the "
                            "pieces of learn_subwords).")
        if len(set(vocabulary)) != len(vocabulary) or any(
                len(p.split()) != 1 or p.split()[0] != p for p in vocabulary):
            raise ValueError("`vocabulary` must hold distinct pieces without whitespace.")
        self.vocabulary = list(vocabulary)
        self.lowercase = check_bool("lowercase", lowercase)
        self._table = None

    def call(self, inputs):
        import tensorflow as tf

        if self._table is None:
            # Made once, outside any traced function, as an attribute: an exported SavedModel
            # tracks it (a table made inside the traced call would be an untracked resource).
            with tf.init_scope():
                self._table = piece_table(self.vocabulary, tf=tf)
        return subword_texts(inputs, vocabulary=self.vocabulary, lowercase=self.lowercase,
                             table=self._table, tf=tf)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="string")

    def get_config(self):
        return {**super().get_config(), "vocabulary": self.vocabulary,
                "lowercase": self.lowercase}


@keras.saving.register_keras_serializable(package="rnn_zoo")
class SubwordDetokenizer(keras.layers.Layer):
    """Space-separated subword pieces -> raw text (the inverse of `SubwordTokenizer`).

    Example:

    >>> import tensorflow as tf
    >>> layer = SubwordDetokenizer()
    >>> layer(tf.constant(["▁A ▁man , ▁smil ing ."])).numpy()[0].decode()
    'A man, smiling.'
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)

    def call(self, inputs):
        import tensorflow as tf

        return detokenize_pieces(inputs, tf=tf)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype="string")
