"""Preprocessing that travels with a model: Python and `tf.strings` versions of the same rules.

The layer under the topologies: it imports no other part of rnn_zoo, and TensorFlow only
inside the functions that build graph ops.

- `tweet_tokenizer`: the tweet tokenizer (`tokenize`) and its TensorFlow twin (`tweet_tokens`).

>>> from rnn_zoo.preprocessing import tweet_tokenizer
>>> tweet_tokenizer.tokenize("@bob soooo good :)")
['@bob', 'sooo', 'good', ':)']
"""

from rnn_zoo.preprocessing import tweet_tokenizer

__all__ = ["tweet_tokenizer"]
