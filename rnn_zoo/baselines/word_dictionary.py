"""`WordDictionary`: word-by-word translation with a dictionary learned from the training pairs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from rnn_zoo._validation import check_bool, check_int

__all__ = ["WordDictionary"]


class WordDictionary:
    """Translates each source word on its own: its most strongly co-occurring target word.

    Fitted on the training pairs: both sides are Moses-tokenised and lower-cased, IBM Model 1
    (Brown et al. 1993: word translation probabilities `t(target | source)`, a NULL source word
    in every pair, EM from uniform) is fitted on them, and each source word is paired with its
    most probable target word (ties: the word that sorts first). Unlike the most frequent
    co-occurring word, which is `.` or `ein` for nearly every English word, the alignment model
    explains frequent target words by the source words that cause them. A source word never seen
    in training is copied (names, numbers). The output keeps the source's word order and length,
    takes each target word's most frequent spelling inside a sentence, starts with a capital
    letter and is Moses-detokenised; it is scored like `Seq2Seq`'s subword outputs
    (`rnn_zoo.tasks._translation_scores.text_scores`, with `lc_tok_bleu` when the test split
    carries tokenised references as a third element). No word order, no context, no inflection:
    a translation model has to beat it.

    Args:
        source_language: the sources' language code, for the Moses tokeniser (e.g. `"en"`).
        target_language: the targets' language code (e.g. `"de"`).
        target_lowercase: the task's outputs are lower case: so are this baseline's.
        iterations: EM iterations of the alignment model (>= 1).

    Example:

    >>> sources = ["A dog runs.", "A cat sleeps.", "The dog sleeps.", "The cat runs."]
    >>> targets = ["Ein Hund rennt.", "Eine Katze schläft.", "Der Hund schläft.",
    ...            "Die Katze rennt."]
    >>> baseline = WordDictionary(source_language="en", target_language="de")
    >>> baseline.fit(sources, targets).translate(["The cat runs, Rex."])  # 'the' is one word
    ['Der Katze rennt, Rex.']
    """

    def __init__(self, *, source_language: str = "en", target_language: str = "de",
                 target_lowercase: bool = False, iterations: int = 5):
        for name, value in (("source_language", source_language),
                            ("target_language", target_language)):
            if not isinstance(value, str) or not value.isalpha() or len(value) not in (2, 3):
                raise ValueError(f"`{name}` must be a language code such as 'de', got "
                                 f"{value!r}.")
        self.source_language, self.target_language = source_language, target_language
        self.target_lowercase = check_bool("target_lowercase", target_lowercase)
        self.iterations = check_int("iterations", iterations)
        self.dictionary: dict[str, str] | None = None
        self._fitted_on: tuple | None = None

    def _tokens(self, texts: Sequence[str], language: str) -> list[list[str]]:
        from rnn_zoo.tasks._translation_scores import moses_tokenize

        return [t.split() for t in moses_tokenize(texts, language=language, lowercase=False)]

    def fit(self, sources: Sequence[str], targets: Sequence) -> WordDictionary:
        """Learns the dictionary from training pairs (a target may be a list of valid ones:
        each is a pair)."""
        if len(sources) != len(targets):
            raise ValueError(f"`targets` has {len(targets)} entries for {len(sources)} "
                             "sources; give one target per source.")
        pairs = [(s, t) for s, ts in zip(sources, targets, strict=True)
                 for t in ([ts] if isinstance(ts, str) else ts)]
        if not pairs:
            raise ValueError("`sources` is empty; give the training pairs to learn from.")
        source_rows = self._tokens([s for s, _ in pairs], self.source_language)
        target_rows = self._tokens([t for _, t in pairs], self.target_language)
        spellings: defaultdict = defaultdict(Counter)
        for target in target_rows:
            # Inside a sentence, so that a word's spelling is not its sentence-initial capital
            # (weight 1000); the first word counts too, for words seen only there.
            for k, t in enumerate(target):
                spellings[t.lower()][t] += 1 if k == 0 else 1000
        table = _ibm1([[w.lower() for w in r] for r in source_rows],
                      [[w.lower() for w in r] for r in target_rows],
                      iterations=self.iterations)
        best: dict[str, tuple] = {}
        for (s, t), p in table.items():
            if s is None:
                continue
            key = (p, _Reverse(t))
            if s not in best or key > best[s][0]:
                best[s] = (key, t)
        self.dictionary = {s: spellings[t].most_common(1)[0][0] for s, (_, t) in best.items()}
        return self

    def translate(self, sources: Sequence[str]) -> list[str]:
        """Each source translated word by word (see the class docstring)."""
        from sacremoses import MosesDetokenizer

        if self.dictionary is None:
            raise ValueError("This WordDictionary is not fitted yet; call fit first.")
        detokenizer = MosesDetokenizer(lang=self.target_language)
        found = []
        for row in self._tokens(sources, self.source_language):
            words = [self.dictionary.get(w.lower(), w) for w in row]
            text = detokenizer.detokenize(words, unescape=True)
            text = text.lower() if self.target_lowercase else text[:1].upper() + text[1:]
            found.append(text)
        return found

    def __call__(self, train, validation, test) -> dict:
        from rnn_zoo.tasks._translation_scores import text_scores

        # The runner scores the same fit on each report: fit once per training split.
        key = (id(train[0]), len(train[0]))
        if self._fitted_on != key:
            self.fit(train[0], train[1])
            self._fitted_on = key
        return text_scores(self.translate(test[0]), test[1], language=self.target_language,
                           tokenized_references=test[2] if len(test) > 2 else None,
                           lowercase=self.target_lowercase)


def _ibm1(sources, targets, *, iterations):
    """IBM Model 1's `t(target | source)` over the co-occurring word pairs, `{(s, t): p}`
    (`s` None: the NULL word), by EM, every E-step vectorised over the whole corpus."""
    index: dict = {}
    flat, groups = [], []
    group = 0
    for source, target in zip(sources, targets, strict=True):
        source = [None, *source]
        for t in target:
            flat.extend(index.setdefault((s, t), len(index)) for s in source)
            groups.extend([group] * len(source))
            group += 1
    flat, groups = np.asarray(flat, np.int64), np.asarray(groups, np.int64)
    keys = list(index)
    source_ids = {s: i for i, s in enumerate(dict.fromkeys(s for s, _ in keys))}
    owner = np.asarray([source_ids[s] for s, _ in keys], np.int64)
    table = np.ones(len(keys))
    for _ in range(iterations):
        p = table[flat]
        posterior = p / np.bincount(groups, p, minlength=group)[groups]
        counts = np.bincount(flat, posterior, minlength=len(keys))
        table = counts / np.bincount(owner, counts, minlength=len(source_ids))[owner]
    return dict(zip(keys, table.tolist(), strict=True))


class _Reverse(str):
    """A str that sorts backwards, so that `max` picks the word that sorts first on ties."""

    def __lt__(self, other):
        return str.__gt__(self, other)

    def __gt__(self, other):
        return str.__lt__(self, other)
