"""The `rnn-zoo` command line: `list`, `train`, `evaluate`, `predict`, `export`.

    rnn-zoo list                                   models in the registry, recipes and presets
    rnn-zoo train breast_cancer --profile quick    train a recipe into runs/breast_cancer/quick
    rnn-zoo evaluate breast_cancer --out DIR       re-score a trained run on the test split
    rnn-zoo predict char_lm_shakespeare --prompt "ROMEO:"   run a pretrained preset on raw input
    rnn-zoo export breast_cancer --formats tflite --out DIR   deployable artifacts, parity-checked

Also `python -m rnn_zoo ...`. A recipe is a declaration (`RECIPE = rnn_zoo.recipe.Recipe(...)`)
that `train` and `evaluate` run through `rnn_zoo.runner`; recipe modules have no `__main__`.
Recipes are found by `rnn_zoo.recipe_finder` ($RNN_ZOO_RECIPES, the checkout's `recipes/`,
`./recipes`, or the `rnn_zoo.recipes` entry-point group), never imported as an installed package.
Every preset and run `predict` reads is a task folder (`task.json`, `rnn_zoo.tasks.load_task`).
Errors are one line on stderr and exit status 2; an interrupted `train` resumes when the same
command is run again (the run directory keeps a backup until training ends).

`--help` and `list` answer without importing TensorFlow. TensorFlow's native start-up log
lines are hidden unless `rnn-zoo --verbose ...` is given or `TF_CPP_MIN_LOG_LEVEL` is already
set (see `entry_point`). Every path argument works relative to the working directory or
absolute: each is resolved once, here, before the library sees it.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

PROG = "rnn-zoo"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# The choices of `--strategy` and `--formats`, written out so the parser is built without
# importing TensorFlow; tests/test_cli_as_typed.py checks they equal rnn_zoo.training.STRATEGIES
# and rnn_zoo.exporters.FORMATS less the calibrated ones (their representative dataset is
# Python data: `rnn_zoo.export(..., representative=...)`).
STRATEGIES = ("default", "mirrored", "multi_worker")
FORMATS = ("keras", "saved_model", "tflite", "tflite_int8", "onnx")
MAX_TFLITE_BATCH_SIZE = 1024  # = rnn_zoo.exporters.api.MAX_TFLITE_BATCH_SIZE
# TensorFlow's C++ log level when the user asked for nothing: fatal errors only.
_QUIET_TF_LEVEL = "3"


class CliError(Exception):
    """A user error reported as one line (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (no usage block), exit status 2."""

    def error(self, message):
        raise CliError(f"{self.prog}: {message} (see `{self.prog} --help`)")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _int_at_least(text: str, minimum: int, expected: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1, "a positive integer")


def _non_negative_int(text: str) -> int:
    return _int_at_least(text, 0, "an integer >= 0")


def _tflite_batch(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_TFLITE_BATCH_SIZE:
        raise argparse.ArgumentTypeError(
            f"expected a positive integer <= {MAX_TFLITE_BATCH_SIZE}, got {text!r}")
    return value


def _path(text: str) -> Path:
    """A path argument, resolved against the working directory (absolute from here on)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return Path(os.path.abspath(os.path.expanduser(text)))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Recurrent-network model zoo: list models and recipes, train and evaluate.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", dest="native_logs",
                        help="also show TensorFlow's native log lines (hidden by default)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    listing = commands.add_parser(
        "list", help="list registry models, recipes and presets",
        description="List the registry's models, the recipes, and the pretrained presets with "
                    "their recorded test metric (presets in saved_models/ or "
                    "$RNN_ZOO_PRESETS_DIR).")
    listing.add_argument("--models", metavar="PATTERN", default="*",
                         help="only models matching this shell pattern (default: all)")

    train = commands.add_parser(
        "train", help="train a recipe (data -> model -> train -> test metrics + baselines)",
        description="Train RECIPE's declaration (rnn_zoo.runner.train) and write task.json, "
                    "model.keras, metrics.json, history.csv, logs/ and best.weights.h5 into "
                    "the run directory (a task folder). Run the same command again after "
                    "an interruption to resume. A finished run is kept (--overwrite trains it "
                    "again); a preset or an export folder, another run's backup and a folder "
                    "another process is training into are refused.")
    train.add_argument("recipe", metavar="RECIPE", help="recipe name (see `rnn-zoo list`)")
    train.add_argument("--profile", default="quick",
                       help="configuration: quick (about a minute on a CPU) or full (the real "
                            "result); default quick")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="override the profile's maximum number of epochs")
    train.add_argument("--seed", type=_non_negative_int, default=None,
                       help="override the profile's seed (an integer >= 0), e.g. to report "
                            "a profile over several seeds")
    train.add_argument("--out", metavar="DIR", type=_path, default=None,
                       help="run directory (default runs/RECIPE/PROFILE)")
    train.add_argument("--data-dir", metavar="DIR", type=_path, default=None,
                       help="TFDS data directory")
    train.add_argument("--manual-dir", metavar="DIR", type=_path, default=None,
                       help="directory with manually downloaded source files")
    train.add_argument("--strategy", choices=STRATEGIES, default="default",
                       help="tf.distribute strategy (multi_worker reads TF_CONFIG); "
                            "default: no distribution")
    train.add_argument("--mixed-precision", action="store_true",
                       help="train with the mixed_float16 policy (GPU only)")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                       help="0 silent, 1 progress bar (default), 2 one line per epoch")
    train.add_argument("--overwrite", action="store_true",
                       help="train again from scratch into a run directory that holds a "
                            "finished run or another run's backup (never a preset or an "
                            "export); without it such a directory is refused")

    evaluate = commands.add_parser(
        "evaluate", help="re-evaluate a trained run directory on the test split",
        description="Load the task in DIR and score it on RECIPE's test split; prints the "
                    "metrics next to the recorded ones and writes DIR/evaluation.json. A preset "
                    "folder is refused (its files are checksummed): copy its model.keras and "
                    "metrics.json into a new folder and evaluate that.")
    evaluate.add_argument("recipe", metavar="RECIPE", help="recipe name (see `rnn-zoo list`)")
    evaluate.add_argument("--out", metavar="DIR", type=_path, required=True,
                          help="the run directory written by `rnn-zoo train`")
    evaluate.add_argument("--data-dir", metavar="DIR", type=_path, default=None,
                          help="TFDS data directory")
    evaluate.add_argument("--manual-dir", metavar="DIR", type=_path, default=None,
                          help="directory with manually downloaded source files")

    predict = commands.add_parser(
        "predict", help="run a pretrained preset on raw inputs",
        description="Verify and load PRESET (checksums, safe_mode), a task folder, and run it "
                    "on raw inputs (its task's `answer`). char_lm_shakespeare: generate text "
                    "after --prompt. breast_cancer: the 30 raw features of one tumour as INPUTs "
                    "(comma- or space-separated). g2p_cmudict: words as INPUTs, pronunciations "
                    "out (--beam N). multi30k_translate: English sentences as INPUTs, one "
                    "quoted argument each, German out. A folder without task.json is refused.",
        epilog='examples: rnn-zoo predict char_lm_shakespeare --prompt "ROMEO:" --length 200; '
               'rnn-zoo predict g2p_cmudict zoology xylophone --beam 5')
    predict.add_argument("preset", metavar="PRESET",
                         help="preset name (see `rnn-zoo list`) or a preset folder's path")
    predict.add_argument("inputs", metavar="INPUT", nargs="*",
                         help="raw inputs for presets that take them (e.g. a text to classify)")
    predict.add_argument("--prompt", default=None,
                         help="text to continue (language-model presets; default 'ROMEO:')")
    predict.add_argument("--length", type=_positive_int, default=None,
                         help="characters to generate (default 300, at most 2000)")
    predict.add_argument("--temperature", type=_positive_float, default=None,
                         help="sampling temperature > 0 (default 0.8; lower is more conservative)")
    predict.add_argument("--seed", type=_int, default=None, help="sampling seed (default 0)")
    predict.add_argument("--beam", type=_positive_int, default=None,
                         help="beam width for sequence-to-sequence presets (default 5; 1 is "
                              "greedy search; at most the target vocabulary size, 73 for "
                              "g2p_cmudict)")

    export = commands.add_parser(
        "export", help="export a preset or a .keras file (SavedModel, TFLite, ONNX) and check it",
        description="Load PRESET_OR_PATH (a preset name, checksums verified, or a .keras file), "
                    "write it to --out in the chosen formats with export.json (files, ops, "
                    "shapes) and check every artifact against Keras in a fresh process that "
                    "does not import rnn_zoo. Exit status 1 if an artifact fails the check.",
        epilog="example: rnn-zoo export breast_cancer --formats saved_model tflite --out /tmp/bc")
    export.add_argument("source", metavar="PRESET_OR_PATH",
                        help="preset name (see `rnn-zoo list`) or path to a .keras model")
    export.add_argument("--formats", nargs="+", choices=FORMATS, default=None, metavar="FORMAT",
                        help=f"formats to write: {', '.join(FORMATS)} (default: all the model "
                             "offers)")
    export.add_argument("--out", metavar="DIR", type=_path, required=True,
                        help="output directory")
    export.add_argument("--tflite-batch-size", type=_tflite_batch, default=1,
                        help="static batch size of the TFLite artifacts, 1 to "
                             f"{MAX_TFLITE_BATCH_SIZE} (default 1)")
    export.add_argument("--stateful", action="store_true",
                        help="also write the step model with explicit state tensors to "
                             "--out/stateful/ (SavedModel `step`, and `generate` for a language "
                             "model; builtin-ops TFLite; ONNX), checked step by step against "
                             "the whole-sequence Keras outputs; unidirectional recurrent "
                             "models only")
    export.add_argument("--no-check", action="store_true",
                        help="skip the parity check (not recommended)")
    export.add_argument("--overwrite", action="store_true",
                        help="replace --out whole even if it holds something that is not an "
                             "export (a run, other files); a preset folder is always refused")
    return parser


