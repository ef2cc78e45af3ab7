"""TFLite conversion that the stock interpreter can run, and the record of what it needs.

The stock LiteRT interpreter (`ai_edge_litert` or `tf.lite.Interpreter`) has builtin ops only:
no Flex delegate. Converting a Keras LSTM/GRU with a dynamic batch dimension gives
`FlexTensorListReserve` and friends, which it refuses. With the batch dimension fixed, the
recurrent loop becomes a builtin `WHILE` over builtin ops and the time axis can stay dynamic
(the signature runner resizes it per call). So every endpoint is converted with a static batch
size and `TFLITE_BUILTINS` only; `SELECT_TF_OPS` is a recorded fallback, used only when the
builtin-only conversion fails, with the converter's reason.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np
import tensorflow as tf

BUILTIN_ONLY = "builtin ops only; runs in the stock LiteRT interpreter"
NEEDS_FLEX = "needs the Flex delegate (SELECT_TF_OPS); the stock interpreter cannot run it"


def convert(saved_model_dir: str, *, signature_keys, quantize: bool) -> tuple[bytes, dict]:
    """Converts the SavedModel's `signature_keys` to one TFLite flatbuffer.

    Args:
        saved_model_dir: a SavedModel whose signatures have a static batch dimension.
        signature_keys: the signatures to convert (they become the TFLite signatures).
        quantize: dynamic-range int8 (`Optimize.DEFAULT`, no representative dataset): weights
            stored as int8, activations in float.

    Returns:
        `(flatbuffer, facts)`; `facts` has `ops` (sorted op names), `select_tf_ops` (bool),
        `select_tf_ops_reason` (the builtin-only converter's error, or None), `runs_on`.
    """
    def converter(select: bool):
        conv = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir,
                                                        signature_keys=list(signature_keys))
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS] + (
            [tf.lite.OpsSet.SELECT_TF_OPS] if select else [])
        if quantize:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
        return conv

    reason = None
    with quiet_tf_logger():
        try:
            flatbuffer = converter(select=False).convert()
        except Exception as e:  # noqa: BLE001 - ConverterError and friends: fall back, say why
            reason = " ".join(str(e).split())[:500]
            flatbuffer = converter(select=True).convert()
    ops = op_names(flatbuffer)
    flex = [op for op in ops if op.startswith("Flex")]
    facts = {
        "ops": ops,
        "select_tf_ops": reason is not None,
        "select_tf_ops_reason": reason,
        "flex_ops": flex,
        "runs_on": NEEDS_FLEX if flex else BUILTIN_ONLY,
    }
    return flatbuffer, facts


@functools.cache
def _builtin_names() -> dict[int, str]:
    from tensorflow.lite.python import schema_py_generated as schema

    return {code: name for name, code in vars(schema.BuiltinOperator).items()
            if not name.startswith("_") and isinstance(code, int)}


def op_names(flatbuffer: bytes) -> list[str]:
    """The sorted names of the operators a TFLite flatbuffer uses, in all its subgraphs.

    Read from the model's operator-code table (no interpreter, so it works for models the stock
    interpreter cannot load); custom ops such as Flex ops are listed by their custom name.
    """
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.Model.GetRootAs(flatbuffer, 0)
    names = set()
    for i in range(model.OperatorCodesLength()):
        code = model.OperatorCodes(i)
        # Codes >= 127 live in BuiltinCode; older ones in DeprecatedBuiltinCode.
        value = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        if value == schema.BuiltinOperator.CUSTOM:
            names.add(code.CustomCode().decode("utf-8"))
        else:
            names.add(_builtin_names().get(value, f"BUILTIN_{value}"))
    return sorted(names)


def tensor_types(flatbuffer: bytes) -> dict:
    """How many tensors of the model are integer and how many float32 beyond its float
    interface: the converter keeps an op without an integer kernel in float (between
    DEQUANTIZE and QUANTIZE) rather than fail, so "full-integer" is checked, not assumed."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=flatbuffer)
    interface = {d["index"] for d in interpreter.get_input_details()} | {
        d["index"] for d in interpreter.get_output_details()}
    details = interpreter.get_tensor_details()
    integer = sum(1 for d in details if d["dtype"] in (np.int8, np.int16))
    floats = sorted(d["name"] for d in details
                    if d["dtype"] == np.float32 and d["index"] not in interface)
    return {"integer_tensors": integer, "float32_internal_tensors": len(floats)}


