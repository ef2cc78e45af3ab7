"""Multi30k task 1 (Flickr30k captions, English <-> German) as a TFDS builder over a manual dir."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import tensorflow_datasets as tfds

# Split name -> sentences, as the upstream files are named (multi30k/dataset data/task1/raw/).
SPLITS = {
    "train": 29_000,
    "val": 1_014,
    "test_2016_flickr": 1_000,
    "test_2017_flickr": 1_000,
    "test_2018_flickr": 1_071,
    "test_2017_mscoco": 461,
}
# The dataset's own lowercased, normalised, Moses-tokenised references exist for these only
# (there is no tokenised train file upstream).
TOKENISED_SPLITS = tuple(split for split in SPLITS if split != "train")
LANGUAGES = ("en", "de")

# The shared folder's SHA256SUMS, pinned here so that a file altered together with its sums
# is still refused: the builder accepts the exact upstream bytes only.
SHA256 = {
    "test_2016_flickr.de.gz":
        "9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8",
    "test_2016_flickr.en.gz":
        "611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9",
    "test_2017_flickr.de.gz":
        "a2c89666db00c495cd8513b9d708d5a3acc205d7de312ef2bf5fb7ebc1540aee",
    "test_2017_flickr.en.gz":
        "76a444ee25172e72695cddb13ae4a3bda59430617be88e0bb46b60504f054074",
    "test_2017_mscoco.de.gz":
        "799e4854c25d601cb6cb6be29eabe5667734c61ace2f495e03e429031a0bc338",
    "test_2017_mscoco.en.gz":
        "aab300bfb4427697987e02cd0aacd44bfe8aa50456231b6474c08038bbed2b58",
    "test_2018_flickr.de.gz":
        "ddd0130c7d97482dc5197a02141dae8dd79f20f03586c480d675c09a32daf608",
    "test_2018_flickr.en.gz":
        "ef4f4844037d4c5dea75c9a8ed5fd78905967a26f67c255e230cc9780032654d",
    "train.de.gz":
        "726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6",
    "train.en.gz":
        "d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f",
    "val.de.gz":
        "f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a",
    "val.en.gz":
        "14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28",
    "tok/test_2016_flickr.lc.norm.tok.de.gz":
        "2628844bbb7783afa0ba8a9927f174aafeee715871aa8deed3af2c4d0b71a658",
    "tok/test_2016_flickr.lc.norm.tok.en.gz":
        "b95df925929cb222d0cf733f153bcbfba0f00180c85fd61dd5c4fb27f29ee394",
    "tok/test_2017_flickr.lc.norm.tok.de.gz":
        "aa48934689a0fac1f506d19878ef9f48d823b2f1655bd3db5018f533cc0b2111",
    "tok/test_2017_flickr.lc.norm.tok.en.gz":
        "6f015edf8eea8e5bff43d65e1743b2572577756b671a203651ccce508e787c35",
    "tok/test_2017_mscoco.lc.norm.tok.de.gz":
        "41d547d42224fd190b5ea169a18a840e9625bb7844d4255008e2400597275580",
    "tok/test_2017_mscoco.lc.norm.tok.en.gz":
        "547d290e8b81097e8a307b1ef5b6ce7ff29fed52ae63a779a45bd4cc739f67c2",
    "tok/test_2018_flickr.lc.norm.tok.de.gz":
        "87b950eb1b484c97882d29e1ffceec68568d6a4b2bf72b1e7f9cdd62e3e37e90",
    "tok/test_2018_flickr.lc.norm.tok.en.gz":
        "6942a488ee2f67a37c7a838ac456addc402a1ba61448c4da317b1bacc9b648eb",
    "tok/val.lc.norm.tok.de.gz":
        "006ad58fd6a2ad6502094160fe5273d93abf34a207967fdc69eafd7558b5ef39",
    "tok/val.lc.norm.tok.en.gz":
        "2c7e5e9cf54ba0dff0cc4b84836d5a583f80ecaaab90b37a123d1376306215cd",
}

_DESCRIPTION = """\
Multi30k task 1 (Elliott et al. 2016): English descriptions of Flickr30k images and their
professional German translations, one sentence per line, sentence i of a split's `.en` file
aligned with sentence i of its `.de` file.

Read from a manual dir holding the upstream files of `multi30k/dataset` `data/task1/raw/`
(`<split>.en.gz`, `<split>.de.gz`) and, for the `*_tok` configs, `tok/<split>.lc.norm.tok.
{en,de}.gz` (the lowercased, normalised, tokenised references that published BLEU scores use).
Every file is checked against its pinned sha256 before anything is written.

