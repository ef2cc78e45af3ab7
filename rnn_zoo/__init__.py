"""rnn_zoo: a Keras 3 model zoo of recurrent-network topologies.

Builders return plain functional `keras.Model`s of stock layers:

>>> from rnn_zoo import many_to_one
>>> model = many_to_one(vocab_size=1000, num_classes=2, units=16)

Named variants live in a registry (`list_models`, `get_model`).

`import rnn_zoo` is lazy: each public name is imported on first use, so the command line
answers `--help` and `list` without starting TensorFlow, and builders import under
`KERAS_BACKEND=jax` without touching the export code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it (a module itself where the value is None).
_EXPORTS = {
    "CuDNNIneligibleWarning": "rnn_zoo.layers.recurrent",
    "ModelSpec": "rnn_zoo.registry",
    "check_inputs": "rnn_zoo.inputs",
    "encoder_decoder": "rnn_zoo.topologies",
    "export": "rnn_zoo.exporters.api",  # the function; the package is `rnn_zoo.exporters`
    "exporters": None,
    "get_model": "rnn_zoo.registry",
    "get_spec": "rnn_zoo.registry",
    "list_models": "rnn_zoo.registry",
    "list_presets": "rnn_zoo.presets",
    "load_pretrained": "rnn_zoo.presets",
    "losses": None,
    "many_to_many": "rnn_zoo.topologies",
    "many_to_one": "rnn_zoo.topologies",
    "one_to_many": "rnn_zoo.topologies",
    "one_to_one": "rnn_zoo.topologies",
}

__all__ = [  # = sorted(_EXPORTS); written out for linters (tests/test_package.py checks it)
    "CuDNNIneligibleWarning",
    "ModelSpec",
    "check_inputs",
    "encoder_decoder",
    "export",
    "exporters",
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


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rnn_zoo' has no attribute {name!r}")
    module = _EXPORTS[name]
    if module is None:
        value = importlib.import_module(f"rnn_zoo.{name}")
    else:
        value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # for type checkers and IDEs; never executed
    from rnn_zoo import exporters, losses
    from rnn_zoo.exporters.api import export
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
