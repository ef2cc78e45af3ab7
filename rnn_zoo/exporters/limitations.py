"""What the converters cannot do today, stated exactly; tests/export checks each still fails.

`KNOWN_LIMITATIONS` maps `(what, format)` to the converter's or runtime's reason. `what` is a
registry model name, or `"*"` for every recurrent model. `export()` works around the `"*"`
entries (that is why TFLite artifacts have a static batch size); the test that reproduces an
entry fails the day the limitation goes away, so the workaround can be revisited.
"""

from __future__ import annotations

from types import MappingProxyType

KNOWN_LIMITATIONS = MappingProxyType({
    ("*", "tflite_dynamic_batch"): (
        "A TFLite conversion with a dynamic batch dimension turns the Keras 3 LSTM/GRU/SimpleRNN "
        "loop into TensorList ops that need SELECT_TF_OPS (e.g. FlexTensorListReserve); the "
        "stock LiteRT interpreter has no Flex delegate and refuses the model at allocation. "
        "Workaround used by export(): a static batch size (`tflite_batch_size`, default 1) with "
        "a dynamic sequence length, which converts to builtin ops only (a WHILE loop)."
    ),
    ("*", "tflite_batch_resize"): (
        "A TFLite artifact converted with a static batch size cannot be resized to another batch "
        "size at run time (a RESHAPE inside the loop keeps the converted size); the sequence "
        "length can be resized. Export again with another `tflite_batch_size` instead."
    ),
    ("*", "tflite_full_int8_while"): (
        "Full-integer conversion (a representative dataset, TFLITE_BUILTINS_INT8 or 16x8) of a "
        "recurrent layer's WHILE loop crashes the Python process: TFLite's calibrator dies "
        "with SIGSEGV in FeedTensor (TF 2.21), for a dynamic or a static sequence length. "
        "Workaround used by export(): the tflite_full_int8 artifact is converted with the "
        "recurrent layers unrolled at the representative dataset's static shapes."
    ),
})
