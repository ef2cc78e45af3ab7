"""The tweet tokenizer, twice: plain Python (training, `predict`) and `tf.strings` (in the graph).

`tokenize` is what the `tweet_sentiment` recipe trains and scores with; `tweet_tokens` is the
same rules in TensorFlow ops (RE2), so a SavedModel takes raw tweets. Both: HTML entities
unescaped, lower-cased, URLs -> `<url>`, letters repeated 4+ times cut to 3, tokens are words
(with inner apostrophes), @handles, emoticons, runs of `!`/`?` (cut to 3) and single punctuation
marks, digit runs -> `<num>`. `tests/export/test_export_text.py` checks them token for token.

>>> tokenize("Sooooo GOOD!!!! :) http://t.co/x 2 &amp; more")
['sooo', 'good', '!!!', ':)', '<url>', '<num>', '&', 'more']

TensorFlow is imported inside `tweet_tokens` only, so this module imports without it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

__all__ = ["LEGACY_NAMES", "NAME", "tokenize", "tokenizer_named", "tweet_tokens"]

# What a run's `metrics.json` records as `preprocessing.tokenizer`.
NAME = "rnn_zoo.preprocessing.tweet_tokenizer.tokenize"
# Names earlier runs recorded for the same function: the published `tweet_sentiment` preset's
# metrics.json names the recipe's copy (checksummed, so it keeps the old name until republished).
LEGACY_NAMES = frozenset({"recipes.tweet_sentiment.tokenize"})

# --- Python ------------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+|www\.\S+")
_REPEAT = re.compile(r"([a-z])\1{3,}")
_EMOTICON = r"[:;=][-o'^]?[)(\]\[dp/\\|*3]|<3|\^_?\^|[)(\]\[][-o'^]?[:;=]"
_TOKEN = re.compile(rf"<url>|{_EMOTICON}|@\w+|\w+(?:'\w+)*|[!?]+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """The tokens of one raw tweet (see the module docstring).

    Args:
        text: one tweet, a str.
    """
    text = _URL.sub(" <url> ", html.unescape(text).lower())
    text = _REPEAT.sub(r"\1\1\1", text)
    tokens = []
    for token in _TOKEN.findall(text):
        if token.isdigit():
            token = "<num>"
        elif token[0] in "!?" and len(token) > 3:
            token = token[:3]
        tokens.append(token)
    return tokens


def tokenizer_named(name: str) -> Callable[[str], list[str]]:
    """The tokenizer a run or preset names in `preprocessing.tokenizer` (`NAME`, or one of
    `LEGACY_NAMES`); any other name raises a one-line ValueError.

    Args:
        name: the recorded name.
    """
    if name == NAME or name in LEGACY_NAMES:
        return tokenize
    raise ValueError(f"`tokenizer` {name!r} is not a known tokenizer; expected {NAME!r}.")


# --- TensorFlow ops ----------------------------------------------------------------------------

# RE2 has no Unicode-aware \w/\s and no back-references; these classes follow Python's `re` on
# str (\w = letters, digits, underscore; \s = Unicode whitespace).
_W = r"\p{L}\p{N}_"
_SPACE = r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}]+"
_RE2_TOKEN = rf"<url>|{_EMOTICON}|@[{_W}]+|[{_W}]+(?:'[{_W}]+)*|[!?]+|[^{_W}\s]"
# html.unescape for the entities tweets carry (the check against `tokenize` counts the rest).
_ENTITIES = (
    (r"&(?:quot|QUOT);?|&#0*34;|&#[xX]0*22;", '"'),
    (r"&(?:apos);|&#0*39;|&#[xX]0*27;", "'"),
    (r"&(?:lt|LT);?|&#0*60;|&#[xX]0*3[cC];", "<"),
    (r"&(?:gt|GT);?|&#0*62;|&#[xX]0*3[eE];", ">"),
    (r"&nbsp;?|&#0*160;|&#[xX]0*[aA]0;", "\u00a0"),
    # Last, so that "&amp;lt;" becomes "&lt;" exactly as html.unescape leaves it.
    (r"&(?:amp|AMP);?|&#0*38;|&#[xX]0*26;", "&"),
)
_DIGITS = r"[\p{Nd}\x{b2}\x{b3}\x{b9}\x{2070}\x{2074}-\x{2079}\x{2080}-\x{2089}]+"


def tweet_tokens(texts):
    """`tokenize` in TensorFlow ops: a batch of tweets -> a `tf.RaggedTensor` of tokens.

    HTML entities unescaped (the common ones), lower-cased, URLs -> `<url>`, letters repeated
    4+ times cut to 3, tokens found with `tokenize`'s pattern, digit runs -> `<num>`, runs of
    `!`/`?` cut to 3.

    Args:
        texts: a 1-D string tensor (or anything `tf.strings` accepts) of raw tweets.
    """
    import tensorflow as tf

    text = texts
    for pattern, replacement in _ENTITIES:
        text = tf.strings.regex_replace(text, pattern, replacement.replace("\\", "\\\\"))
    text = tf.strings.lower(text, encoding="utf-8")
    # One space for any Unicode whitespace: RE2's \s and \S are ASCII-only.
    text = tf.strings.regex_replace(text, _SPACE, " ")
    text = tf.strings.regex_replace(text, r"https?://\S+|www\.\S+", " <url> ")
    for letter in "abcdefghijklmnopqrstuvwxyz":
        text = tf.strings.regex_replace(text, letter + "{4,}", letter * 3)
    # Every non-space character belongs to some match, so spacing out the matches and
    # splitting on spaces yields exactly re.findall's tokens.
    tokens = tf.strings.split(tf.strings.regex_replace(text, _RE2_TOKEN, r" \0 "))
    tokens = tf.ragged.map_flat_values(
        lambda t: tf.where(tf.strings.regex_full_match(t, _DIGITS), "<num>", t), tokens)
    return tf.ragged.map_flat_values(
        lambda t: tf.strings.regex_replace(t, r"^([!?]{3})[!?]+$", r"\1"), tokens)
