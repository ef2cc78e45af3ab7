"""`KneserNey`: an interpolated modified Kneser-Ney n-gram model on a `LanguageModel`'s tokens."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from rnn_zoo._validation import check_choice, check_int
from rnn_zoo.baselines._language import scores, texts_of

__all__ = ["KneserNey", "KneserNeyCounts"]

# The sentence start as a context token. The language model uses id 2 (`<s>`) both to start a
# text and, read as the next token, to end one; n-gram counts must tell the two apart (a
# start is never predicted, an end never a context), so the start gets its own key.
_START = -1


class KneserNeyCounts:
    """Interpolated modified Kneser-Ney estimates (Chen & Goodman 1998) from id sentences.

    Each sentence is scored as `start w_1 ... w_m end`: every `w_i` and the `end` id are
    predicted from at most `order - 1` tokens before them, never reaching past the start.
    The highest order uses raw counts; lower orders use continuation counts (how many
    distinct tokens precede the n-gram), except n-grams that begin at the start, which
    cannot be preceded and keep raw counts (KenLM's convention). Each order has three
    discounts D1, D2, D3+ from its count-of-counts n1..n4 (Y = n1 / (n1 + 2 n2),
    D_c = c - (c + 1) Y n_{c+1} / n_c); when a count-of-count is zero (tiny corpora) or
    `discount` is given, one absolute discount for every count (plain interpolated
    Kneser-Ney). Order 1 is interpolated with the uniform distribution over `size` ids, so
    every id of the vocabulary has a probability and they sum to 1 for every context.

    Args:
        sentences: lists of ids in `[0, size)` (an id outside raises).
        size: number of predictable ids (`distribution` has this length).
        end: the id predicted after each sentence's last token.
        order: tokens per n-gram, >= 1 (1: a discounted unigram).
        discount: None (modified, estimated) or one absolute discount in (0, 1].

    Example:

    >>> counts = KneserNeyCounts([[0, 1], [0, 1, 1]], size=3, end=2, order=2, discount=0.5)
    >>> round(float(counts.distribution([0]).sum()), 6)
    1.0
    """

    def __init__(self, sentences: Iterable[Sequence[int]], *, size: int, end: int,
                 order: int = 3, discount: float | None = None):
        self.size = check_int("size", size, minimum=1)
        self.order = check_int("order", order, minimum=1)
        if not isinstance(end, int) or not 0 <= end < size:
            raise ValueError(f"`end` must be an id in [0, {size}), got {end!r}.")
        if discount is not None and (isinstance(discount, bool) or not isinstance(
                discount, (int, float)) or not 0 < discount <= 1):
            raise ValueError(f"`discount` must be None or a number in (0, 1], got {discount!r}.")
        self.end = end
        # counts[k]: the (k+1)-grams' adjusted counts, as {context: {token: count}}.
        self.counts: list[dict[tuple, Counter]] = [defaultdict(Counter) for _ in range(order)]
        top = 0
        for sentence in sentences:
            row = [_START, *(int(t) for t in sentence), end]
            if any(not 0 <= t < size for t in row[1:]):
                raise ValueError(f"`sentences` holds an id outside [0, {size}).")
            for i in range(1, len(row)):
                gram = tuple(row[max(0, i - order + 1):i + 1])
                # The longest gram a position has is counted raw (its order, or a shorter one
                # that begins at the start).
                self.counts[len(gram) - 1][gram[:-1]][gram[-1]] += 1
                top += 1
        if top == 0:
            raise ValueError("`sentences` is empty: nothing to count.")
        for k in range(order - 1, 0, -1):  # continuation counts of the (k)-grams
            for context, tokens in list(self.counts[k].items()):
                for token in tokens:
                    self.counts[k - 1][context[1:]][token] += 1
        self.discounts = [self._discounts(k, discount) for k in range(order)]
        self._cache: dict[tuple, tuple | None] = {}

    def _discounts(self, k: int, discount) -> tuple[float, float, float]:
        if discount is not None:
            return (float(discount),) * 3
        of = Counter(n for tokens in self.counts[k].values() for n in tokens.values())
        n1, n2, n3, n4 = (of[i] for i in (1, 2, 3, 4))
        if min(n1, n2, n3, n4) == 0:  # too few counts for three discounts: one, or 0.5
            y = n1 / (n1 + 2 * n2) if n1 else 0.5
            return (min(max(y, 0.05), 1.0),) * 3
        y = n1 / (n1 + 2 * n2)
        # Each clipped to (0, c]: a discount above the count would make probabilities negative.
        return tuple(min(max(c - (c + 1) * y * n_next / n_c, 1e-3), float(c))
                     for c, n_c, n_next in ((1, n1, n2), (2, n2, n3), (3, n3, n4)))

    def _terms(self, k: int, context: tuple):
        """`(ids, discounted count / total, gamma)` of a context of `k` tokens, or None when
        it was never seen; computed once per context (a test set reads a few thousand)."""
        key = (k, context)
        if key not in self._cache:
            tokens = self.counts[k].get(context)
            if not tokens:
                self._cache[key] = None
            else:
                ids = np.fromiter(tokens.keys(), np.int64, len(tokens))
                n = np.fromiter(tokens.values(), np.float64, len(tokens))
                d = np.asarray(self.discounts[k])[np.minimum(n, 3).astype(np.int64) - 1]
                total = n.sum()
                # gamma: the discounted mass, given to the lower order.
                self._cache[key] = (ids, (n - d) / total, float(d.sum() / total))
        return self._cache[key]

    def _context(self, context: Sequence[int]) -> tuple:
        context = tuple(context)[-(self.order - 1):] if self.order > 1 else ()
        if _START in context:  # nothing before the start is read
            context = context[len(context) - 1 - context[::-1].index(_START):]
        return context

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """P(token | context) for every id, `(size,)` float64 summing to 1.

        Args:
            context: the ids before the token, oldest first; a sentence's context starts with
                `KneserNeyCounts.START`. Only the last `order - 1` are read.
        """
        context = self._context(context)
        p = np.full(self.size, 1.0 / self.size)
        for k in range(len(context) + 1):
            terms = self._terms(k, context[len(context) - k:])
            if terms is None:  # unseen context: the lower order's distribution unchanged
                continue
            ids, weights, gamma = terms
            p *= gamma
            p[ids] += weights
        return p

    START = _START


class KneserNey:
    """An interpolated modified Kneser-Ney n-gram model on a `LanguageModel`'s own tokens.

    Fitted on the training texts of the run and scored on the test texts with exactly the
    tokens `LanguageModel(level=..., min_count=..., max_tokens=...)` trains and scores on:
    its tokenizer and vocabulary code (lower-cased words and punctuation of
    `rnn_zoo.preprocessing.text_standardizer` at `level="word"`; tokens seen fewer than
    `min_count` times in the train texts are `[UNK]`, itself a predicted token), and its
    targets: every token of every text, then the boundary `<s>` that starts the next text
    (the end of this one), so the last text's end is not scored and `tokens` equals
    `LanguageModel.evaluate`'s. Contexts never reach into the previous text. The distribution
    is over every id but padding (`<s>` read as the end, `[UNK]`, the learnt tokens); the
    estimator is `KneserNeyCounts`. Returns the `LanguageModel.evaluate` names: `loss`
    (nats per token), `bits_per_token`, `perplexity`, `accuracy` (the most likely token is
    the next one) and `tokens`. `order=1` is a (discounted) unigram model.

    Args:
        order: tokens per n-gram (the predicted one and its context), >= 1.
        level: `"word"` or `"char"`, as the language model's.
        min_count: as the language model's (default 2, its default).
        max_tokens: as the language model's (default 20,000, its default).
        discount: None: three discounts per order estimated from the counts (modified
            Kneser-Ney); a number in (0, 1]: that absolute discount for every count.

    Example:

    >>> texts = ["a man in a red shirt .", "a dog in a red car ."] * 5
    >>> scores = KneserNey(order=3, min_count=1)((texts, None), None, (texts[:2], None))
    >>> scores["tokens"], scores["perplexity"] < 2.0  # 7 words, the end of the first, 7 words
    (15, True)
    """

    def __init__(self, *, order: int = 3, level: str = "word", min_count: int = 2,
                 max_tokens: int = 20_000, discount: float | None = None):
        self.order = check_int("order", order, minimum=1)
        self.level = check_choice("level", level, ("word", "char"))
        self.min_count = check_int("min_count", min_count, minimum=1)
        self.max_tokens = check_int("max_tokens", max_tokens, minimum=4)
        if discount is not None and (isinstance(discount, bool) or not isinstance(
                discount, (int, float)) or not 0 < discount <= 1):
            raise ValueError(f"`discount` must be None or a number in (0, 1], got {discount!r}.")
        self.discount = discount

    def __call__(self, train, validation, test) -> dict:
        from rnn_zoo.tasks.language_model import BOUNDARY_ID, LanguageModel

        del validation  # the discounts come from the training counts
        lm = LanguageModel(level=self.level, min_count=self.min_count,
                           max_tokens=self.max_tokens, boundary=True)
        train_texts = texts_of("train", train)
        lm._adapt(train_texts, None)  # the task's own vocabulary code, on the same texts
        vocabulary = lm.state["vocabulary"]
        index = {t: i for i, t in enumerate(vocabulary)}

        def sentences(texts):  # ids shifted by one: padding (id 0) is never predicted
            return [[index.get(t, 1) - 1 for t in row] for row in lm._tokens(texts)]

        end = BOUNDARY_ID - 1
        counts = KneserNeyCounts(sentences(train_texts), size=len(vocabulary) - 1, end=end,
                                 order=self.order, discount=self.discount)
        rows = sentences(texts_of("test", test))
        # (context, target) of every target the language model scores (see the docstring).
        by_context: dict[tuple, list[int]] = defaultdict(list)
        for j, row in enumerate(rows):
            full = [KneserNeyCounts.START, *row, *([end] if j < len(rows) - 1 else [])]
            for i in range(1, len(full)):
                by_context[counts._context(full[:i])].append(full[i])
        nats, hits, count = 0.0, 0, 0
        for context, targets in by_context.items():
            p = counts.distribution(context)
            targets = np.asarray(targets)
            nats -= float(np.log(p[targets]).sum())
            hits += int((targets == int(np.argmax(p))).sum())
            count += len(targets)
        if count == 0:
            raise ValueError("The test texts have no token to score.")
        return scores(nats, hits, count)

