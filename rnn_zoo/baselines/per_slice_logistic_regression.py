"""`PerSliceLogisticRegression`: one token per fixed-width slice of an image, composed."""

from __future__ import annotations

import numpy as np

from rnn_zoo._validation import check_bool, check_int
from rnn_zoo.tasks._metrics import sequence_scores

__all__ = ["PerSliceLogisticRegression"]


class PerSliceLogisticRegression:
    """A per-token classifier composed over the sequence, scored like `SequenceCaptioner`.

    Each image `(H, W)` or `(H, W, C)` is cut into `W // slice_width` slices left to right,
    one per token of its target (the characters of a string, the items of a token list).
    scikit-learn's `LogisticRegression` is fitted on the train split's distinct (slice,
    token) pairs (images that reuse a source slice would only weight it more) on pixels
    divided by 255, then labels each slice of a test image.

    Args:
        slice_width: pixels of width per token, >= 1.
        c: inverse regularisation strength (scikit-learn's `C`), > 0.
        max_iter: lbfgs iterations, >= 1.
        seed: scikit-learn's `random_state`.
        fixed_length: score as `SequenceCaptioner(fixed_length=True)` does.

    >>> import numpy as np
    >>> left, right = np.zeros((2, 2)), np.ones((2, 2)) * 255
    >>> images = [np.hstack([left, right]), np.hstack([right, left])]
    >>> PerSliceLogisticRegression(slice_width=2)(
    ...     (images, ["01", "10"]), None, (images[:1], ["01"]))["exact_match"]
    1.0
    """

    def __init__(self, *, slice_width: int, c: float = 1.0, max_iter: int = 2000,
                 seed: int = 0, fixed_length: bool = False):
        self.slice_width = check_int("slice_width", slice_width)
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not c > 0:
            raise ValueError(f"`c` must be a number > 0, got {c!r}.")
        self.c, self.max_iter = float(c), check_int("max_iter", max_iter)
        self.seed = check_int("seed", seed, minimum=0)
        self.fixed_length = check_bool("fixed_length", fixed_length)

    def _slices(self, images, name: str) -> np.ndarray:
        """Images -> `(n, slices, pixels)`, left to right."""
        x = np.asarray(images, np.float64) / 255.0
        if x.ndim == 3:
            x = x[..., None]
        if x.ndim != 4 or x.shape[2] % self.slice_width:
            raise ValueError(f"`{name}` must be images (n, H, W[, C]) whose width is a multiple "
                             f"of slice_width={self.slice_width}, got shape {x.shape}.")
        n, height, width, channels = x.shape
        k = width // self.slice_width
        x = x.reshape(n, height, k, self.slice_width, channels).transpose(0, 2, 1, 3, 4)
        return x.reshape(n, k, -1)

    def __call__(self, train, validation, test) -> dict:
        from sklearn.linear_model import LogisticRegression

        pieces = self._slices(train[0], "train")
        k = pieces.shape[1]
        tokens = [list(t) for t in train[1]]
        lengths = sorted({len(t) for t in tokens})
        if lengths != [k]:
            raise ValueError(f"The train targets have {', '.join(map(str, lengths))} tokens; "
                             f"each of the {k} slices of an image needs one.")
        flat = pieces.reshape(-1, pieces.shape[-1])
        labels = np.asarray([str(v) for row in tokens for v in row])
        kinds = {str(v): v for row in tokens for v in row}  # the tokens back in their type
        _, first = np.unique(np.column_stack([flat, np.unique(labels, return_inverse=True)[1]]),
                             axis=0, return_index=True)
        model = LogisticRegression(C=self.c, max_iter=self.max_iter, random_state=self.seed)
        model.fit(flat[first], labels[first])
        test_pieces = self._slices(test[0], "test")
        predicted = model.predict(test_pieces.reshape(-1, test_pieces.shape[-1]))
        hypotheses = [[kinds[v] for v in row] for row in predicted.reshape(len(test_pieces), -1)]
        scores = sequence_scores(hypotheses, [list(t) for t in test[1]],
                                 count_end=not self.fixed_length)
        return {**scores, "distinct_slices": len(first),
                "model": "sklearn LogisticRegression on the train split's distinct "
                         f"{self.slice_width}-pixel-wide slices, applied to each slice"}
