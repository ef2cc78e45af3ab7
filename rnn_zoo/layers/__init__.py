"""Building blocks shared by the topologies."""

from rnn_zoo.layers.pooling import MaskedGlobalMaxPooling1D
from rnn_zoo.layers.recurrent import (
    CELLS,
    NUM_STATES,
    CuDNNIneligibleWarning,
    recurrent_layer,
    recurrent_stack,
)

__all__ = [
    "CELLS",
    "NUM_STATES",
    "CuDNNIneligibleWarning",
    "MaskedGlobalMaxPooling1D",
    "recurrent_layer",
    "recurrent_stack",
]
