"""`CharNgram`: an add-one-smoothed character n-gram model, the count-based language model."""

from __future__ import annotations

import math
from collections import Counter

from rnn_zoo.baselines._language import scores, texts_of

__all__ = ["CharNgram"]



class CharNgram:
    """A character n-gram model with add-one (Laplace) smoothing, fit on the training text.

    The vocabulary is padding, `[UNK]` and every training character, as a character
    `LanguageModel` with `min_count=1` and no boundary token has; test characters outside it
    count as `[UNK]`. Every character of a text after the first (the ones such a language model
    predicts; after the first `order - 1` when that is more) is scored given the `order - 1`
    before it, and contexts never cross from one text to the next: `order=1` is the unigram
    model, `order=2` the bigram model. Returns the `LanguageModel.evaluate` names:
    `loss` (nats per character), `bits_per_token`, `perplexity`, `accuracy` (the most likely
    character given the context is the next one) and `tokens` (characters scored).

    Args:
        order: characters per n-gram (the scored one and its context), >= 1.

    Example:

    >>> scores = CharNgram(order=2)((["abababab"], None), None, (["abab"], None))
    >>> round(scores["loss"], 4), scores["accuracy"], scores["tokens"]
    (0.4999, 1.0, 3)
    """

    def __init__(self, *, order: int = 2):
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ValueError(f"`order` must be an int >= 1, got {order!r}.")
        self.order = order

    def __call__(self, train, validation, test) -> dict:
        texts = texts_of("train", train)
        known = set("".join(texts))
        size = len(known) + 2  # padding and [UNK] have ids too, and share the smoothing
        context = self.order - 1
        first = max(1, context)  # the first character of a text is no next character

        def ids(text):  # a character outside the vocabulary is [UNK]
            return [ch if ch in known else "[UNK]" for ch in text]

        grams, contexts = Counter(), Counter()
        for text in texts:
            row = ids(text)
            for i in range(context, len(row)):
                grams[tuple(row[i - context:i + 1])] += 1
                contexts[tuple(row[i - context:i])] += 1
        best = {}
        for gram, n in grams.items():
            key = gram[:-1]
            if n > best.get(key, (0, ""))[0] or (n == best[key][0] and gram[-1] < best[key][1]):
                best[key] = (n, gram[-1])
        nats, hits, count = 0.0, 0, 0
        for text in texts_of("test", test):
            row = ids(text)
            for i in range(first, len(row)):
                key = tuple(row[i - context:i])
                nats -= math.log((grams[(*key, row[i])] + 1) / (contexts[key] + size))
                hits += best.get(key, (0, None))[1] == row[i]
                count += 1
        if count == 0:
            raise ValueError(f"The test text has no character after the first {first}; "
                             "nothing to score.")
        return scores(nats, hits, count)