def _list(args) -> int:
    # Reads the registry, the recipes' declarations and the presets' metadata: no TensorFlow.
    from rnn_zoo import recipe_finder, registry

    names = registry.list_models(args.models)
    print(f"Models ({len(names)}):")
    width = max((len(n) for n in names), default=0)
    for name in names:
        print(f"  {name:<{width}}  {registry.get_spec(name).description}")
    recipes = recipe_finder.list_recipes(online=True)
    print(f"\nRecipes ({len(recipes)}):")
    if not recipes:
        print(f"  none found (set ${recipe_finder.ENV_VAR} to a recipes folder)")
    width = max((len(n) for n in recipes), default=0)
    for name in recipes:
        info = recipe_finder.describe_recipe(name)
        rules = " and ".join(
            f"{bar['metric']} {'>=' if bar.get('higher_is_better') else '<'} "
            + (f"baseline {bar['baseline']}" if bar.get("baseline") else repr(bar.get("value")))
            for bar in info["bars"] or ())
        online = " (downloads)" if info["online"] else ""
        summary = info["summary"].rstrip(".")
        print(f"  {name:<{width}}  {summary}; task {info['model'] or 'unknown'}; "
              f"full bar: {rules or 'none declared'}{online}")
    _list_presets()
    return 0


def _list_presets() -> None:
    from rnn_zoo import presets

    names = presets.list_presets()
    print(f"\nPresets ({len(names)}) in {presets.presets_dir()}:")
    if not names:
        print("  none published yet (python scripts/publish_preset.py RUN_DIR)")
    width = max((len(n) for n in names), default=0)
    for name in names:
        try:
            preset = presets.get_preset(name)
            metric, value = preset.headline
            bar = preset.metrics["bar"]
            print(f"  {name:<{width}}  recipe {preset.recipe} ({preset.profile}); test {metric} "
                  f"{value:.4f}; bar {metric} {bar['rule']} {'met' if bar['met'] else 'MISSED'};"
                  f" {preset.size / 1024:.0f} KiB")
        except (ValueError, KeyError, TypeError) as e:
            print(f"  {name:<{width}}  unreadable: {_one_line(e)}")


