"""`tf.distribute` strategies for the training driver, and two Keras 3 multi-worker fixes.

`MultiWorkerMirroredStrategy` (MWMS) has two constraints that `rnn_zoo.training` must respect:

- TensorFlow allows it only before the first op runs ("Collective ops must be configured at
  program startup"), and only once per process. `multi_worker_strategy()` creates it once and
  returns the same instance afterwards, so the CLI can create it first thing and `fit()` reuses
  it; asked for too late, it raises a one-line error saying what to do.
- Keras 3 (3.15 here; keras-team/keras#20585 is open upstream) fails under MWMS in two places:
  `Model.fit`/`evaluate` reduce the first distributed batch with
  `strategy.reduce("MEAN", (x, y, w))`, which MWMS cannot do for a nested structure, and the
  train/test step logs (scalars) are reduced with `strategy.reduce("MEAN", v, axis=0)`, which
  fails on a scalar. `use_spec_for_symbolic_build` and `patch_keras_multi_worker_reduce` fix
  both, narrowly (see each).
"""

from __future__ import annotations

import functools

import keras
import tensorflow as tf

__all__ = [
    "multi_worker_strategy",
    "patch_keras_multi_worker_reduce",
    "use_spec_for_symbolic_build",
]

_MULTI_WORKER: tf.distribute.MultiWorkerMirroredStrategy | None = None


def multi_worker_strategy() -> tf.distribute.MultiWorkerMirroredStrategy:
    """The process's `MultiWorkerMirroredStrategy`, created (from `TF_CONFIG`) on the first call.

    Raises:
        RuntimeError: the first call came after TensorFlow had already run an op.
    """
    global _MULTI_WORKER
    if _MULTI_WORKER is None:
        try:
            _MULTI_WORKER = tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as e:
            if "program startup" not in str(e):
                raise
            raise RuntimeError(
                "MultiWorkerMirroredStrategy must be created before TensorFlow runs its first "
                "op: call rnn_zoo.training.get_strategy('multi_worker') at the start of the "
                "program, before loading data (`rnn-zoo train --strategy multi_worker` does)."
            ) from None
        patch_keras_multi_worker_reduce()
    return _MULTI_WORKER


def use_spec_for_symbolic_build(model: keras.Model) -> keras.Model:
    """Makes `model` build its metrics and loss from the dataset's element spec, not a batch.

    Under any `tf.distribute` strategy, Keras's TensorFlow trainer reads one batch from the
    training (and validation) data before the first epoch and all-reduces it, only to learn the
    shapes. That fails under MWMS (see the module docstring), and it also starts one extra pass
    over the data, so a dataset that reshuffles every iteration trains on a different order than
    the same run without a strategy. The element spec (shapes and dtypes) is all the symbolic
    build needs, so this reads it instead: no batch, no collective, the same order as a
    single-device run. Only this instance is changed. Returns `model`.
    """
    if getattr(model, "_rnn_zoo_spec_build", False) or not hasattr(model, "_symbolic_build"):
        return model

    def _maybe_symbolic_build(iterator=None, data_batch=None):
        if data_batch is None and iterator is not None:
            # TensorSpecs have the `.shape` and `.dtype` that Keras turns into KerasTensors.
            data_batch = iterator.data_adapter.get_tf_dataset().element_spec
        with model.distribute_strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    model._maybe_symbolic_build = _maybe_symbolic_build
    model._rnn_zoo_spec_build = True
    return model


def patch_keras_multi_worker_reduce() -> None:
    """Reduces per-replica step outputs with `axis=None` under MWMS (idempotent, process-wide).

    Keras reduces the logs of every train/test step with `strategy.reduce("MEAN", v, axis=0)`
    under MWMS; the logs are scalar metric results, which have no axis 0. A mean over replicas
    (`axis=None`) is what Keras computes for a single-host `MirroredStrategy`: each replica
    reports the metrics of the examples it saw, so the mean is the global value whenever the
    replicas see equally many examples. Every other strategy and reduction (e.g. `predict`'s
    "concat") goes to Keras's own function unchanged.
    """
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica
    if getattr(original, "_rnn_zoo_patched", False):
        return

    @functools.wraps(original)
    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            return keras.tree.map_structure(
                lambda v: strategy.reduce("MEAN", v, axis=None), values
            )
        return original(values, strategy, reduction)

    reduce_per_replica._rnn_zoo_patched = True
    trainer.reduce_per_replica = reduce_per_replica
