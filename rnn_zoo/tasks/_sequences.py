"""What the token-sequence tasks share: vocabularies, padded id batches, token checks.

`LanguageModel` and `SequenceTagger` both learn a token vocabulary from their training split
with the zoo's convention (id 0 padding, id 1 the OOV token `[UNK]`, real tokens from id 2 on)
and feed right-padded id batches to a `many_to_many` backbone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["OOV", "PAD", "count_vocabulary", "log_softmax", "pad_rows", "softmax"]

PAD, OOV = "", "[UNK]"


def count_vocabulary(rows: Iterable[Iterable[str]], *, min_count: int, max_tokens: int,
                     reserved: Sequence[str] = ()) -> list[str]:
    """`["", "[UNK]", *reserved, *kept]`: tokens seen at least `min_count` times, most
    frequent first (ties alphabetical, so the order is reproducible), at most `max_tokens`
    entries in all."""
    counts = Counter(token for row in rows for token in row)
    special = [PAD, OOV, *reserved]
    room = max(0, max_tokens - len(special))
    kept = sorted((t for t, n in counts.items() if n >= min_count and t not in special),
                  key=lambda t: (-counts[t], t))[:room]
    return [*special, *kept]


def pad_rows(rows: Sequence[Sequence[int]], *, width: int | None = None,
             dtype=np.int32) -> np.ndarray:
    """Right-padded `(len(rows), width)` ids (0 padding); `width` defaults to the longest row,
    at least one step (a recurrent layer cannot run over zero steps)."""
    width = max(1, max((len(r) for r in rows), default=0)) if width is None else width
    out = np.zeros((len(rows), width), dtype)
    for i, row in enumerate(rows):
        out[i, :len(row)] = row
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in float64 (probabilities of rare tokens stay > 0)."""
    logits = np.asarray(logits, np.float64)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis, in float64."""
    logits = np.asarray(logits, np.float64)
    top = logits.max(axis=-1, keepdims=True)
    return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))