def _predict(args) -> int:
    from rnn_zoo import _preset_folders, presets
    from rnn_zoo._folders import TASK_FILE
    from rnn_zoo.inputs import check_text

    # Bytes that are not UTF-8 arrive as lone surrogates; name the argument before TF sees them.
    for number, text in enumerate(args.inputs, 1):
        check_text(text, name=f"INPUT {number}")
    if args.prompt is not None:
        check_text(args.prompt, name="--prompt")
    options = {k: getattr(args, k) for k in ("prompt", "length", "temperature", "seed", "beam")
               if getattr(args, k) is not None}
    candidate = (Path(args.preset).expanduser() if _preset_folders.is_path(args.preset)
                 else presets.presets_dir() / args.preset)
    if not (candidate / TASK_FILE).is_file():
        presets.get_preset(args.preset)  # an unknown name or a missing folder: its own error
        raise CliError(f"{PROG} predict: error: {args.preset!r} is not a task folder (it has "
                       f"no {TASK_FILE}); republish it with scripts/publish_preset.py from a "
                       "run of `rnn-zoo train`.")
    # A task (a preset, a run, a saved task) answers raw inputs itself; its `answer` names the
    # options it takes. A preset's checksums are verified first.
    from rnn_zoo.tasks import load_task

    task = load_task(_preset_folders.find_task_folder(args.preset))
    _check_options(task.answer, options, args.preset)
    print(task.answer(list(args.inputs), **options))
    return 0


