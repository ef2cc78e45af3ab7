"""`LetterRules`: each letter read as its most frequent phoneme (a grapheme-to-phoneme floor)."""

from __future__ import annotations

import collections

from rnn_zoo._validation import check_bool
from rnn_zoo.tasks._seq2seq_scores import sequence_scores

__all__ = ["LetterRules"]


class LetterRules:
    """Letter-to-phoneme rules counted on the training split, scored like `Seq2Seq.evaluate`.

    Each letter's phoneme is the one it most often stands for in the training words spelled
    with as many letters as their first pronunciation has phonemes: those 1:1 alignments need
    no aligner. A test word reads as its letters' phonemes (letters never counted are skipped).

    Args:
        score_strip: the task's `score_strip` (e.g. `"[0-9]$"`: stress digits removed), so
            the metrics are those of the task they are compared with.
        lowercase: read the words lower-cased (the task's `source_lowercase`).

    Example:

    >>> train = (["cat", "bat", "cab"], [["K AE1 T"], ["B AE1 T"], ["K AE1 B"]])
    >>> LetterRules()(train, None, (["tab"], [["T AE1 B"]]))["exact_match"]
    1.0
    """

    def __init__(self, *, score_strip: str | None = None, lowercase: bool = True):
        if score_strip is not None and not isinstance(score_strip, str):
            raise TypeError(f"`score_strip` must be a regular expression (str) or None, got "
                            f"{type(score_strip).__name__}.")
        self.score_strip = score_strip
        self.lowercase = check_bool("lowercase", lowercase)

    def _word(self, word: str) -> str:
        return word.lower() if self.lowercase else word

    def rules(self, words, pronunciations) -> dict[str, str]:
        """letter -> its most frequent phoneme over the 1:1 training words."""
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for word, prons in zip(words, pronunciations, strict=True):
            word = self._word(word)
            phones = (prons if isinstance(prons, str) else prons[0]).split()
            if len(phones) == len(word):
                for letter, phone in zip(word, phones, strict=True):
                    counts[letter][phone] += 1
        return {letter: c.most_common(1)[0][0] for letter, c in counts.items()}

    def __call__(self, train, validation, test) -> dict:
        rules = self.rules(*train)
        words, references = test
        hypotheses = [[rules[c] for c in self._word(w) if c in rules] for w in words]
        refs = [[r.split()] if isinstance(r, str) else [p.split() for p in r]
                for r in references]
        return sequence_scores(hypotheses, refs, strip=self.score_strip, bleu=False)
