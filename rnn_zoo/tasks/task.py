"""`Task`: a trainable model for one job, with its preprocessing inside, over raw inputs.

A task is what a user with their own data reaches for: it takes the inputs they have (strings,
lists of variable-length float arrays, feature vectors), learns its preprocessing from the
training data on `fit` (a vocabulary, a normalisation, the class names), builds a registry
backbone sized to that data, and trains it with the zoo's know-how (length bucketing, masks, a
warm-up + cosine schedule, gradient clipping, early stopping on a validation split it carves
when none is given, resumable backups when given a folder). The trained model takes raw inputs:
its preprocessing is Keras layers inside the saved `.keras` file.

A saved task is a folder (`task.save(path)`, `Task.load(path)` / `Task.from_preset(name)`):

    task.json     the task's class, its config and what `fit` learnt (JSON)
    model.keras   the whole model, raw input in (preprocessing layers + the backbone)

A preset (`saved_models/<name>/`) is such a folder plus its card, metrics and checksums.

Subclasses implement a handful of hooks (`_check_xy`, `_adapt`, `_build_backbone`,
`_datasets`, `_assemble`, `_answers`, `_scores`); everything else is shared here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from rnn_zoo._atomic import write_text_atomic
from rnn_zoo._folders import TASK_FILE
from rnn_zoo._validation import check_bool, check_choice, check_int, check_rate

__all__ = ["TASK_FILE", "MODEL_FILE", "Task", "TaskConfig", "load_task"]

MODEL_FILE = "model.keras"
FORMAT_VERSION = 1

# Task class name -> class; filled by `Task.__init_subclass__`, read by `load_task`.
_TASKS: dict[str, type[Task]] = {}


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    """The training settings every task shares (each task adds its own model settings).

    Attributes:
        epochs: maximum epochs (early stopping usually ends sooner).
        batch_size: examples per batch.
        learning_rate: peak learning rate of the warm-up + cosine schedule.
        warmup_epochs: epochs of linear warm-up before the cosine decay.
        patience: epochs without a better validation loss before stopping.
        validation_split: fraction of the training data carved out (stratified for
            classifiers) when `fit` gets no `validation_data`.
        seed: seeds the split, the initial weights and the data order.
    """

    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 2e-3
    warmup_epochs: int = 1
    patience: int = 4
    validation_split: float = 0.1
    seed: int = 0


def _check_training_config(config: Mapping[str, Any]) -> None:
    check_int("epochs", config["epochs"])
    check_int("batch_size", config["batch_size"])
    check_int("patience", config["patience"])
    check_int("warmup_epochs", config["warmup_epochs"], minimum=0)
    check_int("seed", config["seed"], minimum=0)
    lr = config["learning_rate"]
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 1:
        raise ValueError(f"`learning_rate` must be a float in (0, 1), got {lr!r}.")
    split = check_rate("validation_split", config["validation_split"])
    if split == 0:
        raise ValueError("`validation_split` must be in (0, 1) (early stopping needs a "
                         "validation split), got 0.")


class Task:
    """Base class of the zoo's tasks (see the module docstring).

    Subclasses declare `MODEL_DEFAULTS` (their model settings and defaults) and implement the
    hooks. A task's constructor takes keyword arguments only: the model settings and the
    `TaskConfig` fields; unknown names are a one-line TypeError.
    """

    #: Model settings of the subclass and their defaults.
    MODEL_DEFAULTS: ClassVar[Mapping[str, Any]] = {}
    #: Overrides of the `TaskConfig` defaults for this task.
    TRAINING_DEFAULTS: ClassVar[Mapping[str, Any]] = {}
    #: What `fit`'s early stopping watches.
    MONITOR: ClassVar[tuple[str, str]] = ("val_loss", "min")
    #: Model settings that change only how `evaluate` scores, never the model or its
    #: training: a trained or loaded task takes new values through `set_evaluation`.
    EVALUATION_SETTINGS: ClassVar[tuple[str, ...]] = ()
    #: Settings added after tasks of this class were first saved, with the value a saved
    #: config without them was trained under (its default then), for `from_config`.
    LEGACY_SETTINGS: ClassVar[Mapping[str, Any]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _TASKS[cls.__name__] = cls

    def __init__(self, **config):
        defaults = {**dataclasses.asdict(TaskConfig()), **self.TRAINING_DEFAULTS,
                    **self.MODEL_DEFAULTS}
        unknown = sorted(set(config) - set(defaults))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown argument(s) "
                            f"{', '.join(unknown)}; it takes {', '.join(sorted(defaults))}.")
        self._config = {**defaults, **config}
        _check_training_config(self._config)
        self._check_config(self._config)
        self.model = None  # the raw-input model, after `fit` or `load`
        self.state: dict[str, Any] = {}  # what `fit` learnt (vocabulary, classes, ...)
        self.history: dict[str, list[float]] = {}
        self.training: dict[str, Any] = {}  # the driver's summary of the last `fit`

    # --- hooks ----------------------------------------------------------------------------

    def _check_config(self, config: Mapping[str, Any]) -> None:
        """Validates the subclass's model settings (one-line errors naming the argument)."""

    def _check_xy(self, x, y, *, x_name: str, y_name: str, fitting: bool):
        """Validates raw inputs (and targets, unless `y` is None) -> normalised Python/NumPy."""
        raise NotImplementedError

    def _adapt(self, x, y) -> None:
        """Learns the preprocessing (vocabulary, normalisation, classes) into `self.state`."""
        raise NotImplementedError

    def _build_backbone(self, *, steps_per_epoch: int):
        """Builds and compiles the backbone (preprocessed inputs in), inside the strategy scope."""
        raise NotImplementedError

    def _datasets(self, x, y, *, training: bool):
        """A batched `tf.data.Dataset` of `(preprocessed inputs, targets)`."""
        raise NotImplementedError

    def _assemble(self, backbone):
        """The raw-input model: the preprocessing layers followed by the trained backbone."""
        raise NotImplementedError

    def _answers(self, outputs):
        """The model's outputs for a batch of raw inputs -> what `predict` returns."""
        raise NotImplementedError

    def _scores(self, y_true, outputs) -> dict[str, Any]:
        """Metrics of `outputs` against the targets (what `evaluate` returns)."""
        raise NotImplementedError

    def _carve(self, x, y, fraction: float, seed: int):
        """Splits `(x, y)` into train and validation parts (classifiers stratify)."""
        order = np.random.default_rng(seed).permutation(len(x))
        cut = max(1, int(round(len(x) * fraction)))
        if cut >= len(x):
            raise ValueError(f"`x` has {len(x)} examples: too few to carve a validation split "
                             f"of {fraction}; pass `validation_data`.")
        return _take(x, y, order[cut:]), _take(x, y, order[:cut])

    # --- public API -------------------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        """The task's settings (model and training), as passed to the constructor."""
        return dict(self._config)

    def get_config(self) -> dict[str, Any]:
        return self.config

    def set_evaluation(self, **settings) -> Task:
        """Sets evaluation-only settings (`EVALUATION_SETTINGS`; the weights and what `predict`
        answers are untouched), e.g. to score a loaded preset under a newer protocol; returns
        the task. Any other name is a one-line TypeError."""
        others = sorted(set(settings) - set(self.EVALUATION_SETTINGS))
        if others:
            allowed = ", ".join(self.EVALUATION_SETTINGS) or "none"
            raise TypeError(f"{type(self).__name__}.set_evaluation got {', '.join(others)}, "
                            f"which change the model; its evaluation settings are {allowed}.")
        config = {**self._config, **settings}
        self._check_config(config)
        self._config = config
        return self

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Task:
        return cls(**{**cls.LEGACY_SETTINGS, **config})

    @property
    def backbone(self):
        """The trained backbone (preprocessed inputs in), a layer of `self.model`."""
        self._require_model("backbone")
        return self.model.get_layer("backbone")

    def fit(self, x, y=None, *, validation_data=None, out_dir=None, overwrite: bool = False,
            verbose: int = 1, strategy: str = "default", mixed_precision: bool = False,
            callbacks=()) -> Task:
        """Learns the preprocessing from `(x, y)`, then trains with early stopping.

        Args:
            x: raw training inputs (see the task's docstring for their form).
            y: training targets.
            validation_data: `(x_val, y_val)`, or None to carve `validation_split` of `x`.
            out_dir: a run folder for resumable backups, best weights and `history.csv`; a
                rerun after an interruption resumes there. None: a temporary folder.
            overwrite: retrain a finished run in `out_dir` from scratch.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch.
            strategy: `"default"`, `"mirrored"` or `"multi_worker"` (`rnn_zoo.training`).
            mixed_precision: train under `mixed_float16` (a GPU is needed).
            callbacks: extra Keras callbacks, run after the driver's own.

        Returns:
            The task itself, trained (`task.model` takes raw inputs).
        """
        from rnn_zoo.training import fit as drive
        from rnn_zoo.training import set_seed

        check_choice("verbose", verbose, (0, 1, 2))
        check_bool("overwrite", overwrite)
        config = self._config
        # A refit learns everything anew: nothing of a previous fit constrains its data.
        self.state, self.model = {}, None
        x, y = self._check_xy(x, y, x_name="x", y_name="y", fitting=True)
        if validation_data is None:
            (x, y), (x_val, y_val) = self._carve(x, y, config["validation_split"],
                                                 config["seed"])
        else:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("`validation_data` must be a pair (x_val, y_val) or None, got "
                                f"{type(validation_data).__name__}.")
            x_val, y_val = self._check_xy(*validation_data, x_name="validation_data[0]",
                                          y_name="validation_data[1]", fitting=False)
        set_seed(config["seed"])
        self._adapt(x, y)
        train = self._datasets(x, y, training=True)
        validation = self._datasets(x_val, y_val, training=False)
        steps = int(train.reduce(0, lambda n, _: n + 1))
        monitor, mode = self.MONITOR
        with _run_dir(out_dir) as folder, warnings.catch_warnings():
            # The bucketed pipeline has no known length, which Keras reports at each epoch end.
            warnings.filterwarnings("ignore", message="Your input ran out of data")
            result = drive(lambda: self._build_backbone(steps_per_epoch=steps), train,
                           validation, out_dir=folder, epochs=config["epochs"],
                           monitor=monitor, mode=mode, patience=config["patience"],
                           verbose=verbose, tensorboard=out_dir is not None,
                           overwrite=overwrite, strategy=strategy,
                           mixed_precision=mixed_precision, callbacks=callbacks)
        self.history = result.history
        self.training = {**result.summary(), "monitor": monitor, "mode": mode}
        self.model = self._assemble(result.model)
        return self

    def predict(self, x, *, batch_size: int | None = None):
        """The answers for raw inputs `x` (class names, values, text: see the task)."""
        return self._answers(self._outputs(x, batch_size=batch_size, name="x"))

    def evaluate(self, x, y, *, batch_size: int | None = None) -> dict[str, Any]:
        """Scores the task on raw inputs `x` against targets `y` (the task's metrics)."""
        x, y = self._check_xy(x, y, x_name="x", y_name="y", fitting=False)
        return self._scores(y, self._outputs(x, batch_size=batch_size, name="x", checked=True))

    def save(self, path, *, overwrite: bool = False) -> Path:
        """Writes the task folder (`task.json`, `model.keras`); refuses to replace one unless
        `overwrite`. Returns the folder's path."""
        from rnn_zoo.training import save_for_inference

        self._require_model("save")
        check_bool("overwrite", overwrite)
        folder = Path(path).expanduser().absolute()
        if folder.exists() and not folder.is_dir():
            raise ValueError(f"`path` {path!s} is a file; give a folder for the task.")
        if (folder / TASK_FILE).exists() and not overwrite:
            raise ValueError(f"`path` {path!s} already holds a saved task; pass "
                             "overwrite=True to replace it.")
        folder.mkdir(parents=True, exist_ok=True)
        save_for_inference(self.model, folder / MODEL_FILE)
        record = {"format_version": FORMAT_VERSION, "task": type(self).__name__,
                  "config": self._config, "state": self.state}
        write_text_atomic(folder / TASK_FILE, json.dumps(record, indent=2, sort_keys=True)
                          + "\n")
        return folder

    @classmethod
    def load(cls, path) -> Task:
        """The task saved in folder `path` (its class read from `task.json`), loaded safely."""
        task = load_task(path)
        if cls is not Task and not isinstance(task, cls):
            raise ValueError(f"{path!s} holds a {type(task).__name__}, not a {cls.__name__}.")
        return task

    @classmethod
    def from_preset(cls, name_or_path, *, presets_dir=None) -> Task:
        """A pretrained task: a preset name (checksums verified) or a task folder's path."""
        from rnn_zoo._preset_folders import find_task_folder

        return cls.load(find_task_folder(name_or_path, presets_dir=presets_dir))

    def export(self, directory, **kwargs):
        """Exports the raw-input model (`rnn_zoo.export`; same keyword arguments)."""
        from rnn_zoo.exporters.api import export

        self._require_model("export")
        return export(self.servable(), directory, **kwargs)

    def servable(self):
        """What `export` writes; tasks with string inputs override it (TFLite takes ids)."""
        from rnn_zoo.exporters.servable import keras_servable

        self._require_model("export")
        return keras_servable(self.model, name=type(self).__name__.lower(),
                              metadata=self._export_metadata())

    def _export_metadata(self) -> dict:
        """`export.json`'s metadata: the task, its state and, for a model that ends by
        denormalising, `output_scale` (the parity check reads float32 differences in its units)."""
        found = {"task": type(self).__name__, "state": self.state}
        scale = self._output_scale()
        if scale is not None:
            found["output_scale"] = scale
        return found

    def _output_scale(self) -> float | None:
        """The largest factor the model's last step multiplies the network's outputs by (a
        denormaliser's std), or None when it ends with the network's own outputs."""
        return None

    #: How `rnn-zoo predict` reads a command-line INPUT: `"text"` as is, `"array"` as JSON
    #: numbers (a vector, or a series `[[...], ...]`).
    INPUT_KIND: ClassVar[str] = "text"

    def answer(self, inputs: Sequence[str], **options) -> str:
        """What `rnn-zoo predict` prints for command-line INPUTs: one `answer<TAB>input` line
        each. Tasks with options (generation, beam search) override it."""
        if options:
            raise ValueError(f"{type(self).__name__} takes no "
                             f"{', '.join('--' + k for k in sorted(options))} option(s).")
        if not inputs:
            raise ValueError(f"{type(self).__name__} needs one or more INPUT arguments.")
        x = [self._from_text(text, f"INPUT {i}") for i, text in enumerate(inputs, 1)]
        return "\n".join(f"{_shown(a)}\t{text}"
                         for a, text in zip(self.predict(x), inputs, strict=True))

    def _from_text(self, text: str, name: str):
        if self.INPUT_KIND == "text":
            return text
        try:
            # A number past float32 becomes inf, which the input check refuses in one line;
            # NumPy's overflow warning would only add noise on stderr.
            with np.errstate(over="ignore"):
                value = np.asarray(json.loads(text), dtype=np.float32)
        except (json.JSONDecodeError, TypeError, ValueError):
            raise ValueError(f"{name} must be JSON numbers such as [0.5, 1.2] (a series: "
                             f"[[...], ...]), got {text[:40]!r}.") from None
        return value

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self._config.items()
                             if v != self._defaults().get(k))
        trained = "trained" if self.model is not None else "untrained"
        return f"<{type(self).__name__}({settings}) {trained}>"

    # --- internals --------------------------------------------------------------------------

    @classmethod
    def _defaults(cls) -> dict[str, Any]:
        return {**dataclasses.asdict(TaskConfig()), **cls.TRAINING_DEFAULTS,
                **cls.MODEL_DEFAULTS}

    def _require_model(self, what: str) -> None:
        if self.model is None:
            raise ValueError(f"This {type(self).__name__} is not trained: call fit(...) or "
                             f"load a saved one before {what}.")

    def _outputs(self, x, *, batch_size, name: str, checked: bool = False):
        self._require_model("predict")
        if batch_size is None:
            batch_size = self._config["batch_size"]
        batch_size = check_int("batch_size", batch_size)
        if not checked:
            x, _ = self._check_xy(x, None, x_name=name, y_name="y", fitting=False)
        return self._run(x, batch_size=batch_size)

    def _run(self, x, *, batch_size: int):
        """The raw-input model over `x` in batches, in input order (NumPy outputs).

        `predict_on_batch` runs the model's compiled predict function (a `tf.function` or a JAX
        jit, traced once and reused): calling the model eagerly runs a recurrent layer's loop
        op by op from Python, several times slower."""
        import keras

        outputs = [keras.ops.convert_to_numpy(
            self.model.predict_on_batch(self._batch(x[i:i + batch_size])))
            for i in range(0, len(x), batch_size)]
        return np.concatenate(outputs)

    def _batch(self, x):
        """A slice of checked raw inputs -> what `self.model` is called with."""
        return x