def _check_options(function, options: dict, preset: str) -> None:
    accepted = inspect.signature(function).parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise CliError(f"{PROG} predict: error: preset {preset!r} does not take "
                       f"{', '.join('--' + k for k in unknown)}.")


def _check_input_dir(flag: str, folder) -> None:
    """`--data-dir`/`--manual-dir`: a folder, or a path a folder can be created at."""
    if folder is None:
        return
    path = Path(folder)
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        where = "is a file" if existing == path else f"is under the file {str(existing)!r}"
        raise CliError(f"{PROG} train: error: {flag} {str(path)!r} {where}; expected a "
                       "directory.")


def _train(args) -> int:
    import errno

    from rnn_zoo import recipe_finder, runner, training
    from rnn_zoo._folders import FolderBusyError

    declared = recipe_finder.get_declaration(args.recipe)
    # The runner resolves it again; resolving here fails before TensorFlow starts work.
    config = declared.settings(args.profile, epochs=args.epochs, seed=args.seed)
    out = args.out or _path(os.path.join("runs", args.recipe, args.profile))
    _check_input_dir("--data-dir", args.data_dir)
    _check_input_dir("--manual-dir", args.manual_dir)
    try:
        # Refuse a folder that is not this run's before the data loads (checked again, under
        # the folder's lock, when training starts).
        training.check_run_folder(out, identity=training.run_identity(
            recipe=declared.name, profile=args.profile, config=config),
            overwrite=args.overwrite, arg="--out")
        if args.strategy == "multi_worker":
            # TensorFlow allows this strategy only before its first op: before the data loads.
            training.get_strategy("multi_worker")
        runner.train(declared, profile=args.profile, out_dir=out, epochs=args.epochs,
                     seed=args.seed, data_dir=args.data_dir, manual_dir=args.manual_dir,
                     verbose=args.verbose, strategy=args.strategy,
                     mixed_precision=args.mixed_precision, overwrite=args.overwrite)
    except FolderBusyError as e:
        raise CliError(f"{PROG} train: error: {_one_line(e)}") from None
    except OSError as e:  # a full disk: one line naming the run folder (training.run_folder)
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise CliError(f"{PROG} train: error: {_one_line(e)}") from None
    print(f"Wrote {_shown(out / 'metrics.json')} and {_shown(out / 'model.keras')}")
    return 0


