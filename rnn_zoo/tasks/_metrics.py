"""Scores the tasks report: plain NumPy, so they need neither scikit-learn nor TensorFlow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["class_order", "classification_scores", "regression_scores", "sequence_scores"]


def class_order(labels) -> list:
    """The distinct class labels in the order a classifier's outputs use (ints, then str)."""
    return sorted(set(labels), key=lambda v: (isinstance(v, str), v))


def classification_scores(y_true, y_pred, classes: Sequence) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix (rows: true class)."""
    y_true, y_pred = np.asarray(y_true, np.int64), np.asarray(y_pred, np.int64)
    k = len(classes)
    confusion = np.zeros((k, k), np.int64)
    np.add.at(confusion, (y_true, y_pred), 1)
    tp = np.diag(confusion).astype(float)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(predicted + actual > 0, 2 * tp / (predicted + actual), 0.0)
    return {
        "accuracy": float(tp.sum() / max(1, len(y_true))),
        "macro_f1": float(f1.mean()),
        "f1": {str(c): float(v) for c, v in zip(classes, f1, strict=True)},
        "confusion_matrix": confusion.tolist(),
        "examples": int(len(y_true)),
    }


def regression_scores(y_true, y_pred) -> dict[str, Any]:
    """RMSE, MAE and R^2 over every output."""
    y_true, y_pred = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    error = y_pred.reshape(y_true.shape) - y_true
    total = ((y_true - y_true.mean(axis=0)) ** 2).sum()
    return {
        "rmse": float(np.sqrt(np.mean(error ** 2))),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(1 - (error ** 2).sum() / total) if total > 0 else float("nan"),
        "examples": int(len(y_true)),
    }


def sequence_scores(hypotheses: Sequence[Sequence], references: Sequence[Sequence], *,
                    count_end: bool = True) -> dict[str, Any]:
    """Exact match, per-position token accuracy and token error rate of token sequences.

    Args:
        hypotheses: the predicted token sequences.
        references: the true token sequences, one per hypothesis.
        count_end: count the end of each sequence as one more position, so an answer that is
            too long is wrong where the reference ends; False for fixed-length answers, whose
            end is never in question (the accuracy is then the per-token accuracy).

    >>> sequence_scores([["a", "b"]], [["a", "c"]], count_end=False)["token_accuracy"]
    0.5
    """
    from rnn_zoo.evaluation import edit_distance

    exact = correct = positions = errors = reference_tokens = 0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        hypothesis, reference = list(hypothesis), list(reference)
        exact += hypothesis == reference
        if count_end:
            hypothesis, reference = [*hypothesis, None], [*reference, None]
        correct += sum(h == r for h, r in zip(hypothesis, reference, strict=False))
        positions += len(reference)
        if count_end:
            hypothesis, reference = hypothesis[:-1], reference[:-1]
        errors += edit_distance(hypothesis, reference)
        reference_tokens += len(reference)
    return {
        "exact_match": exact / len(references),
        "token_accuracy": correct / max(positions, 1),
        "token_error_rate": errors / max(reference_tokens, 1),
        "examples": len(references),
    }
