"""`sunspots`: yearly sunspot activity, one ordered example per chronological split."""

from rnn_zoo.datasets.sunspots.sunspots_dataset_builder import Sunspots, chronological_split

__all__ = ["Sunspots", "chronological_split"]
