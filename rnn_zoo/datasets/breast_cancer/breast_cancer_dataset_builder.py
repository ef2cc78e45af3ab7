"""Wisconsin diagnostic breast cancer (scikit-learn), 30 features, stratified split."""

from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

CLASS_NAMES = ("malignant", "benign")  # sklearn's target order: 0 = malignant, 1 = benign.
FRACTIONS = {"validation": 0.10, "test": 0.20}  # The rest (70 %) is train.
_SEED = 0  # numpy's legacy RandomState: its stream is frozen, so the split never changes.

_DESCRIPTION = """\
Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 real-valued features computed from
digitised images of fine needle aspirates, binary label malignant (212) / benign (357).
Read with `sklearn.datasets.load_breast_cancer` (the file ships with scikit-learn).

Stratified deterministic split (per class, a seeded permutation; validation = round(10 %),
test = round(20 %) of each class): train 399, validation 57, test 113. `features` are the raw
values (not standardised, so a model fits its own normalisation on train); `index` is the row in
scikit-learn's order.
"""


def stratified_split(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Sorted row indices per split, each class divided 70/10/20 (rounded per class)."""
    parts = {"train": [], "validation": [], "test": []}
    for cls in np.unique(labels):
        rows = np.flatnonzero(labels == cls)
        rows = rows[np.random.RandomState(_SEED + int(cls)).permutation(len(rows))]
        num_test = round(len(rows) * FRACTIONS["test"])
        num_validation = round(len(rows) * FRACTIONS["validation"])
        parts["test"].append(rows[:num_test])
        parts["validation"].append(rows[num_test : num_test + num_validation])
        parts["train"].append(rows[num_test + num_validation :])
    return {split: np.sort(np.concatenate(rows)) for split, rows in parts.items()}


class BreastCancer(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for breast_cancer."""

    name = "breast_cancer"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release from scikit-learn 1.9."}

    def _info(self) -> tfds.core.DatasetInfo:
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "features": tfds.features.Tensor(shape=(30,), dtype=np.float32),
                    "label": tfds.features.ClassLabel(names=CLASS_NAMES),
                    "index": np.int32,
                }
            ),
            supervised_keys=("features", "label"),
            homepage="https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic",
            citation="""\
@article{street1993nuclear,
  title = {Nuclear feature extraction for breast tumor diagnosis},
  author = {Street, W. Nick and Wolberg, William H. and Mangasarian, Olvi L.},
  journal = {Biomedical Image Processing and Biomedical Visualization},
  volume = {1905}, pages = {861--870}, year = {1993}
}
""",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        from sklearn.datasets import load_breast_cancer  # Lazy: only preparing needs sklearn.

        data = load_breast_cancer()
        features = data.data.astype(np.float32)
        return {
            split: self._generate_examples(features, data.target, rows)
            for split, rows in stratified_split(data.target).items()
        }

    def _generate_examples(self, features, labels, rows):
        for row in rows:
            yield (
                int(row),
                {
                    "features": features[row],
                    "label": int(labels[row]),
                    "index": int(row),
                },
            )
