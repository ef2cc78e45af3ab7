"""Class labels for classifier tasks: checks, a stratified split, probabilities (NumPy)."""

from __future__ import annotations

import numpy as np

__all__ = ["check_labels", "sorted_classes", "softmax", "stratified_indices", "stratified_split"]


def _label(value, name: str):
    """A class label: a str or an int (NumPy scalars become Python ones, for JSON)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a str or int class label, got a bool.")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"`{name}` must be a str or int class label, got {type(value).__name__}.")


def check_labels(name: str, y, *, count: int, x_name: str, what: str, fitting: bool,
                 classes: list | None) -> list:
    """One str/int label per example -> a list; one-line errors naming `name` or `name[i]`.

    Fitting needs two classes at least; otherwise every label must be one of `classes`.
    """
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"`{name}` must be a list of class labels, got {type(y).__name__}.")
    labels = [_label(v, f"{name}[{i}]") for i, v in enumerate(y)]
    if len(labels) != count:
        raise ValueError(f"`{name}` has {len(labels)} labels for {count} {what} in "
                         f"`{x_name}`; give one label per {what[:-1]}.")
    if fitting and len(set(labels)) < 2:
        raise ValueError(f"`{name}` has a single class {labels[0]!r}; a classifier needs at "
                         "least two.")
    if not fitting and classes:
        known = set(classes)
        for i, label in enumerate(labels):
            if label not in known:
                raise ValueError(f"`{name}[{i}]` is {label!r}, not one of the classes seen in "
                                 f"training: {sorted(known, key=str)}.")
    return labels


def sorted_classes(labels) -> list:
    """The distinct labels in a fixed order (ints and strs may mix: sorted by type, then value)."""
    return sorted(set(labels), key=lambda v: (str(type(v)), v))


def stratified_indices(labels, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation indices with each class split in the same proportion.

    A class of one example stays in training; a split with no validation example is a
    one-line error asking for `validation_data`.
    """
    rng = np.random.default_rng(seed)
    keys = np.asarray([str(v) for v in labels])
    train, validation = [], []
    for key in sorted(set(keys)):
        members = rng.permutation(np.flatnonzero(keys == key))
        cut = int(round(len(members) * fraction))
        cut = min(len(members) - 1, max(1, cut)) if len(members) > 1 else 0
        validation += members[:cut].tolist()
        train += members[cut:].tolist()
    if not validation:
        raise ValueError(f"`x` has {len(keys)} examples: too few to carve a validation split of "
                         f"{fraction}; pass `validation_data`.")
    return rng.permutation(train), rng.permutation(validation)


def stratified_split(x: list, y: list, fraction: float, seed: int):
    """`((x_train, y_train), (x_val, y_val))`: lists split by `stratified_indices`."""
    train, validation = stratified_indices(y, fraction, seed)
    return ([x[i] for i in train], [y[i] for i in train]), \
        ([x[i] for i in validation], [y[i] for i in validation])


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from logits over the last axis (shifted, so large logits cannot overflow)."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
