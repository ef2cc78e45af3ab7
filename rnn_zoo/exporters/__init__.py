"""Export that deploys: `.keras`, SavedModel, TFLite (float32, int8) and ONNX, checked for parity
in a fresh process that never imports rnn_zoo.

>>> import rnn_zoo
>>> model = rnn_zoo.get_model("many_to_one_lstm", vocab_size=100, num_classes=2, units=8)
>>> result = rnn_zoo.export(model, "/tmp/lstm")                          # doctest: +SKIP
>>> result.manifest["parity"]["ok"]                                      # doctest: +SKIP
True

Beyond a plain Keras model, `export` takes a `Servable`: named serving functions (`Endpoint`s)
of a dict of tensors, the objects that hold their state, the parity inputs, and the reference
that computes the expected outputs. That is the extension point for models whose serving
function is more than `model(inputs)`: in-graph text preprocessing (`rnn_zoo.exporters.text`), a
decoding loop. Tasks (and so presets) build theirs: `Task.servable()`.
"""

from rnn_zoo.exporters.api import DEFAULT_FORMATS, FORMATS, export
from rnn_zoo.exporters.formats import ExportError
from rnn_zoo.exporters.limitations import KNOWN_LIMITATIONS
from rnn_zoo.exporters.parity import ATOL, QUANTIZED_RTOL, RTOL, ParityError, check_parity
from rnn_zoo.exporters.result import MANIFEST, ExportResult, load_result
from rnn_zoo.exporters.servable import Endpoint, Servable, example_inputs, keras_servable

__all__ = [
    "ATOL",
    "DEFAULT_FORMATS",
    "Endpoint",
    "ExportError",
    "ExportResult",
    "FORMATS",
    "KNOWN_LIMITATIONS",
    "MANIFEST",
    "ParityError",
    "QUANTIZED_RTOL",
    "RTOL",
    "Servable",
    "check_parity",
    "example_inputs",
    "export",
    "keras_servable",
    "load_result",
]

