"""`breast_cancer`: scikit-learn's Wisconsin breast cancer, tabular, stratified split."""

from rnn_zoo.datasets.breast_cancer.breast_cancer_dataset_builder import (
    BreastCancer,
    stratified_split,
)

__all__ = ["BreastCancer", "stratified_split"]
