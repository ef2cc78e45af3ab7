"""What `Seq2Seq.evaluate` reports for detokenised text outputs (subword targets), and what the
translation baselines report with it: plain Python (sacrebleu, sacremoses), no TensorFlow.

- `bleu`: sacreBLEU on the detokenised, cased outputs against the raw references (its own
  `13a` tokenisation), with `bleu_signature`, sacreBLEU's record of the protocol;
- `chrf`: sacreBLEU's chrF (character 6-grams, beta 2) on the same text, with `chrf_signature`;
- `lc_tok_bleu`: BLEU of the outputs lower-cased, punctuation-normalised and tokenised the way a
  dataset's published tokenised references were made (Moses' `lowercase.perl`,
  `normalize-punctuation.perl -l L`, `tokenizer.perl -l L`, as `sacremoses`), against those
  references as they are (`tokenize="none"`): the "lowercased, tokenised" protocol of the
  published tables (multi-bleu.perl's BLEU);
- `exact_match`, `token_error_rate`, `tokenized_bleu`: the task's sequence scores
  (`rnn_zoo.tasks._seq2seq_scores.sequence_scores`) on the Moses tokens of the outputs and the
  raw references (case kept).

All BLEU and chrF values are sacreBLEU's 0-100 scale; `tokenized_bleu` is in [0, 1] as for the
other targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = ["chrf", "lc_tok_bleu", "moses_tokenize", "sacre_bleu", "text_scores"]


def _streams(references: Sequence[Sequence[str]]) -> list[list[str]]:
    """Per-source reference lists -> sacreBLEU's reference streams (one entry per output in
    each); a source with fewer references repeats its first (which changes neither clipping
    nor the closest length)."""
    refs = [[r] if isinstance(r, str) else list(r) for r in references]
    if any(not rs for rs in refs):
        raise ValueError("Every output needs at least one reference; got an empty list.")
    return [[rs[k] if k < len(rs) else rs[0] for rs in refs]
            for k in range(max(map(len, refs), default=1))]


def _check(hypotheses, references) -> list[str]:
    hypotheses = list(hypotheses)
    if len(hypotheses) != len(references):
        raise ValueError(f"`hypotheses` has {len(hypotheses)} entries but `references` has "
                         f"{len(references)}; pass one reference (or list) per hypothesis.")
    if not hypotheses:
        raise ValueError("`hypotheses` must not be empty.")
    return hypotheses


def sacre_bleu(hypotheses: Sequence[str], references: Sequence, *,
               tokenize: str = "13a") -> dict[str, Any]:
    """sacreBLEU's corpus BLEU (0-100) and its signature.

    Args:
        hypotheses: one detokenised output per source.
        references: per source, its reference (str) or list of references.
        tokenize: sacreBLEU's tokeniser (`"13a"`, the WMT default; `"none"` for text that is
            tokenised already).

    >>> found = sacre_bleu(["a cat sat on the mat ."], ["a cat sat on the mat ."])
    >>> round(found["bleu"], 6), found["bleu_signature"].split("|")[1]
    (100.0, 'case:mixed')
    """
    from sacrebleu.metrics import BLEU

    hypotheses = _check(hypotheses, references)
    metric = BLEU(tokenize=tokenize, force=tokenize == "none")
    score = metric.corpus_score(hypotheses, _streams(references))
    return {"bleu": float(score.score), "bleu_signature": str(metric.get_signature())}


def chrf(hypotheses: Sequence[str], references: Sequence) -> dict[str, Any]:
    """sacreBLEU's corpus chrF (0-100) and its signature (same arguments as `sacre_bleu`)."""
    from sacrebleu.metrics import CHRF

    hypotheses = _check(hypotheses, references)
    metric = CHRF()
    score = metric.corpus_score(hypotheses, _streams(references))
    return {"chrf": float(score.score), "chrf_signature": str(metric.get_signature())}


@lru_cache(maxsize=8)
def _moses(language: str):
    from sacremoses import MosesPunctNormalizer, MosesTokenizer

    return MosesPunctNormalizer(lang=language), MosesTokenizer(lang=language)


def moses_tokenize(texts: Sequence[str], *, language: str, lowercase: bool = True
                   ) -> list[str]:
    """Texts as a dataset's Moses-tokenised references are made: lower-cased (`lowercase`),
    punctuation-normalised, tokenised with XML escapes (`&quot;`, `&apos;`), tokens joined by
    spaces.

    >>> moses_tokenize(['The "dog\\'s" ball, 2 m.'], language="en")
    ['the &quot; dog &apos;s &quot; ball , 2 m .']
    """
    normalizer, tokenizer = _moses(language)
    return [tokenizer.tokenize(normalizer.normalize(t.lower() if lowercase else t),
                               escape=True, return_str=True) for t in texts]


def lc_tok_bleu(hypotheses: Sequence[str], tokenized_references: Sequence, *,
                language: str) -> dict[str, Any]:
    """BLEU (0-100) of detokenised outputs lower-cased and Moses-tokenised (`moses_tokenize`)
    against references already lower-cased and tokenised (scored as they are), with the
    signature (`tokenize:none`).

    >>> found = lc_tok_bleu(["A dog's ball."], ["a dog &apos;s ball ."], language="en")
    >>> round(found["lc_tok_bleu"], 6)
    100.0
    """
    hypotheses = _check(hypotheses, tokenized_references)
    found = sacre_bleu(moses_tokenize(hypotheses, language=language), tokenized_references,
                       tokenize="none")
    return {"lc_tok_bleu": found["bleu"], "lc_tok_bleu_signature": found["bleu_signature"]}


def text_scores(hypotheses: Sequence[str], references: Sequence, *, language: str,
                tokenized_references: Sequence | None = None,
                lowercase: bool = False) -> dict[str, Any]:
    """Every score of the module docstring for detokenised outputs.

    Args:
        hypotheses: one detokenised output per source.
        references: per source, its raw reference (str) or list of valid ones.
        language: the targets' language, for the Moses tokeniser (e.g. `"de"`).
        tokenized_references: per source, the dataset's lower-cased tokenised reference(s);
            None: no `lc_tok_bleu`.
        lowercase: the outputs are lower case (a `target_lowercase` task): the references are
            lower-cased too before `bleu`, `chrf` and the sequence scores.

    Returns:
        `bleu`, `bleu_signature`, `chrf`, `chrf_signature`, `exact_match`, `exact_matches`,
        `token_error_rate`, `token_errors`, `reference_tokens`, `examples`, `tokenized_bleu`,
        and `lc_tok_bleu`, `lc_tok_bleu_signature` with `tokenized_references`.
    """
    from rnn_zoo.tasks._seq2seq_scores import sequence_scores

    hypotheses = _check(hypotheses, references)
    refs = [[r] if isinstance(r, str) else list(r) for r in references]
    if lowercase:
        refs = [[r.lower() for r in rs] for rs in refs]
    scores = {**sacre_bleu(hypotheses, refs), **chrf(hypotheses, refs)}
    flat = moses_tokenize([r for rs in refs for r in rs], language=language, lowercase=False)
    grouped, begin = [], 0
    for rs in refs:
        grouped.append([t.split() for t in flat[begin:begin + len(rs)]])
        begin += len(rs)
    tokens = [t.split() for t in moses_tokenize(hypotheses, language=language,
                                                lowercase=False)]
    scores.update(sequence_scores(tokens, grouped))
    if tokenized_references is not None:
        scores.update(lc_tok_bleu(hypotheses, tokenized_references, language=language))
    return scores
