"""`MajoritySequence`: answers the training split's most frequent target for every example."""

from __future__ import annotations

from collections import Counter

from rnn_zoo._validation import check_bool, check_choice
from rnn_zoo.tasks._metrics import sequence_scores

__all__ = ["MajoritySequence"]


class MajoritySequence:
    """The trivial captioner any working model beats, scored like `SequenceCaptioner`.

    Args:
        level: `"char"` or `"word"`: the tokens of a string target (token lists are their
            items), as the captioner's `level`.
        fixed_length: score as `SequenceCaptioner(fixed_length=True)` does (the end of an
            answer is not a position).

    >>> MajoritySequence()((None, ["ab", "ab", "c"]), None, (None, ["ab", "ac"]))["exact_match"]
    0.5
    """

    def __init__(self, *, level: str = "char", fixed_length: bool = False):
        self.level = check_choice("level", level, ("char", "word"))
        self.fixed_length = check_bool("fixed_length", fixed_length)

    def _tokens(self, target) -> tuple:
        if isinstance(target, str):
            return tuple(target) if self.level == "char" else tuple(target.split())
        return tuple(target)

    def __call__(self, train, validation, test) -> dict:
        counts = Counter(self._tokens(t) for t in train[1])
        # The most frequent target; ties go to the smallest, so the answer is reproducible.
        majority = min(counts, key=lambda t: (-counts[t], t))
        references = [self._tokens(t) for t in test[1]]
        scores = sequence_scores([majority] * len(references), references,
                                 count_end=not self.fixed_length)
        string = ("" if self.level == "char" else " ").join(map(str, majority))
        return {**scores, "target": string}