def _evaluate(args) -> int:
    from rnn_zoo import runner
    from rnn_zoo._folders import FolderBusyError, check_evaluation_folder, folder_lock
    from rnn_zoo.recipe_finder import get_declaration

    check_evaluation_folder(args.out, argument="`--out`")  # before the data and model load
    declared = get_declaration(args.recipe)
    # Not while `train` (or another evaluate) writes the run: the lock names the holder.
    finished = (args.out / runner.METRICS).is_file()
    try:
        with folder_lock(args.out, what="evaluation") if finished else contextlib.nullcontext():
            evaluation = runner.evaluate(declared, out_dir=args.out, data_dir=args.data_dir,
                                         manual_dir=args.manual_dir)
    except FolderBusyError as e:
        raise CliError(f"{PROG}: error: {_one_line(e)}") from None
    print(json.dumps({k: evaluation[k] for k in ("recipe", "test", "recorded_test", "baselines")},
                     indent=2))
    return 0


def _export(args) -> int:
    from rnn_zoo._folders import FolderBusyError
    from rnn_zoo.exporters import ExportError, ParityError
    from rnn_zoo.exporters.api import check_directory
    from rnn_zoo.exporters.presets import export_preset

    source = args.source
    if source.endswith(".keras") or os.sep in source or os.path.exists(source):
        source = str(_path(source))  # a path, not a preset name
    # Refused before a model is loaded: a preset, a folder that is not an export.
    check_directory(args.out, overwrite=args.overwrite, argument="`--out`", flag="--overwrite")
    try:
        result = export_preset(source, args.out, formats=args.formats,
                               tflite_batch_size=args.tflite_batch_size, check=not args.no_check,
                               overwrite=args.overwrite, stateful=args.stateful)
    except FolderBusyError as e:
        raise CliError(f"{PROG}: error: {_one_line(e)}") from None
    except (ExportError, ParityError) as e:
        # Nothing was swapped in: the export was staged beside --out and discarded.
        print(f"{PROG}: export failed: {_one_line(e)}; {_shown(args.out)} was left as it was",
              file=sys.stderr)
        return 1
    parity = result.manifest.get("parity", {}).get("artifacts", {})
    for fmt, artifact in result.artifacts.items():
        line = f"{fmt:<12} {artifact['path']:<18} {artifact['bytes']:>12,} bytes"
        if fmt in parity:
            check = parity[fmt]
            line += f"  parity {'ok' if check['ok'] else 'FAILED'}"
            line += f" (max |diff| {check.get('max_abs_diff', float('nan')):.2g})"
        if "ops" in artifact:
            line += (f"  batch {artifact['static_batch_size']}, "
                     f"{'SELECT_TF_OPS' if artifact['select_tf_ops'] else 'builtin ops only'}")
        print(line)
    stateful = result.manifest.get("stateful")
    if stateful:
        parity = stateful.get("parity", {})
        exact, approximate = parity.get("artifacts", {}), parity.get("approximate", {})
        for fmt, artifact in stateful["artifacts"].items():
            print(f"{'step ' + fmt:<12} {stateful['directory'] + '/' + artifact['path']}"
                  f"{_step_verdict(exact.get(fmt), approximate.get(fmt))}")
    print(f"Wrote {_shown(args.out / 'export.json')}")
    return 0


