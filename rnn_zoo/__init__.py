"""rnn_zoo: a Keras 3 model zoo of recurrent-network topologies.

Builders return plain functional `keras.Model`s of stock layers:

>>> from rnn_zoo import many_to_one
>>> model = many_to_one(vocab_size=1000, num_classes=2, units=16)

Named variants live in a registry (`list_models`, `get_model`).
"""

from rnn_zoo import (
    export,  # the package, callable as export(model, directory, formats=...)
    losses,  # registers TokenSumCrossentropy for loading compiled models
)
from rnn_zoo.inputs import check_inputs
from rnn_zoo.layers.recurrent import CuDNNIneligibleWarning
from rnn_zoo.presets import list_presets, load_pretrained
from rnn_zoo.registry import ModelSpec, get_model, get_spec, list_models
from rnn_zoo.topologies import (
    encoder_decoder,
    many_to_many,
    many_to_one,
    one_to_many,
    one_to_one,
)

__version__ = "0.1.0"

__all__ = [
    "CuDNNIneligibleWarning",
    "ModelSpec",
    "check_inputs",
    "encoder_decoder",
    "export",
    "get_model",
    "get_spec",
    "list_models",
    "list_presets",
    "load_pretrained",
    "losses",
    "many_to_many",
    "many_to_one",
    "one_to_many",
    "one_to_one",
]
