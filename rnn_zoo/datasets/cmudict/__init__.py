"""`cmudict`: CMU Pronouncing Dictionary, word -> all pronunciation variants."""

from rnn_zoo.datasets.cmudict.cmudict_dataset_builder import Cmudict
from rnn_zoo.datasets.cmudict.stress import strip_stress

__all__ = ["Cmudict", "strip_stress"]
