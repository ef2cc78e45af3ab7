# %% [markdown]
# # 02 · One-to-many: captioning an image with a sequence
#
# One input, a sequence out: the lecture's example is **image captioning**. Here the image
# is a strip of three handwritten digits and the caption is the three digits it shows, read
# left to right, one per time step.
#
# The architecture is the classic "encode once, repeat, decode": a small CNN turns the image
# into one vector; `RepeatVector(3)` feeds that same vector to a GRU at each of the 3 steps;
# the GRU's state is what tells step 1 from step 3 ("which digit am I on?"); a `Dense` layer
# reads a digit out of the state at every step.
#
# Recipe: `digit_captions` (`recipes/digit_captions.py`). Data: the offline TFDS dataset
# `digit_strings/k3`: scikit-learn's 8x8 digits composed three side by side into 8x24
# images. The source images are split *before* composing, so test strings use only digit
# images never seen in training. Model: a `SequenceCaptioner` with `fixed_length=True`
# (exactly three digits per answer), whose backbone is the registry's `one_to_many_gru_cnn`
# shape and whose pixel scaling travels inside the saved model.
#
# Runs on a CPU in a few minutes (`RNN_ZOO_NOTEBOOK_FAST=1`, set by the tests, trains one
# epoch). Runs go to `$RNN_ZOO_NOTEBOOK_OUT` or a temporary folder.

# %%
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

import rnn_zoo
from rnn_zoo import runner
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import SequenceCaptioner, load_task
from rnn_zoo.training import read_history