@contextlib.contextmanager
def quiet_tf_logger():
    """Silences TF's Python warnings for a block: saving and converting a model with a lookup
    table logs a harmless "Issue encountered when serializing table_initializer" (TF1 graph
    metadata that cannot hold it; the table itself is saved)."""
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel("ERROR")
    try:
        yield
    finally:
        logger.setLevel(level)


INT8 = "int8"
INT16X8 = "16x8"
# What each full-integer mode is, in the words export.json records.
FULL_INTEGER_MODES = {
    INT8: (tf.lite.OpsSet.TFLITE_BUILTINS_INT8,
           "full-integer int8 weights and activations (TFLITE_BUILTINS_INT8)"),
    INT16X8: (tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8,
              "full-integer 16x8: int8 weights, int16 activations "
              "(EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8)"),
}


# TF 2.21's full-integer converter is not deterministic: converting the same SavedModel with the
# same calibration feeds in one process leaves, in about one run in five, an unrolled LSTM
# step's gate `split` in float32 between DEQUANTIZE and QUANTIZE (measured on
# `many_to_one_lstm`: 2 of 12 conversions in a row). The tries are independent, so a
# conversion that leaves float32 tensors inside is repeated, and the most integer one is kept.
FULL_INTEGER_TRIES = 4


def short_reason(error: BaseException, limit: int = 300) -> str:
    """The converter's error as one shortened line: its first line that says what failed."""
    lines = [" ".join(line.split()) for line in str(error).splitlines() if line.strip()]
    # MLIR errors start with a location dump; the line naming the op or the problem is more
    # useful than the traceback noise around it.
    useful = [line for line in lines if "error:" in line] or lines or [type(error).__name__]
    text = useful[0]
    return text if len(text) <= limit else text[:limit - 3] + "..."


def convert_full_integer(saved_model_dir: str, *, signature_key: str,
                         feeds) -> tuple[bytes | None, dict]:
    """Full-integer conversion of one signature: int8 first, then 16x8 if int8 fails.

    Args:
        saved_model_dir: a SavedModel whose signature has fully static input shapes (the
            calibrator cannot run a `WHILE` loop: the recurrent layers must be unrolled).
        signature_key: the signature to convert.
        feeds: calibration inputs, a list of `{input name: array}` at the signature's shapes.

    Returns:
        `(flatbuffer or None, facts)`. `facts` has `mode` (`"int8"`, `"16x8"` or None),
        `quantization` (what the mode stores), `attempts` (`{mode: converter error or None}`)
        and, for a written model, `ops`, `runs_on`, `integer_tensors`,
        `float32_internal_tensors` and `conversion_tries` (`FULL_INTEGER_TRIES`: a conversion
        leaving float32 tensors inside is repeated). Inputs and outputs stay float32 (the model
        quantizes and dequantizes them inside), so it takes the float model's feeds; integer
        inputs (token ids) stay int32.
    """
    attempts: dict[str, str | None] = {}
    for mode, (ops_set, description) in FULL_INTEGER_MODES.items():
        conv = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir,
                                                        signature_keys=[signature_key])
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: ((signature_key, feed) for feed in feeds)
        conv.target_spec.supported_ops = [ops_set]
        try:
            with quiet_tf_logger():
                flatbuffer = conv.convert()
        except Exception as e:  # noqa: BLE001 - ConverterError and friends: record, try the next
            attempts[mode] = short_reason(e)
            continue
        attempts[mode] = None
        types, tries = tensor_types(flatbuffer), 1
        while types["float32_internal_tensors"] and tries < FULL_INTEGER_TRIES:
            with quiet_tf_logger():
                again = conv.convert()
            tries += 1
            again_types = tensor_types(again)
            if again_types["float32_internal_tensors"] < types["float32_internal_tensors"]:
                flatbuffer, types = again, again_types
        ops = op_names(flatbuffer)
        flex = [op for op in ops if op.startswith("Flex")]
        return flatbuffer, {"mode": mode, "quantization": description, "attempts": attempts,
                            "ops": ops, "runs_on": NEEDS_FLEX if flex else BUILTIN_ONLY,
                            "conversion_tries": tries, **types}
    return None, {"mode": None, "quantization": None, "attempts": attempts}
