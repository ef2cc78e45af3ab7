"""`CopySource`: every output is its own source (a translation floor)."""

from __future__ import annotations

from rnn_zoo.tasks._seq2seq_scores import sequence_scores

__all__ = ["CopySource"]

# The `Seq2Seq` settings that decide how a target is tokenised and scored.
_TOKENISATION = ("target_level", "word_split", "target_lowercase", "score_strip",
                 "target_language")


class CopySource:
    """Outputs each source sentence as it is, scored like `Seq2Seq.evaluate`.

    Its BLEU and exact-match rate measure what the two sides share before any learning (names,
    numbers, cognates, punctuation): a translation model has to beat it. The sources are
    tokenised as the task tokenises its targets, so the metrics compare like with like.

    Args:
        **settings: the task's tokenisation settings (`target_level`, `word_split`,
            `target_lowercase`, `score_strip`, `target_language`), as in the recipe's profile;
            the rest keep `Seq2Seq`'s defaults. With `target_level="subword"` the sources are
            scored as text, like the task's subword outputs (`bleu`, `chrf`, and `lc_tok_bleu`
            when the test split carries tokenised references as a third element).

    Example:

    >>> scores = CopySource(target_lowercase=True)(None, None, (["Olá Lisboa ."],
    ...                                                        ["Hello Lisboa ."]))
    >>> scores["exact_match"], round(scores["token_error_rate"], 3)
    (0.0, 0.333)
    """

    def __init__(self, **settings):
        unknown = sorted(set(settings) - set(_TOKENISATION))
        if unknown:
            raise TypeError(f"CopySource got unknown argument(s) {', '.join(unknown)}; it takes "
                            f"{', '.join(_TOKENISATION)}.")
        from rnn_zoo.tasks.seq2seq import Seq2Seq

        self.settings = dict(settings)
        self._task = Seq2Seq(**settings)  # validates the settings; only tokenises

    def __call__(self, train, validation, test) -> dict:
        sources, references = test[0], test[1]
        task = self._task
        if task.config["target_level"] == "subword":
            from rnn_zoo.tasks._translation_scores import text_scores

            lowercase = task.config["target_lowercase"]
            return text_scores([s.lower() if lowercase else s for s in sources], references,
                               language=task.config["target_language"],
                               tokenized_references=test[2] if len(test) > 2 else None,
                               lowercase=lowercase)
        hypotheses = task._tokens(list(sources), "target")
        refs = [[r] if isinstance(r, str) else list(r) for r in references]
        flat = task._tokens([t for rs in refs for t in rs], "target")
        grouped, begin = [], 0
        for rs in refs:
            grouped.append(flat[begin:begin + len(rs)])
            begin += len(rs)
        char = task.config["target_level"] == "char"
        return sequence_scores(hypotheses, grouped, strip=task.config["score_strip"],
                               bleu=not char)
