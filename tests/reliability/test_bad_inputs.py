"""The bad-input matrix: every entry point gives a defined, documented result for a bad input, or
a one-line `ValueError`/`TypeError` (exit status 2 for the CLI) naming the argument; none fails
with a traceback from deep inside TensorFlow.

467 cases at this writing: 108 fixed ones, 11 for each offline recipe (7: 77 cases) and 12 to 19
for each registry model, by its inputs (20: 282 cases); the last two grow with the registries,
and `test_the_matrix_has_the_documented_size` keeps these numbers true. They cover:

- builders, for every registry model: zero, negative and non-int `units`, an unknown override;
  and unknown or non-str model names;
- model inputs, for every registry model, through `rnn_zoo.check_inputs`: no examples, no time
  steps, a row that is all padding, a wrong rank or feature size, NaN/inf features, token ids
  outside the vocabulary, strings for numbers. Documented result without the check: a NaN/inf
  row gives NaN outputs in that row only;
- exported SavedModels (`rnn_zoo.export`): the restored endpoint (`loaded.serving_default(...)`)
  refuses a wrong rank, size, dtype or input name with a TypeError naming the input; through
  `loaded.signatures[...]` (TF Serving's path) TensorFlow checks at run time and raises
  `tf.errors.InvalidArgumentError`; zero time steps raise `InvalidArgumentError` on both paths
  (documented: run `rnn_zoo.check_inputs` first; a TFLite interpreter instead accepts them and
  returns the empty sequence's output, the same for every input: `test_bad_inputs_more.py`);
  a NaN row gives NaN in that row only; blank, unseen and invalid-UTF-8 text gives finite
  logits and a label;
- datasets and pipelines: unknown names, configs and splits; empty, NaN and inf series; zero,
  negative and non-int sizes; over-long lookbacks; empty and non-str texts;
- recipes, for every offline recipe: unknown profile, bad `epochs`, `out_dir`, `verbose`,
  `strategy`, `mixed_precision`; unknown recipe names;
- run folders (`train --out`, `run(out_dir=...)`): a path under a regular file or where no folder
  can be created (`/sys`), and a `--data-dir`/`--manual-dir` that is a file;
- `load_pretrained`: wrong types, empty, unknown and path-like names, bad `presets_dir`/`compile`;
- `predict` (a preset task's `answer`, what `rnn-zoo predict` prints) and the CLI: NaN/inf/
  non-numeric features, no tweet at all (a blank tweet gets a label, as in the SavedModel), empty
  prompts,
  non-finite temperatures, negative seeds, over-long generation; unseen characters and over-long
  prompts or tweets give a result (unseen characters map to the OOV id; a prompt is cut to the
  model's context; a tweet to its `max_length` tokens);
- folders that are not the command's: `export` or `evaluate` into a preset folder (always
  refused), `export` into a run folder (refused unless `--overwrite`), a TFLite batch size over
  the cap of 1024.
"""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import keras
import numpy as np
import pytest
import tensorflow as tf

import rnn_zoo
from rnn_zoo import cli, datasets, inputs, runner
from rnn_zoo.data import char_lm_pipeline, char_vectorizer, decode_ids, finish, sliding_windows
from rnn_zoo.recipe_finder import get_recipe, list_recipes
from tests.harness import build_tiny, example_batch, tiny_overrides
from tests.reliability.models import task

DOCUMENTED = {"total": 467, "fixed": 108, "per recipe": 11, "per model": (12, 19)}


class Case(NamedTuple):
    """`call(ctx)` raises `error` with every `needle` in a one-line message, or (error None)
    returns a value that `check` accepts."""

    id: str
    call: Callable[[Any], Any]
    error: type[BaseException] | None
    needles: tuple[str, ...] = ()
    check: Callable[[Any], None] | None = None
    one_line: bool = True  # False: TensorFlow's own message (exported models run without us)


def _fails(id_, call, error, *needles) -> Case:
    return Case(id_, call, error, needles)


def _gives(id_, call, check) -> Case:
    return Case(id_, call, None, check=check)


