"""Sequence metrics with several valid references: edit distance, word and phoneme error rates.

G2P is scored the way its literature scores it (e.g. Yao & Zweig 2015): a word is right when the
hypothesis equals any reference pronunciation (WER counts the wrong words), and the phoneme
error rate is the edit distance to the closest reference over that reference's length, summed
over the corpus (PER = sum of distances / sum of chosen reference lengths).
"""

from __future__ import annotations

from collections.abc import Sequence


def edit_distance(hypothesis: Sequence, reference: Sequence) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1).

    Example:

    >>> edit_distance("K AE T".split(), "K AA T S".split())
    2
    """
    previous = list(range(len(reference) + 1))
    for i, h in enumerate(hypothesis, start=1):
        current = [i]
        for j, r in enumerate(reference, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (h != r)))
        previous = current
    return previous[-1]


def error_rates(hypotheses: Sequence[Sequence], references: Sequence[Sequence[Sequence]]
                ) -> dict:
    """Word error rate and symbol (phoneme) error rate against multiple references per word.

    Args:
        hypotheses: one symbol sequence per word (e.g. a list of phonemes).
        references: for each word, a non-empty list of valid symbol sequences.

    Returns:
        Dict with `wer` (fraction of words whose hypothesis equals no reference), `per` (sum of
        each word's smallest edit distance over the sum of the chosen references' lengths),
        `words`, `word_errors`, `symbol_errors` and `reference_symbols`.

    Example:

    >>> found = error_rates([["K", "AE", "T"], ["D", "AO"]],
    ...                     [[["K", "AE", "T"]], [["D", "AO", "G"], ["D", "AA", "G"]]])
    >>> found["wer"], round(found["per"], 4)
    (0.5, 0.1667)
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"`hypotheses` has {len(hypotheses)} entries but `references` has "
                         f"{len(references)}; pass one list of references per hypothesis.")
    if not hypotheses:
        raise ValueError("`hypotheses` must not be empty.")
    word_errors = symbol_errors = reference_symbols = 0
    for i, (hyp, refs) in enumerate(zip(hypotheses, references, strict=True)):
        if not refs:
            raise ValueError(f"`references[{i}]` is empty; every word needs a reference.")
        hyp = list(hyp)
        # The closest reference; ties go to the longer one (the smaller error rate).
        distance, length = min((edit_distance(hyp, list(r)), -len(r)) for r in refs)
        word_errors += distance != 0
        symbol_errors += distance
        reference_symbols += -length
    return {
        "wer": word_errors / len(hypotheses),
        "per": symbol_errors / max(reference_symbols, 1),
        "words": len(hypotheses),
        "word_errors": word_errors,
        "symbol_errors": symbol_errors,
        "reference_symbols": reference_symbols,
    }
