# %% [markdown]
# # 01 · One-to-one: a recurrent network that takes a single step
#
# The lecture's first topology is the degenerate one: **one input, one output**, such as
# classifying a tumour from one vector of measurements. A recurrent layer given a sequence of
# length 1 runs its cell once, from the zero state $h_0 = 0$, so the recurrence never acts:
# the network is a feed-forward network with gated units. It is the baseline against which
# the other topologies show what recurrence adds.
#
# Recipe: `breast_cancer` (`recipes/breast_cancer.py`). Data: the Wisconsin diagnostic
# breast-cancer set (569 tumours, 30 features, scikit-learn's copy as the offline TFDS
# dataset `breast_cancer`), split 399 / 57 / 113. Model: a `TabularClassifier` task, whose
# backbone is `rnn_zoo.topologies.one_to_one` (a GRU) and whose standardisation travels inside
# the saved model. The recipe measures a logistic regression on the same split as the bar.
#
# Runs on a CPU in under a minute. The test suite sets `RNN_ZOO_NOTEBOOK_FAST=1` to train
# for fewer epochs; runs go to `$RNN_ZOO_NOTEBOOK_OUT` or a temporary folder.

# %%
import os
import tempfile
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import ConfusionMatrixDisplay

import rnn_zoo
from rnn_zoo import runner
from rnn_zoo.recipe_finder import get_recipe
from rnn_zoo.tasks import TabularClassifier, load_task
from rnn_zoo.training import read_history

RECIPE = get_recipe("breast_cancer").RECIPE  # recipes/breast_cancer.py
FAST = os.environ.get("RNN_ZOO_NOTEBOOK_FAST") == "1"
OUT = Path(os.environ.get("RNN_ZOO_NOTEBOOK_OUT") or tempfile.mkdtemp(prefix="rnn_zoo_"))

# %% [markdown]
# ## The data
#
# `runner.load_splits` reads the recipe's declared data: each split as raw rows of the 30
# features and the class names. Nothing is standardised here: the task learns the mean and
# standard deviation of the train split when it is fitted, and keeps them inside its model.

# %%
splits = runner.load_splits(RECIPE)
CLASS_NAMES = splits["classes"]
data = {split: (np.asarray(splits[split][0]), np.asarray(splits[split][1]))
        for split in ("train", "validation", "test")}
for split, (x, y) in data.items():
    counts = ", ".join(f"{name} {np.sum(y == name)}" for name in CLASS_NAMES)
    print(f"{split:>10}: x {x.shape}, {counts}")

# %% [markdown]
# ## The model: a sequence of one step
#
# The registry's `one_to_one_gru` reshapes the 30 features into a sequence of **one** step
# (`single_step`: `(batch, 1, 30)`), runs a GRU over it and classifies its state.

# %%
model = rnn_zoo.get_model("one_to_one_gru", input_dim=30, num_classes=2, units=16)
for layer in model.layers:
    print(f"{layer.name:<12} {type(layer).__name__:<11} output {layer.output.shape}")

# %% [markdown]
# With one step, the state-to-state weights $U$ multiply $h_0 = 0$: they can influence
# nothing, so backpropagation gives them a gradient of exactly zero. We check it on a batch of
# real tumours (standardised with the train statistics) with `tf.GradientTape`.

# %%
x_train, y_train = data["train"]
x_batch = ((x_train - x_train.mean(axis=0)) / x_train.std(axis=0))[:64].astype("float32")
y_batch = np.asarray([CLASS_NAMES.index(name) for name in y_train[:64]])
with tf.GradientTape() as tape:
    logits = model(x_batch)
    loss = keras.losses.sparse_categorical_crossentropy(y_batch, logits, from_logits=True)
    loss = tf.reduce_mean(loss)
gradients = tape.gradient(loss, model.trainable_weights)
norms = {weight.path: float(tf.norm(gradient))
         for weight, gradient in zip(model.trainable_weights, gradients, strict=True)}
for weight in model.trainable_weights:
    print(f"{weight.path:<40} {str(tuple(weight.shape)):<10} |gradient| {norms[weight.path]:.2e}")
gru = next(layer for layer in model.layers if isinstance(layer, keras.layers.GRU))
assert norms[gru.cell.recurrent_kernel.path] == 0.0

# %% [markdown]
# ## Training with the recipe
#
# `runner.train(RECIPE, ...)` does what `rnn-zoo train breast_cancer --profile quick` does:
# it builds the `TabularClassifier` with the profile's settings, fits it with the shared
# driver (early stopping on validation loss, best weights kept, a CSV log of every epoch),
# scores the test split, fits the baselines on the same split and writes the task
# (`task.json`, `model.keras`) and `metrics.json` into the run folder.

# %%
run_dir = OUT / "breast_cancer"
metrics = runner.train(RECIPE, profile="quick", out_dir=run_dir, epochs=5 if FAST else None,
                       verbose=0)
print(f"epochs run: {metrics['training']['epochs_run']}, "
      f"best epoch: {metrics['training']['best_epoch']}")
print(f"test accuracy, TabularClassifier (quick): {metrics['test']['accuracy']:.4f}")
for name, baseline in metrics["baselines"].items():
    print(f"test accuracy, {name}: {baseline['accuracy']:.4f}")

# %% [markdown]
# ## Training curves
#
# The driver logs every epoch to `history.csv` in the run folder; `read_history` reads it.
# The validation loss bottoms out early and then creeps up as the network starts to fit the
# 399 training tumours too closely; the driver keeps the weights of the best epoch (dotted
# line), which is the model that was scored and saved.

# %%
history = read_history(run_dir / "history.csv")
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
    ax.plot(history["epoch"], history[metric], label="train")
    ax.plot(history["epoch"], history[f"val_{metric}"], label="validation")
    ax.set(xlabel="epoch", ylabel=metric, title=f"{metric} per epoch (quick profile)")
    ax.axvline(metrics["training"]["best_epoch"], color="k", ls=":", lw=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
axes[0].legend()
axes[1].axhline(metrics["baselines"]["logistic_regression"]["accuracy"], color="gray", ls=":",
                label="logistic regression (test)")
axes[1].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Confusion matrices on the test split
#
# Which mistakes does the network make? We compare the task just trained (`load_task` reads
# the run folder) with the committed pretrained preset `breast_cancer` (the recipe's `full`
# profile), which `TabularClassifier.from_preset` loads after verifying its checksums. Both
# take the raw rows and answer class names.

# %%
x_test, y_test = data["test"]
quick_task = load_task(run_dir)
preset = TabularClassifier.from_preset("breast_cancer")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (title, task) in zip(axes, [("quick run", quick_task), ("preset (full)", preset)],
                             strict=True):
    predicted = np.asarray(task.predict(x_test))
    ConfusionMatrixDisplay.from_predictions(y_test, predicted, labels=CLASS_NAMES,
                                            ax=ax, colorbar=False, cmap="Blues")
    ax.set_title(f"{title}: accuracy {np.mean(predicted == y_test):.3f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# On 113 test tumours each error moves the accuracy by about 0.009, so the network and the
# logistic regression are within noise of each other, as the preset's model card says. That is
# the point of this topology: with one step there is no sequence to exploit, and a recurrent
# network is no better than a linear model on good features. The next notebooks feed the
# recurrence what it is made for: sequences, at the output (02), the input (03) or both (04).
