"""Strings of K scikit-learn 8x8 digits composed side by side, labelled with the digit string."""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

# Source images are split before composing, so test strings only use unseen images.
# load_digits() has 1,797 images: 1,257 train / 180 validation / 360 test.
NUM_SOURCE_VALIDATION = 180
NUM_SOURCE_TEST = 360
_SOURCE_SEED = 20240  # Seeds numpy's legacy RandomState, whose stream numpy keeps frozen.

_DESCRIPTION = """\
Images of K handwritten digits side by side, from scikit-learn's bundled 8x8 digits
(`sklearn.datasets.load_digits`, 1,797 images, grey levels 0..16 scaled to 0..255 uint8).

The SOURCE images are split first (fixed seed): 1,257 train / 180 validation / 360 test images,
and each split composes strings only from its own pool, so test strings use only images never
seen in training. Each example draws K images uniformly (with replacement) from its pool.

Features: `image` uint8 (8, 8*K, 1); `label` the digit string (e.g. "305"); `digits` the per-digit
classes; `source_indices` the positions of the K source images in `load_digits()` order.

Configs: `k3` (default), `k4`, `k5`, with 20,000 / 2,000 / 2,000 train / validation / test
examples. Another K or size: `tfds.builder("digit_strings",
config=DigitStringsConfig(name="k7", k=7))`.
"""


@dataclasses.dataclass
class DigitStringsConfig(tfds.core.BuilderConfig):
    """`k` digits per image; `num_examples` = composed (train, validation, test) examples."""

    k: int = 3
    num_examples: tuple[int, int, int] = (20_000, 2_000, 2_000)
    seed: int = 0  # Seed of the composition (the source split has its own fixed seed).


def source_split(num_images: int) -> dict[str, np.ndarray]:
    """Disjoint, sorted pools of source-image indices for train / validation / test."""
    order = np.random.RandomState(_SOURCE_SEED).permutation(num_images)
    test = order[:NUM_SOURCE_TEST]
    validation = order[NUM_SOURCE_TEST : NUM_SOURCE_TEST + NUM_SOURCE_VALIDATION]
    train = order[NUM_SOURCE_TEST + NUM_SOURCE_VALIDATION :]
    return {"train": np.sort(train), "validation": np.sort(validation), "test": np.sort(test)}


class DigitStrings(tfds.core.GeneratorBasedBuilder):
    """DatasetBuilder for digit_strings."""

    name = "digit_strings"
    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}
    BUILDER_CONFIGS = [
        DigitStringsConfig(name=f"k{k}", k=k, description=f"{k} digits per image.")
        for k in (3, 4, 5)
    ]
    DEFAULT_BUILDER_CONFIG_NAME = "k3"

    def _info(self) -> tfds.core.DatasetInfo:
        k = self.builder_config.k
        if k < 1:
            raise ValueError(f"DigitStringsConfig.k must be >= 1, got {k}.")
        return tfds.core.DatasetInfo(
            builder=self,
            description=_DESCRIPTION,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(8, 8 * k, 1), dtype=np.uint8),
                    "label": tfds.features.Text(),
                    "digits": tfds.features.Sequence(tfds.features.ClassLabel(num_classes=10)),
                    "source_indices": tfds.features.Sequence(np.int32),
                }
            ),
            supervised_keys=("image", "label"),
            homepage="https://scikit-learn.org/stable/datasets/toy_dataset.html#digits-dataset",
            citation="""\
@misc{alpaydin1998digits,
  title = {Optical Recognition of Handwritten Digits},
  author = {Alpaydin, E. and Kaynak, C.},
  howpublished = {UCI Machine Learning Repository}, year = {1998},
  doi = {10.24432/C50P49}
}
""",
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        from sklearn.datasets import load_digits  # Lazy: only preparing needs scikit-learn.

        digits = load_digits()
        # 0..16 grey levels -> 0..255; 16 * 255 / 16 is exact, so rounding is only for safety.
        images = np.rint(digits.images * (255.0 / 16.0)).astype(np.uint8)
        pools = source_split(len(images))
        sizes = dict(
            zip(("train", "validation", "test"), self.builder_config.num_examples, strict=True)
        )
        return {
            split: self._generate_examples(images, digits.target, pool, sizes[split], split)
            for split, pool in pools.items()
        }

    def _generate_examples(self, images, targets, pool, num_examples, split):
        k = self.builder_config.k
        # One RNG per split (seeded by config seed and split) so splits do not depend on
        # each other's sizes and a build is reproducible.
        split_id = ("train", "validation", "test").index(split)
        rng = np.random.RandomState([self.builder_config.seed, split_id, k])
        chosen = rng.choice(pool, size=(num_examples, k), replace=True)
        for index, row in enumerate(chosen):
            image = np.concatenate([images[i] for i in row], axis=1)[..., None]
            labels = [int(targets[i]) for i in row]
            yield (
                index,
                {
                    "image": image,
                    "label": "".join(map(str, labels)),
                    "digits": labels,
                    "source_indices": row.astype(np.int32),
                },
            )
