"""The in-graph tweet tokenizer is the Python one (`tweet_tokenizer.tokenize`), token for token."""

from __future__ import annotations

import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from rnn_zoo import datasets
from rnn_zoo.preprocessing.tweet_tokenizer import tokenize, tweet_tokens

EDGE_CASES = [
    "I love this!!!!! soooooo happy :) #blessed",
    "@someone_unknown_xyz this is the worst day ever :-( http://t.co/abc",
    "meh. it's ok I guess &amp; whatever, 2 hours wasted",
    "Can't wait for the game tonight <3 <3",
    "Ünïcödé tweet — with “quotes” and 😀 emoji ?!?!",
    "SOOOOOO gooood!!!!! ?!?!?! wow...",
    "don't won't rock'n'roll o'neil's",
    "@User_1 @user_1: hi @ you",
    "visit https://example.com/a?b=c now www.site.org, ok",
    "&amp; &lt;3 &gt; &quot;hi&quot; &#39;quoted&#39; &amp;lt; &amplifier",
    "emoticons :) :-( ;p =D :d ^_^ ^^ (: <3 </3 :/ :\\",
    "numbers 12 3.5 1,000 2nd 42x ² ½",
    "tabs\tand\nnewlines\u00a0nbsp\u2003em-space",
    "Ünïcödé ÉCOLE İstanbul straße ΣΟΦΟΣ 東京 🙂🙂",
    "under_score __init__ a_b_c",
    "",
    "   ",
]


def _graph_tokens(texts):
    tokens = tweet_tokens(tf.constant(texts))
    return [[t.decode("utf-8") for t in row] for row in tokens.to_list()]


def test_edge_cases_match_the_recipe():
    assert _graph_tokens(EDGE_CASES) == [tokenize(t) for t in EDGE_CASES]


@pytest.mark.parametrize("split", ["test"])
def test_test_split_matches_the_recipe(split):
    """Every tweet of the test split tokenizes the same in the graph and in Python."""
    texts = [r["text"].decode("utf-8") for r in
             tfds.as_numpy(datasets.load("tweet_sentiment", split=split))]
    graph = _graph_tokens(texts)
    mismatches = [t for t, g in zip(texts, graph, strict=True) if g != tokenize(t)]
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ, e.g. {mismatches[:3]}"