def _shown(answer) -> str:
    """An answer on one line: arrays as JSON lists, text as is."""
    if isinstance(answer, np.ndarray):
        return json.dumps(np.round(answer.astype(float), 6).tolist())
    return str(answer)


def _take(x, y, index):
    pick = (lambda v: [v[i] for i in index]) if isinstance(x, list) else (lambda v: v[index])
    return pick(x), (None if y is None else (
        [y[i] for i in index] if isinstance(y, list) else y[index]))


@contextlib.contextmanager
def _run_dir(out_dir):
    if out_dir is not None:
        if not isinstance(out_dir, (str, os.PathLike)) or not str(out_dir).strip():
            raise TypeError(f"`out_dir` must be a folder path or None, got {out_dir!r}.")
        yield Path(out_dir).expanduser().absolute()
        return
    with tempfile.TemporaryDirectory(prefix="rnn_zoo_fit_") as tmp:
        yield Path(tmp) / "run"


def load_task(path) -> Task:
    """The task saved in folder `path`: `task.json` names its class, `model.keras` its model."""
    from rnn_zoo.saving import load_model_safely

    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"`path` must be a task folder's path, got {type(path).__name__}.")
    folder = Path(path).expanduser().absolute()
    record_path = folder / TASK_FILE
    if not record_path.is_file():
        raise ValueError(f"`path` {path!s} is not a saved task: it has no {TASK_FILE}.")
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        name, config, state = record["task"], record["config"], record["state"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"{record_path} is not a valid task record ({e}).") from None
    _import_tasks()
    if name not in _TASKS:
        raise ValueError(f"{record_path} names an unknown task {name!r}; known: "
                         f"{', '.join(sorted(_TASKS))}.")
    task = _TASKS[name].from_config(config)
    task.state = state
    task.model = load_model_safely(folder / MODEL_FILE, compile=False,
                                   label=f"Task {folder.name!r}")
    return task


def _import_tasks() -> None:
    """Imports every task module, so `_TASKS` knows all of them."""
    import importlib

    from rnn_zoo.tasks import TASK_MODULES

    for module in TASK_MODULES.values():
        importlib.import_module(module)


def check_sequence(name: str, value, *, what: str) -> list:
    """A non-empty list/tuple/array of examples -> a list (one-line errors naming `name`)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"`{name}` must be a list of {what}, got {type(value).__name__}.")
    if len(value) == 0:
        raise ValueError(f"`{name}` is empty; give at least one of {what}.")
    return list(value)
