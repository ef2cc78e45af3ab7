"""The `rnn-zoo` command line: `list`, `train`, `evaluate`.

    rnn-zoo list                                   models in the registry, and the recipes
    rnn-zoo train breast_cancer --profile quick    train a recipe into runs/breast_cancer/quick
    rnn-zoo evaluate breast_cancer --out DIR       re-score a trained run on the test split

Also `python -m rnn_zoo ...`, and each recipe directly: `python -m recipes.breast_cancer ...`.
Errors are one line on stderr and exit status 2; an interrupted `train` resumes when the same
command is run again (the run directory keeps a backup until training ends).
"""

from __future__ import annotations

import argparse
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

    listing = commands.add_parser("list", help="list registry models and recipes",
                                  description="List the registry's models and the recipes.")
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
    return parser


def _list(args) -> int:
    import rnn_zoo
    from recipes import RECIPES, get_recipe

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
        bar = module.BAR
        target = f"baseline {bar.baseline}" if bar.baseline else repr(bar.value)
        rule = ">=" if bar.higher_is_better else "<"
        print(f"  {name:<{width}}  model {module.PROFILES['full'].model}; profiles "
              f"{', '.join(module.PROFILES)}; full bar: test {bar.metric} {rule} {target}")
    return 0


def _train(args) -> int:
    from recipes import get_recipe

    module = get_recipe(args.recipe)
    if args.profile not in module.PROFILES:
        # The recipe raises the same error; checking here fails before TensorFlow starts work.
        from recipes._common import resolve_profile

        resolve_profile(module.PROFILES, args.profile, None)
    out = args.out or os.path.join("runs", args.recipe, args.profile)
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


_COMMANDS = {"list": _list, "train": _train, "evaluate": _evaluate}


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
