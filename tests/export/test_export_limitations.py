"""KNOWN_LIMITATIONS are real: each entry is reproduced here and the test fails the day it stops
failing; and the parity runner really runs without rnn_zoo."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from rnn_zoo.exporters import KNOWN_LIMITATIONS
from rnn_zoo.exporters.parity import RUNNER

LIMITED = "many_to_one_lstm"


def _interpreter(**kwargs):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(**kwargs)


def _dynamic_batch(exports):
    """Builtin-only conversion of a dynamic-batch LSTM fails; the Flex fallback does not run."""
    saved_model = str(exports["registry"][LIMITED].path("saved_model"))
    builtin = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    builtin.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    with pytest.raises(Exception, match="TensorList"):
        builtin.convert()
    flex = tf.lite.TFLiteConverter.from_saved_model(saved_model)
    flex.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS,
                                      tf.lite.OpsSet.SELECT_TF_OPS]
    interpreter = _interpreter(model_content=flex.convert())
    with pytest.raises(RuntimeError, match="Flex"):
        interpreter.allocate_tensors()


def _batch_resize(exports):
    """A batch-1 artifact refuses a batch of 2, and accepts another sequence length."""
    runner = _interpreter(model_path=str(exports["registry"][LIMITED].path("tflite"))) \
        .get_signature_runner("serving_default")
    runner(tokens=np.ones((1, 7), np.int32))  # another length: fine
    with pytest.raises(RuntimeError, match="RESHAPE|reshape"):
        runner(tokens=np.ones((2, 5), np.int32))


_WHILE_CALIBRATION = """
import numpy as np, keras, tensorflow as tf
inp = keras.Input((6, 3), batch_size=1, name="features")
model = keras.Model(inp, keras.layers.Dense(2)(keras.layers.LSTM(4)(inp)))
conv = tf.lite.TFLiteConverter.from_keras_model(model)
conv.optimizations = [tf.lite.Optimize.DEFAULT]
conv.representative_dataset = lambda: ([np.ones((1, 6, 3), np.float32)] for _ in range(4))
conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
conv.convert()
print("converted")
"""


def _full_int8_while(exports=None):
    """Calibrating a recurrent WHILE loop kills the process with SIGSEGV (run in a child)."""
    del exports
    done = subprocess.run([sys.executable, "-c", _WHILE_CALIBRATION], capture_output=True,
                          text=True, timeout=300, env={"TF_CPP_MIN_LOG_LEVEL": "3",
                                                       "KERAS_BACKEND": "tensorflow",
                                                       "PATH": "/usr/bin:/bin"})
    assert done.returncode == -11, (done.returncode, done.stdout[-300:], done.stderr[-300:])


REPRODUCERS = {("*", "tflite_dynamic_batch"): _dynamic_batch,
               ("*", "tflite_batch_resize"): _batch_resize,
               ("*", "tflite_full_int8_while"): _full_int8_while}


def test_every_known_limitation_has_a_reproducer():
    assert set(REPRODUCERS) == set(KNOWN_LIMITATIONS)


@pytest.mark.parametrize("key", sorted(REPRODUCERS), ids=lambda k: k[1])
def test_known_limitation_still_holds(exports, key):
    REPRODUCERS[key](exports)


def test_runner_refuses_rnn_zoo():
    """The runner's import hook makes `import rnn_zoo` fail even though it is installed."""
    code = ("import runpy, sys; ns = runpy.run_path(sys.argv[1]); "
            "sys.meta_path.insert(0, ns['_BLOCKER']); import rnn_zoo")
    proc = subprocess.run([sys.executable, "-I", "-c", code, str(RUNNER)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert "rnn_zoo must not be imported by the standalone parity runner" in proc.stderr


def test_runner_imports_nothing_from_the_package():
    source = RUNNER.read_text(encoding="utf-8")
    imports = [line.split()[1] for line in source.splitlines()
               if line.startswith(("import ", "from "))]
    assert not [m for m in imports if m.startswith(("rnn_zoo", "recipes"))], imports


def test_parity_ran_without_rnn_zoo(exports):
    """Every non-.keras artifact was checked with rnn_zoo absent from sys.modules."""
    found = list(exports["found"].values())
    assert found
    for result in found:
        if result["format"] != "keras":
            assert result["rnn_zoo_loaded"] is False, result["id"]
