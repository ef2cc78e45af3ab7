"""What `Seq2Seq.evaluate` and the translation baselines report: plain Python, no TensorFlow.

Every source may have several valid targets (a word's pronunciation variants, a sentence's
reference translations): an output is an exact match when it equals any of them, and its token
errors are the edit distance to the closest one (`rnn_zoo.evaluation.error_rates`). A baseline
that scores its outputs with `sequence_scores` reports the same metric names as the task.
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["corpus_bleu", "sequence_scores", "strip_tokens"]


def strip_tokens(tokens: Sequence[str], pattern: str | None) -> list[str]:
    """`tokens` with `pattern` (a regular expression) removed from each; tokens left empty
    are dropped. `pattern=None` keeps them as they are.

    >>> strip_tokens(["AH0", "B", "AW1", "T"], "[0-9]$")
    ['AH', 'B', 'AW', 'T']
    """
    if pattern is None:
        return list(tokens)
    compiled = re.compile(pattern)
    return [s for s in (compiled.sub("", t) for t in tokens) if s]


def corpus_bleu(hypotheses: Sequence[Sequence[str]],
                references: Sequence[Sequence[Sequence[str]]], *, max_order: int = 4) -> dict:
    """Corpus BLEU of token lists (Papineni et al. 2002), in [0, 1].

    Clipped n-gram precisions pooled over the corpus (a hypothesis n-gram counts at most as
    often as in one of its references), geometric mean with uniform weights, times the brevity
    penalty against the reference lengths closest to each hypothesis; no smoothing (0.0 when
    some order has no match). The literature's "tokenised BLEU": the tokens are compared as
    they are, so it is only comparable under the same tokenisation.

    >>> round(corpus_bleu([["a", "b", "c", "d"]], [[["a", "b", "c", "d"]]])["bleu"], 3)
    1.0
    """
    if len(hypotheses) != len(references):
        raise ValueError(f"`hypotheses` has {len(hypotheses)} entries but `references` has "
                         f"{len(references)}; pass one list of references per hypothesis.")
    matches, totals = [0] * max_order, [0] * max_order
    hyp_len = ref_len = 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        hyp = list(hyp)
        hyp_len += len(hyp)
        ref_len += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_order + 1):
            grams = collections.Counter(tuple(hyp[i:i + n]) for i in range(len(hyp) - n + 1))
            most: collections.Counter = collections.Counter()
            for ref in refs:
                ref = list(ref)
                most |= collections.Counter(tuple(ref[i:i + n])
                                            for i in range(len(ref) - n + 1))
            matches[n - 1] += sum(min(c, most[g]) for g, c in grams.items())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    precisions = [m / t if t else 0.0 for m, t in zip(matches, totals, strict=True)]
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / max(hyp_len, 1))
    bleu = 0.0
    if min(precisions) > 0:
        bleu = brevity * math.exp(sum(math.log(p) for p in precisions) / max_order)
    return {"bleu": float(bleu), "precisions": [float(p) for p in precisions],
            "brevity_penalty": float(brevity), "hypothesis_tokens": hyp_len,
            "reference_tokens": ref_len}


def _rates(hypotheses, references) -> dict[str, Any]:
    from rnn_zoo.evaluation import error_rates

    rates = error_rates(hypotheses, references)
    matches = rates["words"] - rates["word_errors"]
    return {
        "exact_match": matches / rates["words"],
        "exact_matches": matches,
        "token_error_rate": rates["per"],
        "token_errors": rates["symbol_errors"],
        "reference_tokens": rates["reference_symbols"],
        "examples": rates["words"],
    }


def sequence_scores(hypotheses: Sequence[Sequence[str]],
                    references: Sequence[Sequence[Sequence[str]]], *,
                    strip: str | None = None, bleu: bool = True) -> dict[str, Any]:
    """Exact-match rate, token error rate and (`bleu`) tokenised BLEU of token lists.

    Args:
        hypotheses: one token list per source.
        references: one non-empty list of valid token lists per source.
        strip: a regular expression removed from every token of both sides before scoring
            (`strip_tokens`); the scores of the tokens as they are come too, prefixed
            `verbatim_`.
        bleu: add `tokenized_bleu` (`corpus_bleu` on the same tokens, in [0, 1]).

    Returns:
        `exact_match` (fraction of sources whose output equals a reference), `exact_matches`,
        `token_error_rate` (summed edit distances to the closest references over their
        summed lengths), `token_errors`, `reference_tokens`, `examples`, and `tokenized_bleu`.

    >>> found = sequence_scores([["K", "AE0", "T"]], [[["K", "AE1", "T"], ["K", "AA1"]]],
    ...                         strip="[0-9]$", bleu=False)
    >>> found["exact_match"], found["verbatim_exact_match"]
    (1.0, 0.0)
    """
    hyps = [strip_tokens(h, strip) for h in hypotheses]
    refs = [[strip_tokens(r, strip) for r in rs] for rs in references]
    scores = _rates(hyps, refs)
    if bleu:
        scores["tokenized_bleu"] = corpus_bleu(hyps, refs)["bleu"]
    if strip is not None:
        verbatim = _rates([list(h) for h in hypotheses],
                          [[list(r) for r in rs] for rs in references])
        if bleu:
            verbatim["tokenized_bleu"] = corpus_bleu(hypotheses, references)["bleu"]
        scores.update({f"verbatim_{k}": v for k, v in verbatim.items() if k != "examples"})
    return scores
