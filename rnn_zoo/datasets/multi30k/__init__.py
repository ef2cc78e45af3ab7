"""`multi30k`: Multi30k task 1, Flickr30k captions English <-> German, from a manual dir."""

from rnn_zoo.datasets.multi30k.multi30k_dataset_builder import (
    SHA256,
    SPLITS,
    TOKENISED_SPLITS,
    Multi30k,
    check_files,
)

__all__ = ["SHA256", "SPLITS", "TOKENISED_SPLITS", "Multi30k", "check_files"]