Configs: `en_de` and `de_en` (the raw sentences `en` and `de`, all six splits; they differ in
`supervised_keys` only), `en_de_tok` and `de_en_tok` (also `en_tok` and `de_tok`, the tokenised
references, for the five splits that have them). Splits keep the upstream names: `train`,
`val` (the validation split), `test_2016_flickr`, `test_2017_flickr`, `test_2018_flickr`,
`test_2017_mscoco`. Sentences are kept byte for byte (a few have leading or trailing spaces);
only the line break is removed. Examples are stored in file order (no shuffling).
"""

_CITATION = """\
@inproceedings{elliott-etal-2016-multi30k,
  title = {{Multi30K}: Multilingual {English}-{German} Image Descriptions},
  author = {Elliott, Desmond and Frank, Stella and Sima'an, Khalil and Specia, Lucia},
  booktitle = {Proceedings of the 5th Workshop on Vision and Language},
  year = {2016},
  pages = {70--74}
}
"""

_INSTRUCTIONS = """\
Put the files of https://github.com/multi30k/dataset `data/task1/raw/` (`train.en.gz`, ...) into
the manual dir, and for the `*_tok` configs `data/task1/tok/*.lc.norm.tok.{en,de}` gzipped into
`<manual dir>/tok/`. `rnn_zoo.datasets.load("multi30k/en_de", split=...)` finds the checkout's
`../shared/tfds_manual/multi30k/` by itself.
"""


def raw_file(split: str, language: str) -> str:
    """The manual-dir file of `split`'s raw sentences in `language` ("en" or "de")."""
    return f"{split}.{language}.gz"


def tokenised_file(split: str, language: str) -> str:
    """The manual-dir file of `split`'s lc.norm.tok references in `language`."""
    return f"tok/{split}.lc.norm.tok.{language}.gz"


def check_files(folder, names) -> None:
    """Raises a one-line error when a file of `names` is missing from `folder` or is not the
    exact upstream file (its sha256 differs from the pinned SHA256SUMS).

    Args:
      folder: the manual dir (the folder holding `train.en.gz`, ...).
      names: file names relative to it, keys of `SHA256`.

    Raises:
      FileNotFoundError: a file is missing.
      ValueError: a file's sha256 differs from `SHA256`.
    """
    folder = Path(folder)
    for name in names:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"manual_dir: {path} is missing; multi30k needs {name} "
                                    "from https://github.com/multi30k/dataset (data/task1).")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != SHA256[name]:
            raise ValueError(f"manual_dir: {path} is not the upstream file (sha256 "
                             f"{digest[:12]}... differs from SHA256SUMS {SHA256[name][:12]}...);"
                             " replace it with the exact file.")


def read_lines(path) -> list[str]:
    """A gzipped UTF-8 file's lines without their line breaks (nothing else is stripped)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as f:
        text = f.read()
    return text.removesuffix("\n").split("\n")


class Multi30kConfig(tfds.core.BuilderConfig):
    """A direction (`source` -> `target`) and whether the tokenised references are features."""

    def __init__(self, *, source: str, target: str, tokenised: bool, **kwargs):
        super().__init__(**kwargs)
        self.source, self.target, self.tokenised = source, target, tokenised


class Multi30k(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for multi30k (task 1), prepared from a manual dir."""

    name = "multi30k"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release: task 1 raw text and lc.norm.tok references."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = _INSTRUCTIONS
    BUILDER_CONFIGS = [
        Multi30kConfig(name=f"{source}_{target}{'_tok' if tokenised else ''}", source=source,
                       target=target, tokenised=tokenised,
                       description=f"{source} -> {target}, " + (
                           "raw sentences and the lc.norm.tok references (no train split)"
                           if tokenised else "raw sentences"))
        for tokenised in (False, True) for source, target in (("en", "de"), ("de", "en"))
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        names = [*LANGUAGES, *(f"{lang}_tok" for lang in LANGUAGES if config.tokenised)]
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict({n: tfds.features.Text() for n in names}),
            supervised_keys=(config.source, config.target),
            homepage="https://github.com/multi30k/dataset",
            citation=_CITATION,
            # File order: sentence i of a split is line i of its files in every config, so
            # outputs line up with the upstream references.
            disable_shuffling=True,
        )

    def _files(self, split: str) -> dict[str, str]:
        """feature -> its file for `split`."""
        files = {lang: raw_file(split, lang) for lang in LANGUAGES}
        if self.builder_config.tokenised:
            files.update({f"{lang}_tok": tokenised_file(split, lang) for lang in LANGUAGES})
        return files

    def _split_generators(self, dl_manager):
        folder = Path(dl_manager.manual_dir)
        splits = TOKENISED_SPLITS if self.builder_config.tokenised else tuple(SPLITS)
        # Every file is checked before any split is written: no half-built dataset.
        check_files(folder, [f for split in splits for f in self._files(split).values()])
        return {split: self._generate_examples(folder, split) for split in splits}

    def _generate_examples(self, folder: Path, split: str):
        columns = {feature: read_lines(folder / name)
                   for feature, name in self._files(split).items()}
        for feature, lines in columns.items():
            if len(lines) != SPLITS[split]:  # the pinned files have these counts; a guard
                raise ValueError(f"manual_dir: {folder / self._files(split)[feature]} has "
                                 f"{len(lines)} lines, expected {SPLITS[split]}.")
        for i in range(SPLITS[split]):
            yield i, {feature: lines[i] for feature, lines in columns.items()}