def _tf_fails(id_, call, error, *needles) -> Case:
    return Case(id_, call, error, needles, one_line=False)


# --- builders (every registry model) ---------------------------------------------------------


def _builder_cases() -> list[Case]:
    cases = []
    for name in rnn_zoo.list_models():
        tiny = tiny_overrides(rnn_zoo.get_spec(name))
        for value, error in ((0, ValueError), (-4, ValueError), ("4", TypeError),
                             (2.5, TypeError)):
            cases.append(_fails(f"builder-{name}-units={value!r}",
                                lambda ctx, n=name, t=tiny, v=value: rnn_zoo.get_model(
                                    n, **{**t, "units": v}), error, "`units`", repr(value)))
        cases.append(_fails(f"builder-{name}-unknown-override",
                            lambda ctx, n=name: rnn_zoo.get_model(n, unitz=4), TypeError,
                            "unknown argument(s) unitz"))
    return cases


def _name_cases() -> list[Case]:
    return [
        _fails("builder-unknown-name", lambda ctx: rnn_zoo.get_model("many_to_one_lstmm"),
               ValueError, "Unknown model name 'many_to_one_lstmm'", "many_to_one_lstm"),
        _fails("builder-name-not-str", lambda ctx: rnn_zoo.get_model(3), TypeError, "`name`"),
        _fails("builder-empty-name", lambda ctx: rnn_zoo.get_model(""), ValueError,
               "Unknown model name ''"),
        _fails("recipe-out_dir-is-a-file", lambda ctx: runner.train(
            get_recipe("breast_cancer").RECIPE, out_dir=ctx.file, verbose=0), ValueError,
               "`out_dir`", "is not a directory"),
        _fails("recipe-unknown-name", lambda ctx: get_recipe("breast_cancr"), ValueError,
               "Unknown recipe 'breast_cancr'", "breast_cancer"),
        _fails("recipe-name-not-str", lambda ctx: get_recipe(None), TypeError, "`recipe`"),
    ]


# --- model inputs (every registry model, rnn_zoo.check_inputs) ------------------------------

_MODELS: dict[str, tuple] = {}


def _tiny(name: str):
    """(model, valid batch x) for registry model `name`, built once."""
    if name not in _MODELS:
        _, kwargs, model = build_tiny(name)
        x = example_batch(model, kwargs, np.random.default_rng(0), batch=3, time=4).x
        _MODELS[name] = (model, x)
    return _MODELS[name]


def _with(x, input_name: str, value, single: bool):
    return value if single else {**x, input_name: value}


