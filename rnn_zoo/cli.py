"""The `rnn-zoo` command line: `list`, `train`, `evaluate`, `predict`, `export`.

    rnn-zoo list                                   models in the registry, recipes and presets
    rnn-zoo train breast_cancer --profile quick    train a recipe into runs/breast_cancer/quick
    rnn-zoo evaluate breast_cancer --out DIR       re-score a trained run on the test split
    rnn-zoo predict char_lm_shakespeare --prompt "ROMEO:"   run a pretrained preset on raw input
    rnn-zoo export breast_cancer --formats tflite --out DIR   deployable artifacts, parity-checked

Also `python -m rnn_zoo ...`, and each recipe directly: `python -m recipes.breast_cancer ...`.
Errors are one line on stderr and exit status 2; an interrupted `train` resumes when the same
command is run again (the run directory keeps a backup until training ends).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections.abc import Sequence

PROG = "rnn-zoo"
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from rnn_zoo.training import STRATEGIES

    parser = _Parser(
        prog=PROG,
        description="Recurrent-network model zoo: list models and recipes, train and evaluate.",
    )
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
        description="Train RECIPE and write metrics.json, model.keras, history.csv, logs/ and "
                    "best.weights.h5 into the run directory. Run the same command again after "
                    "an interruption to resume.")
    train.add_argument("recipe", metavar="RECIPE", help="recipe name (see `rnn-zoo list`)")
    train.add_argument("--profile", default="quick",
                       help="configuration: quick (about a minute on a CPU) or full (the real "
                            "result); default quick")
    train.add_argument("--epochs", type=_positive_int, default=None,
                       help="override the profile's maximum number of epochs")
    train.add_argument("--out", metavar="DIR", default=None,
                       help="run directory (default runs/RECIPE/PROFILE)")
    train.add_argument("--data-dir", metavar="DIR", default=None, help="TFDS data directory")
    train.add_argument("--manual-dir", metavar="DIR", default=None,
                       help="directory with manually downloaded source files")
    train.add_argument("--strategy", choices=STRATEGIES, default="default",
                       help="tf.distribute strategy (multi_worker reads TF_CONFIG); "
                            "default: no distribution")
    train.add_argument("--mixed-precision", action="store_true",
                       help="train with the mixed_float16 policy (GPU only)")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                       help="0 silent, 1 progress bar (default), 2 one line per epoch")

    evaluate = commands.add_parser(
        "evaluate", help="re-evaluate a trained run directory on the test split",
        description="Load DIR/model.keras and score it on RECIPE's test split; prints the "
                    "metrics next to the recorded ones and writes DIR/evaluation.json.")
    evaluate.add_argument("recipe", metavar="RECIPE", help="recipe name (see `rnn-zoo list`)")
    evaluate.add_argument("--out", metavar="DIR", required=True,
                          help="the run directory written by `rnn-zoo train`")
    evaluate.add_argument("--data-dir", metavar="DIR", default=None, help="TFDS data directory")
    evaluate.add_argument("--manual-dir", metavar="DIR", default=None,
                          help="directory with manually downloaded source files")

    predict = commands.add_parser(
        "predict", help="run a pretrained preset on raw inputs",
        description="Verify and load PRESET (checksums, safe_mode) and run it on raw inputs, "
                    "through its recipe's predict hook. char_lm_shakespeare: generate text "
                    "after --prompt. breast_cancer: the 30 raw features of one tumour as INPUTs "
                    "(comma- or space-separated). g2p_cmudict: words as INPUTs, pronunciations "
                    "out (--beam N). Presets without a hook say so.",
        epilog='examples: rnn-zoo predict char_lm_shakespeare --prompt "ROMEO:" --length 200; '
               'rnn-zoo predict g2p_cmudict zoology xylophone --beam 5')
    predict.add_argument("preset", metavar="PRESET", help="preset name (see `rnn-zoo list`)")
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

    from rnn_zoo.export.api import FORMATS

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
    export.add_argument("--out", metavar="DIR", required=True, help="output directory")
    export.add_argument("--tflite-batch-size", type=_positive_int, default=1,
                        help="static batch size of the TFLite artifacts (default 1)")
    export.add_argument("--no-check", action="store_true",
                        help="skip the parity check (not recommended)")
    return parser


def _list(args) -> int:
    import rnn_zoo
    from recipes import ONLINE_RECIPES, RECIPES, get_recipe

    names = rnn_zoo.list_models(args.models)
    print(f"Models ({len(names)}):")
    width = max((len(n) for n in names), default=0)
    for name in names:
        spec = rnn_zoo.get_spec(name)
        print(f"  {name:<{width}}  {spec.description}")
    print(f"\nRecipes ({len(RECIPES)}):")
    width = max(len(n) for n in RECIPES)
    for name in RECIPES:
        module = get_recipe(name)
        bars = module.BAR if isinstance(module.BAR, (tuple, list)) else (module.BAR,)
        rules = " and ".join(
            f"{bar.metric} {'>=' if bar.higher_is_better else '<'} "
            + (f"baseline {bar.baseline}" if bar.baseline else repr(bar.value))
            for bar in bars
        )
        online = " (downloads)" if name in ONLINE_RECIPES else ""
        print(f"  {name:<{width}}  model {module.PROFILES['full'].model}; profiles "
              f"{', '.join(module.PROFILES)}; full bar: test {rules}{online}")
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
    from rnn_zoo import presets
    from rnn_zoo.inputs import check_text

    # Bytes that are not UTF-8 arrive as lone surrogates; name the argument before TF sees them.
    for number, text in enumerate(args.inputs, 1):
        check_text(text, name=f"INPUT {number}")
    if args.prompt is not None:
        check_text(args.prompt, name="--prompt")
    preset = presets.get_preset(args.preset)
    hook = presets.predictor_for(preset)
    options = {k: getattr(args, k) for k in ("prompt", "length", "temperature", "seed", "beam")
               if getattr(args, k) is not None}
    accepted = inspect.signature(hook).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise CliError(f"{PROG} predict: error: preset {args.preset!r} does not take "
                           f"{', '.join('--' + k for k in unknown)}.")
    model = presets.load_pretrained(args.preset)
    print(hook(model, preset, list(args.inputs), **options))
    return 0


def _train(args) -> int:
    from recipes import get_recipe

    module = get_recipe(args.recipe)
    if args.profile not in module.PROFILES:
        # The recipe raises the same error; checking here fails before TensorFlow starts work.
        from recipes._common import resolve_profile

        resolve_profile(module.PROFILES, args.profile, None)
    out = args.out or os.path.join("runs", args.recipe, args.profile)
    if args.strategy == "multi_worker":
        # TensorFlow allows this strategy only before its first op, i.e. before the data loads.
        from rnn_zoo.training import get_strategy

        get_strategy("multi_worker")
    module.run(profile=args.profile, out_dir=out, epochs=args.epochs, data_dir=args.data_dir,
               manual_dir=args.manual_dir, verbose=args.verbose, strategy=args.strategy,
               mixed_precision=args.mixed_precision)
    print(f"Wrote {os.path.join(out, 'metrics.json')} and {os.path.join(out, 'model.keras')}")
    return 0


def _evaluate(args) -> int:
    from recipes import get_recipe

    module = get_recipe(args.recipe)
    evaluation = module.evaluate(out_dir=args.out, data_dir=args.data_dir,
                                 manual_dir=args.manual_dir)
    print(json.dumps({k: evaluation[k] for k in ("recipe", "test", "recorded_test", "baselines")},
                     indent=2))
    return 0


def _export(args) -> int:
    from rnn_zoo.export import ExportError, ParityError
    from rnn_zoo.export.api import check_directory
    from rnn_zoo.export.presets import export_preset

    check_directory(args.out)  # fail before loading a model
    try:
        result = export_preset(args.source, args.out, formats=args.formats,
                               tflite_batch_size=args.tflite_batch_size, check=not args.no_check)
    except (ExportError, ParityError) as e:
        manifest = os.path.join(args.out, "export.json")
        print(f"{PROG}: export failed: {_one_line(e)} (see {manifest})", file=sys.stderr)
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
    print(f"Wrote {os.path.join(args.out, 'export.json')}")
    return 0


_COMMANDS = {"list": _list, "train": _train, "evaluate": _evaluate, "predict": _predict,
             "export": _export}


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI with `argv` (default `sys.argv[1:]`); returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
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


def entry_point() -> None:
    """The `rnn-zoo` console script."""
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
