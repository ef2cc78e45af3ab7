"""What the language-model baselines share: reading a split's texts and reporting scores with
the keys `LanguageModel.evaluate` reports."""

from __future__ import annotations

import math

_LN2 = math.log(2.0)


def texts_of(name: str, split) -> list[str]:
    """The texts of a split given as `(x, y)`, a list of strings or one string."""
    x = split[0] if isinstance(split, tuple) else split
    texts = [x] if isinstance(x, str) else list(x)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"The {name} split must hold a list of strings.")
    return texts


def scores(nats: float, hits: int, count: int) -> dict:
    """`loss` (nats per token), `bits_per_token`, `perplexity`, `accuracy` and `tokens`."""
    loss = nats / count
    return {"loss": loss, "bits_per_token": loss / _LN2,
            "perplexity": math.exp(min(loss, 700.0)), "accuracy": hits / count,
            "tokens": count}