def _step_verdict(exact: dict | None, approximate: dict | None) -> str:
    """A stateful artifact's parity: within float tolerance, or a quantized step's bound."""
    if exact:
        return f"  step-by-step parity {'ok' if exact.get('ok') else 'FAILED'}"
    if approximate and "skipped" in approximate:
        return f"  {approximate['skipped']}"
    if approximate:
        return (f"  step-by-step within the quantized bound "
                f"{'ok' if approximate.get('ok') else 'FAILED'} "
                f"(max |diff| {approximate['max_abs_error']:.2g} <= {approximate['bound']:.2g})")
    return ""


_NEEDS_TENSORFLOW = frozenset({"train", "evaluate", "predict", "export"})
_COMMANDS = {"list": _list, "train": _train, "evaluate": _evaluate, "predict": _predict,
             "export": _export}


def _shown(path: Path) -> str:
    """`path` as the user would type it: relative to the working directory when inside it."""
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else relative


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI with `argv` (default `sys.argv[1:]`); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        _show_progress()
        if not args.native_logs and "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
            # Applies to what TensorFlow logs after it has loaded (cuInit, oneDNN, converter).
            os.environ["TF_CPP_MIN_LOG_LEVEL"] = _QUIET_TF_LEVEL
            # absl's Python logger (TFDS: "Variant folder ... has no dataset_info.json").
            logging.getLogger("absl").setLevel(logging.ERROR)
            if args.command in _NEEDS_TENSORFLOW:
                _import_tensorflow_quietly()
            if args.command in ("train", "evaluate") and not sys.stdout.isatty():
                # TFDS redraws its preparation bars with cursor moves: dozens of lines in a
                # log. Its "Downloading and preparing ..." and "... prepared" lines remain.
                import tensorflow_datasets as tfds

                tfds.disable_progress_bar()
        return _COMMANDS[args.command](args)
    except CliError as e:
        print(_one_line(e), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError, FileNotFoundError) as e:
        print(f"{PROG}: error: {_one_line(e)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; run the same command again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `rnn-zoo list | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


# What TensorFlow's C++ side prints while it loads: absl-style lines ("I0000 00:00:... port.cc:153]
# ..."), absl's pre-initialisation notice, and the CPU-feature note's second line.
_NATIVE_LOG = re.compile(r"^([IWEF]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\]|WARNING: All log "
                         r"messages before absl::InitializeLog\(\)|To enable the following "
                         r"instructions:)")


def _import_tensorflow_quietly() -> None:
    """Imports TensorFlow with its native start-up lines removed from stderr.

    TensorFlow 2.21 prints 4-6 lines while it loads, before absl is initialised and so before
    `TF_CPP_MIN_LOG_LEVEL` applies; they are written by C++ straight to file descriptor 2. The
    descriptor points at a temporary file during the import; afterwards every other line it
    caught (a Python warning, an error) is written to stderr as it was.
    """
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            _flush_c_streams()  # C++ may still hold some of those lines in a stdio buffer
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            caught = sink.read().decode("utf-8", errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in caught if not _NATIVE_LOG.match(line)))
            sys.stderr.flush()


class _ProgressHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is at the time, beside Keras's progress bars (stderr
    keeps only the one-line errors)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns one; the property decides
        pass


def _show_progress() -> None:
    """Prints the library's progress lines (logger `rnn_zoo`, level INFO) on stdout."""
    logger = logging.getLogger("rnn_zoo")
    if not any(isinstance(h, _ProgressHandler) for h in logger.handlers):
        handler = _ProgressHandler()
        handler.setFormatter(logging.Formatter("%(message)s ..."))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # a converter may give the root logger a handler: print once


def _flush_c_streams() -> None:
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None).fflush(None)


def entry_point() -> None:
    """The `rnn-zoo` console script (and `python -m rnn_zoo`)."""
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