def _input_variants(spec, masking) -> list[tuple[str, Callable[[np.ndarray], Any], type, str]]:
    """(id, bad value from a good array, error, needle) for one model input (`masking`: the
    `Masking` layer that reads it, if any)."""
    dims = list(spec.shape[1:])
    variants = [
        ("no-examples", lambda a: a[:0], ValueError, "needs at least one example"),
        ("wrong-rank", lambda a: a[..., 0] if a.ndim > 1 else a[:, None, None],
         ValueError, "must have shape"),
        ("strings", lambda a: a.astype(str), TypeError, "takes"),
    ]
    if dims and dims[0] is None:
        variants.append(("no-time-steps", lambda a: a[:, :0], ValueError,
                         "needs at least 1 time step"))
    if dims and dims[-1] is not None:
        variants.append(("wrong-feature-size",
                         lambda a: np.concatenate([a, a[..., :1]], axis=-1), ValueError, "axis"))
    if "float" in str(spec.dtype):
        for bad in (math.nan, math.inf, -math.inf):
            def put(a, bad=bad):
                a = a.copy()
                a.flat[a.size // 2] = bad
                return a
            variants.append((f"{bad}-feature", put, ValueError, "values must be finite"))
        if masking is not None:
            def pad_row(a, value=masking.mask_value):
                a = a.copy()
                a[0] = value
                return a
            variants.append(("all-padding-row", pad_row, ValueError, "row 0 is all padding"))
    else:
        variants.append(("id-past-vocabulary", lambda a: a + 10_000, ValueError, "ids must be in"))
        variants.append(("negative-id", lambda a: a - 10_000, ValueError, "ids must be in"))
        variants.append(("fractional-id", lambda a: a + 0.5, TypeError, "integer ids"))
    return variants


def _input_cases() -> list[Case]:
    cases = []
    for name in rnn_zoo.list_models():
        model, _ = _tiny(name)
        single = len(model.inputs) == 1
        for spec in model.inputs:
            masking = next((layer for layer in model.layers
                            if isinstance(layer, keras.layers.Masking) and layer.input is spec),
                           None)
            for vid, make, error, needle in _input_variants(spec, masking):
                def call(ctx, name=name, input_name=spec.name, make=make, single=single):
                    model, x = _tiny(name)
                    good = x if single else x[input_name]
                    return rnn_zoo.check_inputs(model, _with(x, input_name, make(good), single))

                cases.append(_fails(f"inputs-{name}-{spec.name}-{vid}", call, error,
                                    f"'{spec.name}'", needle))
        if any("float" in str(s.dtype) for s in model.inputs):
            cases.append(_gives(f"inputs-{name}-nan-row-stays-in-its-row",
                                lambda ctx, n=name: _nan_row_outputs(n), _only_row_zero_nan))
    return cases


def _nan_row_outputs(name: str):
    model, x = _tiny(name)
    single = len(model.inputs) == 1
    bad = {}
    for spec in model.inputs:
        value = np.array(x if single else x[spec.name], copy=True)
        if "float" in str(spec.dtype):
            value[0] = np.nan
        bad[spec.name] = value
    bad_x = next(iter(bad.values())) if single else bad
    rest = (lambda v: v[1:]) if single else (lambda v: {k: a[1:] for k, a in v.items()})
    return (np.asarray(model(bad_x, training=False)),
            np.asarray(model(rest(x), training=False)))


def _only_row_zero_nan(outputs) -> None:
    with_nan, clean = outputs
    assert np.isfinite(with_nan[1:]).all()
    np.testing.assert_allclose(with_nan[1:], clean, rtol=1e-5, atol=1e-6)


# --- exported SavedModels --------------------------------------------------------------------


def _serve(ctx, name, **kwargs):
    """Calls the restored `serving_default` endpoint, which binds its input signature strictly."""
    return ctx.exported[name].serving_default(kwargs)


def _signature(ctx, name, **kwargs):
    """Calls `signatures["serving_default"]` (TF Serving's path), which checks at run time."""
    return ctx.exported[name].signatures["serving_default"](**kwargs)


def _finite_labels(out) -> None:
    assert np.isfinite(out["logits"].numpy()).all()
    assert set(out["label"].numpy().tolist()) <= {b"negative", b"neutral", b"positive"}


def _series(shape, dtype="float32", fill=0.0):
    return tf.constant(np.full(shape, fill, dtype))


def _export_cases() -> list[Case]:
    return [
        _tf_fails("export-series-wrong-feature-size",
               lambda ctx: _serve(ctx, "sunspots", features=_series((2, 5, 3))), TypeError,
               "features"),
        _tf_fails("export-series-wrong-rank",
               lambda ctx: _serve(ctx, "sunspots", features=_series((2, 5))), TypeError,
               "features"),
        _tf_fails("export-series-strings",
               lambda ctx: _serve(ctx, "sunspots", features=tf.constant([[["a"]]])), TypeError,
               "features"),
        _tf_fails("export-series-unknown-input",
               lambda ctx: _serve(ctx, "sunspots", values=_series((2, 5, 1))), TypeError,
               "features"),
        _tf_fails("export-signature-series-wrong-feature-size",
               lambda ctx: _signature(ctx, "sunspots", features=_series((2, 5, 3))),
               tf.errors.InvalidArgumentError),
        _tf_fails("export-signature-text-numbers",
               lambda ctx: _signature(ctx, "tweets", text=tf.constant([1.0])),
               tf.errors.InvalidArgumentError, "expected to be a string tensor"),
        _tf_fails("export-series-no-time-steps",
               lambda ctx: _serve(ctx, "sunspots", features=_series((2, 0, 1))),
               tf.errors.InvalidArgumentError),
        _gives("export-series-nan-row-stays-in-its-row",
               lambda ctx: (_serve(ctx, "sunspots", features=tf.constant(
                   np.stack([np.full((6, 1), np.nan), np.ones((6, 1))]).astype("float32"))),
                   _serve(ctx, "sunspots", features=_series((1, 6, 1), fill=1.0))),
               lambda outs: np.testing.assert_allclose(outs[0]["outputs"].numpy()[1:],
                                                       outs[1]["outputs"].numpy(), rtol=1e-6)),
        _tf_fails("export-text-numbers",
               lambda ctx: _serve(ctx, "tweets", text=tf.constant([1.0])), TypeError, "text"),
        _tf_fails("export-text-wrong-rank",
               lambda ctx: _serve(ctx, "tweets", text=tf.constant([["a", "b"]])), TypeError,
               "text"),
        *[_gives(f"export-text-{label}",
                 lambda ctx, t=text: _serve(ctx, "tweets", text=tf.constant(t)), _finite_labels)
          for label, text in (("empty", [""]), ("blank", ["  \t "]), ("nul", ["\x00"]),
                              ("unseen-characters", ["日本語 😀 ∑"]),
                              ("over-long", ["ha" * 50_000]),
                              ("invalid-utf8", [b"\xff\xfe\xed\xa0\x80"]))]]


# --- datasets and pipelines ------------------------------------------------------------------

_SERIES = np.arange(10, dtype="float32")


def _dataset_cases() -> list[Case]:
    load = datasets.load
    return [
        _fails("load-unknown-name", lambda ctx: load("cmudcit", split="train"), ValueError,
               "name: unknown dataset 'cmudcit'", "cmudict"),
        _fails("load-empty-name", lambda ctx: load("", split="train"), ValueError, "name:"),
        _fails("load-name-not-str", lambda ctx: load(3, split="train"), ValueError, "name:"),
        _fails("load-unknown-config", lambda ctx: load("digit_strings/k9", split="train"),
               ValueError, "has no config 'k9'"),
        _fails("load-unknown-split",
               lambda ctx: load("breast_cancer", split="tain", data_dir=ctx.data_dir),
               ValueError, "split: 'tain' does not exist"),
        _fails("load-empty-split", lambda ctx: load("breast_cancer", split="",
                                                    data_dir=ctx.data_dir), ValueError, "split"),
        _fails("load-split-none", lambda ctx: load("breast_cancer", split=None,
                                                   data_dir=ctx.data_dir), ValueError, "split"),
        *[_fails(f"windows-{label}-in-series",
                 lambda ctx, v=value: sliding_windows(np.array([1.0, v, 3.0]), lookback=1),
                 ValueError, "`series` must hold finite values", "index 1")
          for label, value in (("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf))],
        _fails("windows-empty-series", lambda ctx: sliding_windows(np.array([]), lookback=1),
               ValueError, "`series` must not be empty"),
        _fails("windows-string-series", lambda ctx: sliding_windows("abc", lookback=1),
               TypeError, "`series`"),
        *[_fails(f"windows-lookback={v!r}", lambda ctx, v=v: sliding_windows(_SERIES, lookback=v),
                 error, "`lookback`") for v, error in ((0, ValueError), (-3, ValueError),
                                                        (2.5, TypeError), ("3", TypeError))],
        _fails("windows-over-long-lookback",
               lambda ctx: sliding_windows(_SERIES, lookback=10, horizon=1), ValueError,
               "at least lookback + horizon = 11"),
        _fails("windows-horizon=0", lambda ctx: sliding_windows(_SERIES, lookback=2, horizon=0),
               ValueError, "`horizon`"),
        *[_fails(f"finish-batch_size={v!r}",
                 lambda ctx, v=v: finish(tf.data.Dataset.range(4), batch_size=v), error,
                 "`batch_size`") for v, error in ((0, ValueError), (-1, ValueError),
                                                   ("4", TypeError))],
        _fails("finish-shuffle_buffer=0",
               lambda ctx: finish(tf.data.Dataset.range(4), batch_size=2, shuffle_buffer=0),
               ValueError, "`shuffle_buffer`"),
        _fails("finish-not-a-dataset", lambda ctx: finish([1, 2], batch_size=2), TypeError,
               "`dataset`"),
        _fails("vectorizer-empty-strings", lambda ctx: char_vectorizer(["", ""]), ValueError,
               "non-empty string"),
        _fails("vectorizer-not-strings", lambda ctx: char_vectorizer([3, 4]), TypeError,
               "only strings"),
        _fails("vectorizer-single-str", lambda ctx: char_vectorizer("abc"), TypeError,
               "single str"),
        _fails("char-lm-empty-text",
               lambda ctx: char_lm_pipeline("", vectorizer=char_vectorizer(["ab"]), seq_len=4,
                                            batch_size=2), ValueError, "`text`"),
        _fails("decode-ids-past-vocabulary",
               lambda ctx: decode_ids([1, 99], vocabulary=["", "[UNK]", "a"]), ValueError,
               "`ids` must be in [0, 3)"),
    ]


# --- recipes (every offline recipe) ----------------------------------------------------------

_RECIPE_ARGS = [
    ({"profile": "ful"}, ValueError, "Unknown profile 'ful'"),
    ({"profile": None}, ValueError, "Unknown profile None"),
    ({"epochs": 0}, ValueError, "`epochs`"),
    ({"epochs": -1}, ValueError, "`epochs`"),
    ({"epochs": 2.5}, TypeError, "`epochs`"),
    ({"out_dir": None}, TypeError, "`out_dir`"),
    ({"out_dir": ""}, ValueError, "`out_dir`"),
    ({"out_dir": 3}, TypeError, "`out_dir`"),
    ({"verbose": 5}, ValueError, "`verbose`"),
    ({"strategy": "tpu"}, ValueError, "`strategy`"),
    ({"mixed_precision": "yes"}, TypeError, "`mixed_precision`"),
]


def _recipe_cases() -> list[Case]:
    cases = []
    for recipe in list_recipes():
        for changes, error, needle in _RECIPE_ARGS:
            shown = ",".join(f"{k}={v!r}" for k, v in changes.items())
            cases.append(_fails(
                f"recipe-{recipe}-{shown}",
                lambda ctx, r=recipe, c=changes: _train(
                    r, **{"profile": "quick", "out_dir": ctx.tmp / "run", "verbose": 0, **c}),
                error, needle))
    return cases


def _train(name: str, **kwargs):
    """A recipe's training: the runner on its declaration."""
    return runner.train(get_recipe(name).RECIPE, **kwargs)


# --- load_pretrained -------------------------------------------------------------------------


def _load_cases() -> list[Case]:
    load = rnn_zoo.load_pretrained
    return [
        _fails("load_pretrained-name-not-str", lambda ctx: load(3), TypeError, "`name`"),
        _fails("load_pretrained-name-none", lambda ctx: load(None), TypeError, "`name`"),
        _fails("load_pretrained-empty-name", lambda ctx: load(""), ValueError,
               "Unknown preset ''"),
        _fails("load_pretrained-unknown-name", lambda ctx: load("breast_cancr"), ValueError,
               "Unknown preset 'breast_cancr'", "breast_cancer"),
        # A path is a preset folder (issue 14), relative to the working directory.
        _fails("load_pretrained-path-that-is-no-folder",
               lambda ctx: load("../no_such_dir/breast_cancer"),
               ValueError, "Preset folder '../no_such_dir/breast_cancer' does not exist"),
        _fails("load_pretrained-presets_dir-not-a-path",
               lambda ctx: load("breast_cancer", presets_dir=3), TypeError, "`presets_dir`"),
        _fails("load_pretrained-presets_dir-missing",
               lambda ctx: load("breast_cancer", presets_dir=ctx.tmp / "none"), ValueError,
               "No presets are installed"),
        _fails("load_pretrained-compile-not-bool",
               lambda ctx: load("breast_cancer", compile="yes"), TypeError, "`compile`"),
    ]


# --- predict hooks and the CLI ---------------------------------------------------------------


def _hook(name: str, inputs, **options):
    """What `rnn-zoo predict NAME INPUT...` prints: the preset task's `answer`."""
    return task(name).answer(inputs, **options)


def _generate(**options):
    """What `rnn-zoo predict char_lm_shakespeare --prompt ...` runs: the task's `generate`."""
    options.setdefault("length", 300)
    return task("char_lm_shakespeare").generate(**options)


def _features(bad=None) -> list[str]:
    """One breast_cancer INPUT: the 30 raw features as JSON numbers (NaN and Infinity as
    Python's `json` reads them)."""
    values = ["1.0"] * 30
    if bad is not None:
        values[7] = bad
    return ["[" + ",".join(values) + "]"]


def _starts_with(prefix: str, length: int):
    def check(text):
        assert text.startswith(prefix) and len(text) == len(prefix) + length
    return check


def _labelled(texts):
    def check(out):
        lines = out.split("\n")
        assert len(lines) == len(texts)
        for line, text in zip(lines, texts, strict=True):
            label, rest = line.split("\t", 1)
            assert label in ("negative", "neutral", "positive") and rest == text
    return check


def _hook_cases() -> list[Case]:
    return [
        *[_fails(f"predict-breast_cancer-{label}-feature",
                 lambda ctx, b=bad: _hook("breast_cancer", _features(b)), ValueError,
                 "`x[0]`", needle)
          for label, bad, needle in (("nan", "NaN", "NaN"), ("inf", "Infinity", "infinite"),
                                     ("-inf", "-Infinity", "infinite"))],
        _fails("predict-breast_cancer-word-feature",
               lambda ctx: _hook("breast_cancer", _features('"abc"')), ValueError,
               "INPUT 1", "must be JSON numbers"),
        _fails("predict-breast_cancer-29-features",
               lambda ctx: _hook("breast_cancer", ["[" + ",".join(["1"] * 29) + "]"]),
               ValueError, "(29,)", "trained on (30,)"),
        # Documented (the task form): a tweet with no token gets a label, as the exported
        # SavedModel gives one for blank text (no longer refused as the old hook did).
        _gives("predict-tweet-empty", lambda ctx: _hook("tweet_sentiment", [""]),
               _labelled([""])),
        _gives("predict-tweet-blank-second",
               lambda ctx: _hook("tweet_sentiment", ["fine", " \t"]),
               _labelled(["fine", " \t"])),
        _fails("predict-tweet-none", lambda ctx: _hook("tweet_sentiment", []), ValueError,
               "needs one or more INPUT"),
        _gives("predict-tweet-unseen-characters",
               lambda ctx: _hook("tweet_sentiment", ["日本語 😀 ∑ ¿qué?"]),
               _labelled(["日本語 😀 ∑ ¿qué?"])),
        _gives("predict-tweet-over-long", lambda ctx: _hook("tweet_sentiment", ["so good " * 5000]),
               _labelled(["so good " * 5000])),
        _fails("predict-char_lm-empty-prompt",
               lambda ctx: _generate(prompt="", length=2), ValueError,
               "`prompt`"),
        *[_fails(f"predict-char_lm-temperature={t!r}",
                 lambda ctx, t=t: _generate(prompt="A", length=2,
                                        temperature=t), ValueError, "`temperature`")
          for t in (0.0, -1.0, math.inf, math.nan, True)],
        _fails("predict-char_lm-seed=-1",
               lambda ctx: _generate(prompt="A", length=2, seed=-1),
               ValueError, "`seed`"),
        _fails("predict-char_lm-seed-str",
               lambda ctx: _generate(prompt="A", length=2, seed="1"),
               TypeError, "`seed`"),
        *[_fails(f"predict-char_lm-length={n!r}",
                 lambda ctx, n=n: _generate(prompt="A", length=n),
                 ValueError, "`length`") for n in (0, -5, 10**9)],
        _gives("predict-char_lm-unseen-characters",
               lambda ctx: _generate(prompt="日本😀", length=3),
               _starts_with("日本😀", 3)),
        _gives("predict-char_lm-over-long-prompt",
               lambda ctx: _generate(prompt="ROMEO: " * 3000, length=3),
               _starts_with("ROMEO: " * 3000, 3)),
    ]


def _cli_cases() -> list[Case]:
    argvs = [
        (["predict", "char_lm_shakespeare", "--temperature", "inf"], "--temperature"),
        (["predict", "char_lm_shakespeare", "--temperature", "nan"], "--temperature"),
        (["predict", "char_lm_shakespeare", "--seed", "x"], "--seed"),
        (["predict", "char_lm_shakespeare", "--prompt", "A", "--seed", "-1", "--length", "2"],
         "`seed`"),
        (["predict", "char_lm_shakespeare", "--prompt", "", "--length", "2"], "`prompt`"),
        (["predict", "char_lm_shakespeare", "--length", "1000000000"], "`length`"),
        (["predict", "char_lm_shakespeare", "--length", "0"], "--length"),
        (["predict", "tweet_sentiment"], "needs one or more INPUT"),
        (["predict", "breast_cancer", *_features("NaN")], "contains NaN"),
        (["predict", "breast_cancer", *_features("1e999")], "infinite"),
        (["predict", ""], "Unknown preset ''"),
        (["train", "breast_cancer", "--epochs", "-1"], "--epochs"),
        (["train", "breast_cancer", "--verbose", "7"], "--verbose"),
        (["train", "breast_cancer", "--profile", ""], "Unknown profile ''"),
        (["train", ""], "Unknown recipe ''"),
        (["evaluate", "breast_cancer", "--out", ""], "argument --out: expected a path"),
    ]
    return [_fails("cli-" + " ".join(a or "''" for a in argv)[:60],
                   lambda ctx, argv=argv: _cli(argv, ctx), SystemExit, needle)
            for argv, needle in argvs]


def _train_cli(ctx, *args):
    return _cli(["train", "breast_cancer", "--epochs", "1", "--verbose", "0", "--data-dir",
                 ctx.data_dir, *[str(a) for a in args]], ctx)


def _run_folder_cases() -> list[Case]:
    return [
        _fails("cli-train-out-under-a-file",
               lambda ctx: _train_cli(ctx, "--out", ctx.file / "run"), SystemExit,
               "--out", "is a file"),
        _fails("cli-train-out-in-sys",
               lambda ctx: _train_cli(ctx, "--out", "/sys/rnn_zoo_run"), SystemExit,
               "--out '/sys/rnn_zoo_run' cannot be created"),
        _fails("cli-train-data-dir-is-a-file",
               lambda ctx: _cli(["train", "breast_cancer", "--epochs", "1", "--data-dir",
                                 str(ctx.file), "--out", str(ctx.tmp / "run")], ctx),
               SystemExit, "--data-dir", "is a file; expected a directory"),
        _fails("cli-train-manual-dir-is-a-file",
               lambda ctx: _train_cli(ctx, "--manual-dir", ctx.file, "--out", ctx.tmp / "run"),
               SystemExit, "--manual-dir", "is a file; expected a directory"),
        _fails("recipe-out_dir-under-a-file", lambda ctx: runner.train(
            get_recipe("breast_cancer").RECIPE, out_dir=ctx.file / "run", verbose=0,
            data_dir=ctx.data_dir), ValueError, "`out_dir`", "is a file"),
    ]


def _preset_copy(ctx):
    """A copy of the breast_cancer preset folder: checksums and all (refused as a target)."""
    import shutil

    from tests.reliability.conftest import REPO

    return str(shutil.copytree(REPO / "saved_models" / "breast_cancer", ctx.tmp / "preset"))


def _run_folder(ctx):
    (ctx.tmp / "run").mkdir()
    (ctx.tmp / "run" / "metrics.json").write_text("{}")
    return str(ctx.tmp / "run")


def _folder_cases() -> list[Case]:
    """Commands that would write into a folder that is not theirs (issue 15: D1, D3, D5, D12)."""
    from rnn_zoo.exporters import export

    return [
        _fails("cli-export-into-a-preset-folder",
               lambda ctx: _cli(["export", "breast_cancer", "--formats", "keras", "--out",
                                 _preset_copy(ctx)], ctx), SystemExit, "is a preset folder"),
        _fails("cli-export-into-a-run-folder",
               lambda ctx: _cli(["export", "breast_cancer", "--formats", "keras", "--out",
                                 _run_folder(ctx)], ctx), SystemExit,
               "is not an export folder (a run folder)", "--overwrite"),
        _fails("cli-export-tflite-batch-size-over-the-cap",
               lambda ctx: _cli(["export", "breast_cancer", "--tflite-batch-size", "1025",
                                 "--out", str(ctx.tmp / "x")], ctx), SystemExit,
               "--tflite-batch-size", "<= 1024"),
        _fails("cli-evaluate-a-preset-folder",
               lambda ctx: _cli(["evaluate", "breast_cancer", "--out", _preset_copy(ctx)], ctx),
               SystemExit, "is a preset folder", "metrics.json"),
        _fails("api-export-into-a-preset-folder",
               lambda ctx: export(build_tiny("one_to_one_gru")[2], _preset_copy(ctx)),
               ValueError, "`directory`", "is a preset folder"),
        _fails("api-evaluate-a-preset-folder",
               lambda ctx: runner.evaluate(get_recipe("breast_cancer").RECIPE,
                                           out_dir=_preset_copy(ctx), data_dir=ctx.data_dir),
               ValueError, "`out_dir`", "is a preset folder"),
    ]


def _cli(argv, ctx):
    status = cli.main(argv)
    err = ctx.capsys.readouterr().err
    raise SystemExit(f"exit {status}: {err}")


FIXED = [*_name_cases(), *_export_cases(), *_dataset_cases(), *_load_cases(), *_hook_cases(),
         *_cli_cases(), *_run_folder_cases(), *_folder_cases()]
PER_MODEL = [*_builder_cases(), *_input_cases()]
PER_RECIPE = _recipe_cases()
CASES = [*FIXED, *PER_MODEL, *PER_RECIPE]


class _Context(NamedTuple):
    tmp: Any
    file: Any
    data_dir: str
    capsys: Any
    exported: Any


@pytest.fixture
def ctx(request, tmp_path, capsys, breast_cancer_data_dir):
    file = tmp_path / "a_file"
    file.write_text("not a directory")
    needs_exports = request.node.callspec.id.startswith("export-")
    exported = request.getfixturevalue("exported") if needs_exports else None
    return _Context(tmp_path, file, breast_cancer_data_dir, capsys, exported)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, ctx):
    if case.error is None:
        case.check(case.call(ctx))
        return
    with pytest.raises(case.error) as info:
        case.call(ctx)
    message = str(info.value)
    if case.error is SystemExit:  # the CLI: exit status 2 and exactly one line on stderr
        assert message.startswith("exit 2: ") and message.count("\n") == 1, message
        assert "Traceback" not in message
    elif case.one_line:
        assert "\n" not in message.strip(), message
    for needle in case.needles:
        assert needle in message, (needle, message)


def test_the_matrix_has_the_documented_size():
    assert len({c.id for c in CASES}) == len(CASES)
    assert len(FIXED) == DOCUMENTED["fixed"]
    assert len(PER_RECIPE) == DOCUMENTED["per recipe"] * len(list_recipes())
    per_model = [sum(c.id.startswith((f"builder-{m}-units", f"builder-{m}-unknown"))
                     or c.id.startswith(f"inputs-{m}-") and c.id.split("-")[1] == m
                     for c in PER_MODEL) for m in rnn_zoo.list_models()]
    low, high = DOCUMENTED["per model"]
    assert sum(per_model) == len(PER_MODEL) and min(per_model) >= low and max(per_model) <= high
    for number in (DOCUMENTED["total"], DOCUMENTED["fixed"], DOCUMENTED["per recipe"], low, high):
        assert str(number) in __doc__


def test_check_inputs_docstring_examples():
    result = doctest.testmod(inputs, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