RECIPE = get_recipe("digit_captions").RECIPE  # recipes/digit_captions.py
FAST = os.environ.get("RNN_ZOO_NOTEBOOK_FAST") == "1"
OUT = Path(os.environ.get("RNN_ZOO_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="rnn_zoo_"))
QUICK = RECIPE.settings("quick")

# %% [markdown]
# ## The data
#
# `runner.load_splits` reads the recipe's declared data: raw uint8 images `(8, 24, 1)` and
# their captions, the digit strings. Nothing is scaled here: the task learns its input
# scaling on `fit` and keeps it inside its model.


# %%
def show_strip(images, titles, colors=None, *, columns=6, suptitle=None):
    """Images in a grid, each with its caption written under it."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.1 * columns, 1.25 * rows))
    for i, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i][..., 0], cmap="gray_r")
            ax.text(0.5, -0.12, titles[i], transform=ax.transAxes, ha="center", va="top",
                    fontsize=11, family="monospace", color=(colors or ["k"] * len(images))[i])
    if suptitle:
        fig.suptitle(suptitle)
    plt.tight_layout()
    plt.show()


splits = runner.load_splits(RECIPE)
data = {split: (np.stack(splits[split][0]), list(splits[split][1]))
        for split in ("train", "validation", "test")}
for split, (images, captions) in data.items():
    print(f"{split:>10}: images {images.shape} {images.dtype}, {len(captions)} captions")
train_images, train_captions = data["train"]
show_strip(train_images[:12], train_captions[:12], suptitle="Training images and their captions")

# %% [markdown]
# ## The model: one vector, repeated, decoded step by step
#
# The layer list shows the one-to-many shape change: the CNN ends in one vector per image
# `(batch, 64)`, `RepeatVector` makes it a sequence of 3 identical steps, the GRU returns
# its state at every step (`return_sequences=True`), and the head gives 10 logits per step.

# %%
model = rnn_zoo.get_model("one_to_many_gru_cnn", image_shape=(8, 24, 1), steps=3,
                          num_classes=10, units=QUICK["units"], filters=tuple(QUICK["filters"]))
for layer in model.layers:
    print(f"{layer.name:<14} {type(layer).__name__:<18} output {layer.output.shape}")

# %% [markdown]
# ## Training with the recipe
#
# `runner.train(RECIPE, ...)` builds the `SequenceCaptioner` with the quick profile's
# settings (the task builds this same backbone), trains it with the shared driver and scores
# whole-string accuracy (`exact_match`: all three digits right) and per-digit accuracy
# (`token_accuracy`) on the test split, next to two baselines measured in the same run: a
# per-digit logistic regression applied to each 8x8 slice, and the most common string.

# %%
run_dir = OUT / "digit_captions"
metrics = runner.train(RECIPE, profile="quick", out_dir=run_dir, epochs=1 if FAST else None,
                       verbose=0)
print(f"epochs run: {metrics['training']['epochs_run']}")
for name, scores in [("SequenceCaptioner (quick)", metrics["test"]),
                     *metrics["baselines"].items()]:
    print(f"{name:>30}: string accuracy {scores['exact_match']:.4f}, "
          f"digit accuracy {scores['token_accuracy']:.4f}")

# %%
history = read_history(run_dir / "history.csv")
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for ax, metric in zip(axes, ("loss", "token_accuracy"), strict=True):
    ax.plot(history["epoch"], history[metric], "o-", label="train")
    ax.plot(history["epoch"], history[f"val_{metric}"], "o-", label="validation")
    ax.set(xlabel="epoch", ylabel=metric, title=f"{metric} per epoch (quick profile)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Captions under the test images
#
# The committed preset `digit_captions` is the recipe's `full` profile (a larger GRU, 40
# epochs on all training strings), loaded with `SequenceCaptioner.from_preset` (checksums
# verified); `load_task` reads the quick run's folder. Both take the raw images and answer
# strings. We caption unseen test images with both; the quick model had a minute of training
# and is less accurate: green when the preset's whole caption is right, red when any of its
# digits is wrong.

# %%
test_images, truth = data["test"]
preset = SequenceCaptioner.from_preset("digit_captions")
quick_task = load_task(run_dir)
answers = {"preset": preset.predict(test_images), "quick": quick_task.predict(test_images)}
# Digits as an array (strings x 3 positions), to compare position by position.
predicted = {name: np.asarray([list(a) for a in found]) for name, found in answers.items()}
digits = np.asarray([list(t) for t in truth])
for name, found in predicted.items():
    right = np.all(found == digits, axis=-1)
    print(f"{name:>6}: string accuracy {right.mean():.4f} on {len(right)} test images")

shown = np.arange(12)
show_strip(test_images[shown],
           [f"{answers['preset'][i]} | {answers['quick'][i]}" for i in shown],
           ["green" if answers["preset"][i] == truth[i] else "red" for i in shown],
           suptitle="Test images, captioned: preset | quick run")

# %% [markdown]
# ## Where the preset goes wrong
#
# The preset's mistakes on the test split, with the true caption first. Compare each wrong
# digit with the image: at 8x8 pixels some are ambiguous even to a human reader.

# %%
wrong = np.flatnonzero(np.any(predicted["preset"] != digits, axis=-1))
wrong_digits = np.sum(predicted["preset"][wrong] != digits[wrong], axis=-1)
print(f"{len(wrong)} of {len(truth)} test captions have a wrong digit; "
      f"{np.sum(wrong_digits == 1)} of them exactly one")
shown = wrong[:12]
show_strip(test_images[shown],
           [f"{truth[i]} -> {answers['preset'][i]}" for i in shown],
           ["red"] * len(shown), suptitle="Preset errors: truth -> caption")

# %% [markdown]
# ## Is the position the hard part?
#
# Per-step accuracy shows how the decoder does at each output step. Every step sees the same
# repeated vector, so any difference between steps comes from what the GRU's state carries.

# %%
fig, ax = plt.subplots(figsize=(6, 3))
width = 0.38
for offset, (name, found) in zip((-width / 2, width / 2), predicted.items(), strict=True):
    per_step = np.mean(found == digits, axis=0)
    ax.bar(np.arange(3) + offset, per_step, width, label=name)
ax.set(xticks=range(3), xticklabels=["step 1 (left)", "step 2", "step 3 (right)"],
       ylabel="digit accuracy", ylim=(0, 1.05), title="Accuracy per output step")
ax.legend(loc="lower right")
plt.tight_layout()
plt.show()

# %% [markdown]
# One vector in, a sequence out: the recurrence is what lets one decoder, with one set of
# weights, emit a different digit at each step. Notebook 03 turns the topology around: a
# sequence in, one answer out.
